package io.streamdr.bench;

import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.kafka.backup.BackupCatalog;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Where a restore's time goes: the bare idempotent acks=all producer of BackupBenchmark (records built before timing,
 * sent round-robin over the partitions), the same producer sending one partition after another, the catalog's
 * verification of the backup alone (every segment's SHA-256 and every frame's CRC, no producing), and TopicRestore,
 * by default (every segment verified before the first record) and pipelined (each partition verified as it starts).
 * One embedded broker, one dataset per run, the methods interleaved in every round; the first round warms the JIT and
 * is not counted. For each method it prints the cores the process kept busy, its CPU-seconds per GB, and those split
 * by thread group ({@link CpuUse}): "main" is the thread that sends for the bare producer; the producer is closed
 * after each method, so its I/O thread counts under "ended threads", with TopicRestore's verifiers, the pool that
 * decodes segments and sends, and its admin client.
 *
 * <p>Usage: {@code java -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.RestoreCostBenchmark
 * [random|json, default random] [records, default 1000000] [rounds, default 5]}
 */
public final class RestoreCostBenchmark {
  private static final String BARE = "bare producer, round-robin";

  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    String dataset = args.length > 0 ? args[0] : "random";
    int records = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Path work = Files.createTempDirectory("streamdr-restore-cost");
    try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().name("bench").build()) {
      kafka.start();
      String topic = "cost-" + dataset;
      kafka.createTopic(topic, BackupBenchmark.PARTITIONS, 1, Map.of("retention.ms", "-1"));
      double mb = BackupBenchmark.produce(kafka, topic, dataset, records) / 1e6;
      BackupTarget target = new FileSystemBackupTarget(work.resolve("backups"));
      BackupManifest backup = TopicBackup.builder(kafka.clientConfig(), target).topics(List.of(topic)).build().full("cost");
      Map<String, List<CpuUse.Run>> runs = new LinkedHashMap<>();
      for (int round = 0; round <= rounds; round++) {
        int r = round;
        List<String> created = new ArrayList<>();
        for (boolean byPartition : List.of(false, true)) {
          String bareTopic = topic + "-bare-" + r + (byPartition ? "-by-partition" : "");
          kafka.createTopic(bareTopic, BackupBenchmark.PARTITIONS, 1, Map.of("retention.ms", "-1"));
          created.add(bareTopic);
          List<ProducerRecord<byte[], byte[]>> pregenerated = BackupBenchmark.generate(bareTopic, dataset, records);
          if (byPartition) {
            pregenerated.sort(Comparator.comparingInt(ProducerRecord::partition));
          }
          CpuUse.measure(runs, round, byPartition ? "bare producer, one partition after another" : BARE, mb,
              () -> BackupBenchmark.sendAll(kafka, pregenerated));
        }
        CpuUse.measure(runs, round, "verify the backup alone (catalog)", mb, () -> {
          if (!new BackupCatalog(target).verify(backup.id()).ok()) {
            throw new IllegalStateException("the backup did not verify");
          }
        });
        for (boolean pipelined : List.of(false, true)) {
          String copy = topic + "-restored-" + r + (pipelined ? "-pipelined" : "");
          created.add(copy);
          CpuUse.measure(runs, round, pipelined ? "TopicRestore, pipelined (each partition verified as it starts)"
              : "TopicRestore (every segment verified, then produced)", mb, () -> {
            long produced = TopicRestore.builder(kafka.clientConfig(), target, backup.id()).rename(topic, copy).pipelined(pipelined)
                .build().run().produced();
            if (produced != records) {
              throw new IllegalStateException("TopicRestore produced " + produced + " records, expected " + records);
            }
          });
        }
        try (var admin = kafka.admin()) {
          admin.deleteTopics(created).all().get();
        }
      }
      System.out.printf(Locale.ROOT, "%n%s: %,d records, %.1f MB, %d rounds after a warm-up (medians), %d cores%n", dataset, records, mb,
          rounds, Runtime.getRuntime().availableProcessors());
      CpuUse.print(runs, BARE, "main");
    } finally {
      BackupBenchmark.deleteTree(work);
    }
  }
}
