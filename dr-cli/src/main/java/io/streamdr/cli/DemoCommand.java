package io.streamdr.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Stands up the embedded two-region stack, inserts one business event of each type into PostgreSQL and shows each
 * arrive in its filtered topic in both regions.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, header = "Show CDC rows flowing to both regions of the embedded stack.",
    description = {"Stand up the embedded two-region CDC stack (PostgreSQL -> Debezium -> Kafka -> Flink routing -> filtered "
            + "topics, replicated by MirrorMaker 2 to us-west-2), insert rows and show them arrive in both regions.",
        "Exit code 0 when every row arrived in both regions, 1 otherwise."})
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--timeout", defaultValue = "90s", description = "How long to wait for each row, e.g. 30s, 2m (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    return EmbeddedStack.require("demo").runDemo(timeout, spec.commandLine().getOut()) ? 0 : 1;
  }
}
