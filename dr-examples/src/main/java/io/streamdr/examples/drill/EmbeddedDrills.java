package io.streamdr.examples.drill;

import io.streamdr.cli.EmbeddedStack;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.RunbookReport;
import io.streamdr.testkit.EmbeddedRegionPair;
import io.streamdr.testkit.flink.RoutingJob;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The {@code drill} and {@code demo} commands' embedded two-region stack (registered for {@link java.util.ServiceLoader}). */
public final class EmbeddedDrills implements EmbeddedStack {
  private static final String STARTING_WITH_REGISTRIES =
      "Starting the two-region stack (Kafka, Connect, Flink and a Schema Registry in us-east-1 and us-west-2; PostgreSQL; MirrorMaker 2)...";

  @Override
  public List<RunbookReport> runDrills(List<Drill> drills, PrintWriter out) throws Exception {
    out.println(STARTING_WITH_REGISTRIES);
    out.flush();
    List<RunbookReport> reports = new ArrayList<>();
    // change events in Avro through each region's Schema Registry, as real CDC stacks write them
    try (EmbeddedRegionPair stack = EmbeddedRegionPair.builder().primaryBrokers(3).schemaRegistries(true).build()) {
      Quiet.run(stack::start); // Kafka's storage formatter prints to standard output
      out.printf("Stack up in %.1f s%n", stack.startupTime().toMillis() / 1000.0);
      for (int i = 0; i < drills.size(); i++) {
        Drill drill = drills.get(i);
        out.printf("%n== Drill %d of %d: %s%n", i + 1, drills.size(), drill.title());
        out.flush();
        Consumer<String> progress = line -> {
          out.println("  " + line);
          out.flush();
        };
        RunbookReport report = switch (drill) {
          case connector -> new ConnectorFailureDrill(stack, RecoveryObjectives.defaults(), progress).run();
          case flink -> new FlinkJobFailureDrill(stack, RecoveryObjectives.defaults(), progress).run();
          case broker -> new BrokerFailureDrill(stack, RecoveryObjectives.defaults(), progress).run();
          case region -> new RegionFailureDrill(stack, RecoveryObjectives.defaults(), progress).run();
        };
        reports.add(report);
        out.println();
        out.println(report.toText());
        out.flush();
      }
    }
    return reports;
  }

  @Override
  public boolean runDemo(Duration timeout, PrintWriter out) {
    out.println(STARTING_WITH_REGISTRIES);
    out.flush();
    try (EmbeddedRegionPair stack = EmbeddedRegionPair.builder().schemaRegistries(true).build()) {
      Quiet.run(stack::start);
      out.printf("Stack up in %.1f s: us-east-1 Kafka %s, Flink %s, Connect %s%n", stack.startupTime().toMillis() / 1000.0,
          stack.primary().kafka().bootstrapServers(), stack.primary().flink().restUrl(), stack.primary().connect().restUrl());
      out.printf("                 us-west-2 Kafka %s, Flink %s, Connect %s%n", stack.secondary().kafka().bootstrapServers(),
          stack.secondary().flink().restUrl(), stack.secondary().connect().restUrl());
      out.printf("                 Schema Registry us-east-1 %s, us-west-2 %s (change events in Avro)%n",
          stack.primary().registry().orElseThrow().url(), stack.secondary().registry().orElseThrow().url());
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
      return ok;
    }
  }
}
