package io.streamdr.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class StreamDrCliTest {
  static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = StreamDr.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }

  @Test
  void drill_refuses_an_unknown_drill_naming_the_ones_it_knows() {
    String[] r = run("drill", "--only", "datacenter");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("datacenter").contains("connector, flink, broker, region");
  }

  @Test
  void every_command_has_help() {
    for (String command : new String[] {"drill", "demo", "backup", "restore", "backups", "verify", "failover", "failback", "savepoint",
        "connectors"}) {
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
  void version_is_printed() {
    assertThat(run("--version")[1]).contains("streamdr 0.1.0");
  }
}
