package io.streamdr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class StreamDrCliTest {
  static String[] run(String... args) {
    return runWithEnv(null, args);
  }

  /** As {@link #run}, with the environment variables the command sees. */
  static String[] runWithEnv(java.util.Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = StreamDr.execute(new PrintWriter(out), new PrintWriter(err), env, args);
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }

  @Test
  void drill_refuses_an_unknown_drill_naming_the_ones_it_knows() {
    String[] r = run("drill", "--only", "datacenter");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("datacenter").contains("connector, flink, broker, region");
  }

  @Test
  void the_embedded_drill_and_demo_say_where_their_stack_is_when_it_is_not_on_the_classpath() {
    // this module's test classpath has the operator classpath and the embedded clusters, but not the stack's drills
    for (String command : new String[] {"drill", "demo"}) {
      String[] r = run(command);
      assertThat(r[0]).as(command).isEqualTo("2");
      assertThat(r[2]).contains("'streamdr " + command + "' runs on the embedded two-region stack")
          .contains("bin/streamdr " + command).contains("streamdr drill -c streamdr.yaml");
    }
  }

  @Test
  void every_command_has_help() {
    for (String command : new String[] {"drill", "demo", "backup", "restore", "backups", "verify", "failover", "failback", "savepoint",
        "checkpoint", "connectors"}) {
      String[] r = run(command, "--help");
      assertThat(r[0]).isEqualTo("0");
      assertThat(r[1]).contains("Usage: streamdr " + command);
    }
    for (String sub : new String[] {"list", "verify", "prune"}) {
      assertThat(run("backups", sub, "--help")[1]).contains("Usage: streamdr backups " + sub).contains("--config");
    }
    for (String sub : new String[] {"backup", "restore", "list"}) {
      assertThat(run("connectors", sub, "--help")[1]).contains("Usage: streamdr connectors " + sub).contains("--config");
    }
    assertThat(run("connectors", "restore", "--help")[1]).contains("--dry-run").contains("--secret").contains("Exit code");
    assertThat(run("savepoint", "--help")[1]).contains("--job").contains("--stop").contains("--list").contains("--dry-run");
    assertThat(run("restore", "--help")[1]).contains("--dry-run").contains("--rename").contains("Exit code");
    assertThat(run("failover", "--help")[1]).contains("--dry-run").contains("3 another router switched first");
    assertThat(run("drill", "--help")[1]).contains("--report-dir").contains("--only").contains("connector, flink, broker, region")
        .contains("Exit code");
    assertThat(run("--help")[1]).contains("drill").contains("demo").contains("backup").contains("failover")
        .contains("Exit codes:");
  }

  @Test
  void an_unknown_command_or_option_is_a_usage_error_with_exit_code_2() {
    String[] r = run("failover-everything");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("Unmatched argument");
    assertThat(run("drill", "--no-such-option")[0]).isEqualTo("2");
  }

  @Test
  void version_is_printed_by_every_command_from_the_build() {
    assertThat(Version.current()).isNotEqualTo("unknown").doesNotContain("${");
    assertThat(run("--version")[1]).startsWith("streamdr " + Version.current());
    for (String[] command : new String[][] {{"backup", "-V"}, {"backups", "verify", "--version"}, {"drill", "-V"}}) {
      String[] r = run(command);
      assertThat(r[0]).isEqualTo("0");
      assertThat(r[1]).as(String.join(" ", command)).startsWith("streamdr " + Version.current());
    }
  }

  @Test
  void the_command_list_gives_each_command_a_whole_sentence() {
    String help = run("--help")[1];
    String commands = help.substring(help.indexOf("Commands:"));
    for (String line : commands.lines().skip(1).takeWhile(l -> !l.isBlank()).toList()) {
      assertThat(line.strip()).as("one line per command, ending its sentence").endsWith(".");
    }
  }

  @Test
  void every_description_is_written_in_whole_paragraphs_so_help_wraps_them_at_the_terminal_width() {
    // picocli prints each element of a description on its own line: an element that stops mid-sentence breaks the
    // --help text at an arbitrary word wherever the terminal is wider than the source line
    ArrayDeque<CommandLine> commands = new ArrayDeque<>(List.of(StreamDr.commandLine()));
    int checked = 0;
    while (!commands.isEmpty()) {
      CommandLine command = commands.pop();
      commands.addAll(command.getSubcommands().values());
      for (String paragraph : command.getCommandSpec().usageMessage().description()) {
        if (paragraph.startsWith("  ")) {
          continue; // an indented example line, such as completion's 'source <(streamdr completion)'
        }
        assertThat(paragraph.replace("%n", "").strip()).as("a paragraph of '%s --help'", command.getCommandSpec().qualifiedName(" "))
            .matches("(?s).*[.:]$");
        checked++;
      }
    }
    assertThat(checked).as("paragraphs checked").isGreaterThan(30);
  }

  @Test
  void the_configuration_is_found_after_the_option_in_the_environment_the_working_directory_then_home(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path cwd = java.nio.file.Files.createDirectories(dir.resolve("cwd"));
    java.nio.file.Path home = java.nio.file.Files.createDirectories(dir.resolve("home"));
    java.nio.file.Path named = dir.resolve("named.yaml");
    assertThat(ConfigOption.resolve(named, java.util.Map.of("STREAMDR_CONFIG", "env.yaml"), cwd, home)).isEqualTo(named);
    assertThat(ConfigOption.resolve(null, java.util.Map.of("STREAMDR_CONFIG", "env.yaml"), cwd, home))
        .isEqualTo(java.nio.file.Path.of("env.yaml"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigOption.resolve(null, java.util.Map.of(), cwd, home))
        .hasMessageContaining(cwd.resolve("streamdr.yaml").toString()).hasMessageContaining(".config/streamdr/streamdr.yaml")
        .hasMessageContaining("--config").hasMessageContaining("STREAMDR_CONFIG");
    java.nio.file.Path inHome = java.nio.file.Files.createDirectories(home.resolve(".config/streamdr")).resolve("streamdr.yaml");
    java.nio.file.Files.writeString(inHome, "primary: x\n");
    assertThat(ConfigOption.resolve(null, java.util.Map.of(), cwd, home)).isEqualTo(inHome);
    java.nio.file.Files.writeString(cwd.resolve("streamdr.yaml"), "primary: x\n");
    assertThat(ConfigOption.resolve(null, java.util.Map.of(), cwd, home)).isEqualTo(cwd.resolve("streamdr.yaml"));
  }

  @Test
  void completion_prints_a_bash_script_for_every_command() {
    String[] r = run("completion");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).contains("complete -F").contains("restore").contains("--point-in-time").contains("backups");
  }

  @Test
  void verbose_and_quiet_are_accepted_by_every_command_and_quiet_drops_progress_lines() {
    String[] quiet = run("backups", "list", "--quiet", "-c", "/nonexistent/streamdr.yaml");
    assertThat(quiet[0]).isEqualTo("2");
    assertThat(quiet[2]).as("errors still show").contains("does not exist");
    assertThat(Verbosity.quiet()).isTrue();
    java.io.StringWriter err = new java.io.StringWriter();
    try (Progress p = Progress.spinner(new java.io.PrintWriter(err), "backup of us-east-1")) {
      p.done("1 record");
    }
    assertThat(err.toString()).isEmpty();
    assertThat(run("restore", "--verbose", "--help")[0]).isEqualTo("0");
    assertThat(run("--help")[1]).contains("--verbose").contains("--quiet");
    run("--version");
    assertThat(Verbosity.quiet()).as("a new command line starts without it").isFalse();
  }

  @Test
  void durations_read_as_people_write_them_and_a_bad_one_says_what_is_expected() {
    assertThat(TimeConverters.parse("500ms")).isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(TimeConverters.parse("30s")).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(TimeConverters.parse("10m")).isEqualTo(java.time.Duration.ofMinutes(10));
    assertThat(TimeConverters.parse("2h")).isEqualTo(java.time.Duration.ofHours(2));
    assertThat(TimeConverters.parse("1d")).isEqualTo(java.time.Duration.ofDays(1));
    assertThat(TimeConverters.parse("PT1M30S")).isEqualTo(java.time.Duration.ofSeconds(90));
    String[] r = run("connectors", "restore", "snap", "--region", "us-west-2", "--timeout", "ten minutes");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("'ten minutes' is not a duration").contains("30s, 10m").doesNotContain("java.");
  }

  @Test
  void instants_read_in_utc_with_an_offset_or_as_a_date() {
    assertThat(TimeConverters.parseInstant("2026-11-24T05:30:00Z")).isEqualTo(java.time.Instant.parse("2026-11-24T05:30:00Z"));
    assertThat(TimeConverters.parseInstant("2026-11-24T07:30:00+02:00")).isEqualTo(java.time.Instant.parse("2026-11-24T05:30:00Z"));
    assertThat(TimeConverters.parseInstant("2026-11-24")).isEqualTo(java.time.Instant.parse("2026-11-24T00:00:00Z"));
    String[] r = run("verify", "--topics", "orders", "--cutoff", "24/11/2026");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("'24/11/2026' is not a point in time").doesNotContain("java.");
  }
}
