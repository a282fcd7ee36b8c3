package io.streamdr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Under the CLI's own log configuration, a drill's full log takes what the console leaves out, and the console is unchanged. */
class DrillLogTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream console = new ByteArrayOutputStream();
  private PrintStream err;

  @BeforeEach
  void theCliLogConfiguration() throws Exception {
    err = System.err;
    System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8)); // the console appender writes to standard error
    Configurator.reconfigure(getClass().getResource("/streamdr-log4j2.xml").toURI());
  }

  @AfterEach
  void theTestLogConfiguration() throws Exception {
    Configurator.reconfigure(getClass().getResource("/log4j2-test.xml").toURI());
    System.setErr(err);
  }

  private static void logEach(String run) {
    LogManager.getLogger("io.streamdr.kafka.backup.TopicBackup").info("streamdr info {}", run);
    LogManager.getLogger("io.debezium.pipeline.ErrorHandler").error("injected failure " + run, new IllegalStateException("walsender gone"));
    LogManager.getLogger("org.apache.kafka.clients.NetworkClient").info("client info {}", run);
    LogManager.getLogger("org.apache.kafka.clients.NetworkClient").warn("client warning {}", run);
    LogManager.getLogger("org.apache.kafka.clients.NetworkClient").error("client error {}", run);
  }

  @Test
  void the_file_takes_the_injected_failures_and_warnings_while_the_console_shows_what_it_did_before() throws Exception {
    Path file = dir.resolve("drill.log");
    try (DrillLog log = DrillLog.open(file).orElseThrow()) {
      logEach("during");
    }
    logEach("after");
    String inFile = Files.readString(file);
    assertThat(inFile).contains("streamdr info during", "injected failure during", "java.lang.IllegalStateException: walsender gone",
        "\tat io.streamdr.cli.DrillLogTest", "client warning during", "client error during").doesNotContain("client info during")
        .doesNotContain("after");
    String onConsole = console.toString(StandardCharsets.UTF_8);
    for (String run : new String[] {"during", "after"}) {
      assertThat(onConsole).contains("streamdr info " + run, "client error " + run)
          .doesNotContain("injected failure " + run, "client warning " + run, "client info " + run);
    }
    assertThat(onConsole).doesNotContain("walsender gone");
  }

  @Test
  void for_the_embedded_drill_the_console_keeps_only_streamdrs_warnings_and_the_file_has_the_rest() throws Exception {
    Path file = dir.resolve("drill.log");
    try (DrillLog log = DrillLog.open(file, true).orElseThrow()) {
      logEach("during");
    }
    logEach("after");
    assertThat(Files.readString(file)).contains("streamdr info during", "client error during", "injected failure during");
    String onConsole = console.toString(StandardCharsets.UTF_8);
    assertThat(onConsole).contains("streamdr info after", "client error after").doesNotContain("streamdr info during", "client error during");
  }

  @Test
  void a_log_configuration_of_the_users_own_gets_no_drill_log() throws Exception {
    Configurator.reconfigure(getClass().getResource("/log4j2-test.xml").toURI());
    assertThat(DrillLog.open(dir.resolve("drill.log"))).isEmpty();
    assertThat(dir.resolve("drill.log")).doesNotExist();
  }
}
