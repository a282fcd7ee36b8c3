package io.streamdr.bench;

import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.kafka.verify.KafkaIntegrityVerifier;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Verification speed against the read limit, measured in the same run on one embedded broker: a bare
 * {@code KafkaConsumer} poll loop reading one topic (the read limit) and {@link KafkaIntegrityVerifier} comparing that
 * topic with an identical copy (reading both, in parallel). Rounds alternate the two; medians are reported. MB/s count
 * the keys and values of one side, so 1.0 means verifying two topics as fast as reading one. A third method, two bare
 * consumers reading the topic and its copy in parallel, is the read limit of reading both on this machine: the
 * verifier's own cost is its ratio to that.
 *
 * <p>Usage: {@code java -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.VerifyBenchmark [records, default 500000] [rounds, default 3]}
 */
public final class VerifyBenchmark {
  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().name("bench").build()) {
      kafka.start();
      for (String dataset : List.of("json", "random")) {
        String topic = "verify-" + dataset;
        for (String t : List.of(topic, topic + "-copy")) {
          kafka.createTopic(t, BackupBenchmark.PARTITIONS, 1, Map.of("retention.ms", "-1"));
        }
        long bytes = BackupBenchmark.produce(kafka, topic, dataset, records);
        BackupBenchmark.produce(kafka, topic + "-copy", dataset, records);
        double mb = bytes / 1e6;
        KafkaIntegrityVerifier verifier = new KafkaIntegrityVerifier(Map.of("bench", kafka.clientConfig()));
        VerificationRequest request = VerificationRequest.builder("bench", "bench").topics(topic)
            .naming(t -> t + "-copy").build();
        Map<String, List<Double>> runs = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
          long t0 = System.nanoTime();
          BackupBenchmark.bareConsume(kafka, topic, records);
          runs.computeIfAbsent("bare", k -> new ArrayList<>()).add(mb / ((System.nanoTime() - t0) / 1e9));
          t0 = System.nanoTime();
          Thread other = new Thread(() -> BackupBenchmark.bareConsume(kafka, topic + "-copy", records));
          other.start();
          BackupBenchmark.bareConsume(kafka, topic, records);
          other.join();
          runs.computeIfAbsent("bare-both", k -> new ArrayList<>()).add(mb / ((System.nanoTime() - t0) / 1e9));
          t0 = System.nanoTime();
          IntegrityReport report = verifier.verify(request);
          runs.computeIfAbsent("verify", k -> new ArrayList<>()).add(mb / ((System.nanoTime() - t0) / 1e9));
          if (!report.passed()) {
            throw new IllegalStateException("identical copies did not verify: " + report.toText());
          }
        }
        double bare = BackupBenchmark.median(runs.get("bare"));
        double verify = BackupBenchmark.median(runs.get("verify"));
        double both = BackupBenchmark.median(runs.get("bare-both"));
        System.out.printf(Locale.ROOT, "%n== %s: %,d records, %.1f MB per side, %d rounds (medians)%n", dataset, records, mb, rounds);
        System.out.printf(Locale.ROOT, "bare KafkaConsumer, one topic: %.1f MB/s%n", bare);
        System.out.printf(Locale.ROOT, "two bare KafkaConsumers in parallel, topic and copy: %.1f MB/s per side = %.2f of one%n",
            both, both / bare);
        System.out.printf(Locale.ROOT, "KafkaIntegrityVerifier, topic vs copy: %.1f MB/s per side = %.2f of the one-topic read limit, %.2f of the two-topic one%n",
            verify, verify / bare, verify / both);
        runs.forEach((m, l) -> System.out.printf(Locale.ROOT, "rounds %s: %s%n", m,
            l.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList()));
      }
    }
  }

}
