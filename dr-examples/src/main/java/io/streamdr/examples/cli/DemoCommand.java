package io.streamdr.examples.cli;

import io.streamdr.testkit.EmbeddedRegionPair;
import io.streamdr.testkit.flink.RoutingJob;
import java.io.PrintWriter;
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
    description = {"Stand up the embedded two-region CDC stack (PostgreSQL -> Debezium -> Kafka -> Flink routing ->",
        "filtered topics, replicated by MirrorMaker 2 to us-west-2), insert rows and show them arrive in both regions.",
        "Exit code 0 when every row arrived in both regions, 1 otherwise."})
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--timeout", defaultValue = "90s", description = "How long to wait for each row, e.g. 30s, 2m (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    out.println("Starting the two-region stack (Kafka, Connect, Flink in us-east-1 and us-west-2; PostgreSQL; MirrorMaker 2)...");
    out.flush();
    try (EmbeddedRegionPair stack = EmbeddedRegionPair.builder().build()) {
      Quiet.run(() -> stack.start()); // Kafka's storage formatter prints to standard output
      out.printf("Stack up in %.1f s: us-east-1 Kafka %s, Flink %s, Connect %s%n", stack.startupTime().toMillis() / 1000.0,
          stack.primary().kafka().bootstrapServers(), stack.primary().flink().restUrl(), stack.primary().connect().restUrl());
      out.printf("                 us-west-2 Kafka %s, Flink %s, Connect %s%n", stack.secondary().kafka().bootstrapServers(),
          stack.secondary().flink().restUrl(), stack.secondary().connect().restUrl());
      boolean ok = true;
      int customer = 1;
      for (String type : RoutingJob.TYPES) {
        long t0 = System.nanoTime();
        stack.insertEvent(type, customer++, "100.00");
        String topic = RoutingJob.filteredTopic(type);
        boolean east = !stack.primary().kafka().read(topic, 1, timeout).isEmpty();
        long eastMs = (System.nanoTime() - t0) / 1_000_000;
        String remote = stack.remoteTopic(topic);
        boolean west = east && !stack.secondary().kafka().read(remote, 1, timeout).isEmpty();
        long westMs = (System.nanoTime() - t0) / 1_000_000;
        out.printf("  %-8s row -> us-east-1 %-26s %s%s -> us-west-2 %-36s %s%s%n", type, topic, east ? "OK " : "MISSING",
            east ? " (" + eastMs + " ms)" : "", remote, west ? "OK " : "MISSING", west ? " (" + westMs + " ms)" : "");
        out.flush();
        ok &= east && west;
      }
      out.println(ok ? "Every row reached both regions." : "Some rows did not arrive; see the log above.");
      out.println("Shutting down.");
      out.flush();
      return ok ? 0 : 1;
    }
  }
}
