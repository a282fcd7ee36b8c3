package io.streamdr.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code streamdr} command line. */
@Command(name = "streamdr", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Disaster recovery for CDC streaming stacks (PostgreSQL, Debezium, Kafka, Flink).",
    subcommands = {DrillCommand.class, DemoCommand.class, AgentCommand.class, BackupCommand.class, RestoreCommand.class, BackupsCommand.class,
        VerifyCommand.class, FailoverCommand.Failover.class, FailoverCommand.Failback.class, SavepointCommand.class,
        CheckpointCommand.class, ConnectorsCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done; for verify, identical", "1:a check failed (objective missed, differences found, backup damaged)",
        "2:usage, configuration or runtime error", "3:another router switched the active region first"})
public final class StreamDr implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin Verbosity verbosity;

  public static void main(String[] args) {
    // dependencies ship log4j2 configurations of their own (Kafka's test kit has a log4j2.yaml): use ours, unless the
    // user named one (-Dlog4j2.configurationFile=… or LOG4J_CONFIGURATION_FILE)
    if (System.getProperty("log4j2.configurationFile") == null && System.getenv("LOG4J_CONFIGURATION_FILE") == null) {
      System.setProperty("log4j2.configurationFile", "classpath:streamdr-log4j2.xml");
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * Runs one command line in this JVM, printing to {@code out} and {@code err} instead of standard output and error,
   * for tools that embed the CLI and for tests; returns its exit code.
   */
  public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    return execute(out, err, null, args);
  }

  /** As {@link #execute(java.io.PrintWriter, java.io.PrintWriter, String...)}, reading environment variables from {@code env}. */
  public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, java.util.Map<String, String> env, String... args) {
    CommandLine cli = commandLine();
    cli.setOut(out);
    cli.setErr(err);
    Environment.use(env);
    try {
      return cli.execute(args);
    } finally {
      Environment.use(null);
    }
  }

  /** The configured command line, for tests. */
  public static CommandLine commandLine() {
    Verbosity.reset();
    CommandLine cli = new CommandLine(new StreamDr())
        .registerConverter(java.time.Duration.class, new TimeConverters.Durations())
        .registerConverter(java.time.Instant.class, new TimeConverters.Instants())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("streamdr: " + e.getMessage());
          return e instanceof io.streamdr.core.FencedException ? 3 : 2;
        });
    withVersion(cli);
    return cli;
  }

  /** Every command answers -V/--version with the build's version (picocli asks each command for its own). */
  private static void withVersion(CommandLine cmd) {
    cmd.getCommandSpec().versionProvider(new Version());
    cmd.getSubcommands().values().forEach(StreamDr::withVersion);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
