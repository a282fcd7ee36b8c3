package io.streamdr.bench;

import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * How long a new topic takes to answer offset requests, the wait a restore into a new topic pays before its first
 * record: an admin client with Kafka's default {@code retry.backoff.ms} (100 ms) against one with the restore's
 * (5 ms, doubling up to {@code retry.backoff.max.ms}), alternately, one new admin client and one new six-partition
 * topic per try. Prints the medians of the creation and of the wait after it.
 *
 * <pre>
 * java -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.TopicReadyBenchmark [tries]
 * </pre>
 */
public final class TopicReadyBenchmark {
  /** The initial retry backoff of the restore's admin client ({@code TopicRestore}). */
  static final int RESTORE_BACKOFF_MS = 5;
  private static final int DEFAULT_BACKOFF_MS = 100;

  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    int tries = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    Map<Integer, List<Double>> created = new HashMap<>();
    Map<Integer, List<Double>> ready = new HashMap<>();
    try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().name("topic-ready").build()) {
      BackupBenchmark.quiet(kafka::start);
      int n = 0;
      for (int i = 0; i < tries; i++) {
        for (int backoff : List.of(DEFAULT_BACKOFF_MS, RESTORE_BACKOFF_MS)) {
          double[] t = createAndAwait(kafka, "ready-" + (++n), BackupBenchmark.PARTITIONS, backoff);
          created.computeIfAbsent(backoff, k -> new ArrayList<>()).add(t[0]);
          ready.computeIfAbsent(backoff, k -> new ArrayList<>()).add(t[1]);
        }
      }
    }
    System.out.printf(Locale.ROOT, "%n%-22s %16s %22s%n", "retry.backoff.ms", "create, ms", "then ready, ms");
    for (int backoff : List.of(DEFAULT_BACKOFF_MS, RESTORE_BACKOFF_MS)) {
      System.out.printf(Locale.ROOT, "%-22d %16.1f %22.1f%n", backoff, BackupBenchmark.median(created.get(backoff)) * 1e3,
          BackupBenchmark.median(ready.get(backoff)) * 1e3);
    }
    System.out.printf(Locale.ROOT, "wait with %d ms over the wait with %d ms: %.2f (medians of %d tries each)%n", RESTORE_BACKOFF_MS,
        DEFAULT_BACKOFF_MS, BackupBenchmark.median(ready.get(RESTORE_BACKOFF_MS)) / BackupBenchmark.median(ready.get(DEFAULT_BACKOFF_MS)), tries);
  }

  /**
   * Creates {@code topic} through a new admin client with the given initial retry backoff and waits, asking again
   * every 5 ms, until all its partitions answer an offset request, as {@code TopicRestore} does. {seconds to create,
   * seconds from then until ready}.
   */
  static double[] createAndAwait(EmbeddedKafkaCluster kafka, String topic, int partitions, int backoffMs) throws Exception {
    Map<String, Object> c = kafka.clientConfig();
    c.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, backoffMs);
    try (Admin admin = Admin.create(c)) {
      long start = System.nanoTime();
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(Map.of("message.timestamp.type", "CreateTime"))))
          .all().get(30, TimeUnit.SECONDS);
      long createdAt = System.nanoTime();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < partitions; p++) {
        latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      long deadline = createdAt + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        try {
          admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
          break;
        } catch (ExecutionException e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("topic " + topic + " did not answer offset requests within 60 s", e);
          }
          Thread.sleep(5); // a benchmark's poll of the broker, not a test's synchronization
        }
      }
      return new double[] {(createdAt - start) / 1e9, (System.nanoTime() - createdAt) / 1e9};
    }
  }
}
