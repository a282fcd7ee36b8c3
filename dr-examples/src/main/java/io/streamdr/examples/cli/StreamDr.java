package io.streamdr.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code streamdr} command line. */
@Command(name = "streamdr", mixinStandardHelpOptions = true, version = "streamdr 0.1.0-SNAPSHOT",
    description = "Disaster recovery for CDC streaming stacks (PostgreSQL, Debezium, Kafka, Flink).",
    subcommands = {DrillCommand.class, DemoCommand.class, BackupCommand.class, RestoreCommand.class, BackupsCommand.class,
        VerifyCommand.class, FailoverCommand.Failover.class, FailoverCommand.Failback.class, SavepointCommand.class,
        ConnectorsCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done; for verify, identical", "1:a check failed (objective missed, differences found, backup damaged)",
        "2:usage, configuration or runtime error", "3:another router switched the active region first"})
public final class StreamDr implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // dependencies ship log4j2 configurations of their own (Kafka's test kit has a log4j2.yaml); use ours
    System.setProperty("log4j2.configurationFile", "classpath:streamdr-log4j2.xml");
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, for tests. */
  public static CommandLine commandLine() {
    return new CommandLine(new StreamDr())
        .registerConverter(java.time.Duration.class, new TimeConverters.Durations())
        .registerConverter(java.time.Instant.class, new TimeConverters.Instants())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("streamdr: " + e.getMessage());
      return e instanceof io.streamdr.core.FencedException ? 3 : 2;
    });
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
