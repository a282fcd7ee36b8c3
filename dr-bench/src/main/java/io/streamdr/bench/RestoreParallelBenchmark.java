package io.streamdr.bench;

import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What producing partitions at the same time buys a restore into a replicated cluster: several embedded brokers, a
 * topic of six partitions with replication factor 3 and {@code min.insync.replicas=2}, so every {@code acks=all}
 * request waits for followers to fetch, as it does in production. It compares the bare idempotent producer of
 * BackupBenchmark (round-robin over the partitions, the baseline), TopicRestore producing one partition at a time, and
 * TopicRestore with its default parallelism. The methods are interleaved in every round; the first round warms up and
 * is not counted. The table is {@link CpuUse}'s.
 *
 * <p>Usage: {@code java -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.RestoreParallelBenchmark
 * [json|random, default json] [records, default 300000] [rounds, default 5] [brokers, default 3]}
 */
public final class RestoreParallelBenchmark {
  private static final String BARE = "bare producer, round-robin";

  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    String dataset = args.length > 0 ? args[0] : "json";
    int records = args.length > 1 ? Integer.parseInt(args[1]) : 300_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    int brokers = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    int rf = Math.min(3, brokers);
    Map<String, String> configs = Map.of("retention.ms", "-1", "min.insync.replicas", String.valueOf(Math.min(2, rf)));
    Path work = Files.createTempDirectory("streamdr-restore-parallel");
    try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().name("bench").brokers(brokers).build()) {
      kafka.start();
      String topic = "parallel-" + dataset;
      kafka.createTopic(topic, BackupBenchmark.PARTITIONS, rf, configs);
      double mb = BackupBenchmark.produce(kafka, topic, dataset, records) / 1e6;
      BackupTarget target = new FileSystemBackupTarget(work.resolve("backups"));
      BackupManifest backup = TopicBackup.builder(kafka.clientConfig(), target).topics(List.of(topic)).build().full("parallel");
      Map<String, List<CpuUse.Run>> runs = new LinkedHashMap<>();
      for (int round = 0; round <= rounds; round++) {
        List<String> created = new ArrayList<>();
        String bareTopic = topic + "-bare-" + round;
        kafka.createTopic(bareTopic, BackupBenchmark.PARTITIONS, rf, configs);
        created.add(bareTopic);
        List<ProducerRecord<byte[], byte[]>> pregenerated = BackupBenchmark.generate(bareTopic, dataset, records);
        CpuUse.measure(runs, round, BARE, mb, () -> BackupBenchmark.sendAll(kafka, pregenerated));
        for (int parallelism : List.of(1, 8)) {
          String copy = topic + "-restored-" + round + "-" + parallelism;
          created.add(copy);
          String method = parallelism == 1 ? "TopicRestore, one partition at a time" : "TopicRestore, parallelism 8 (default)";
          CpuUse.measure(runs, round, method, mb, () -> {
            long produced = TopicRestore.builder(kafka.clientConfig(), target, backup.id()).rename(topic, copy)
                .parallelism(parallelism).build().run().produced();
            if (produced != records) {
              throw new IllegalStateException("TopicRestore produced " + produced + " records, expected " + records);
            }
          });
        }
        try (var admin = kafka.admin()) {
          admin.deleteTopics(created).all().get();
        }
      }
      System.out.printf(Locale.ROOT, "%n%s: %,d records, %.1f MB, %d brokers, replication factor %d, %d rounds after a warm-up (medians), %d cores%n",
          dataset, records, mb, brokers, rf, rounds, Runtime.getRuntime().availableProcessors());
      CpuUse.print(runs, BARE, "main");
    } finally {
      BackupBenchmark.deleteTree(work);
    }
  }
}
