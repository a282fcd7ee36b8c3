package io.streamdr.bench;

import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The restore of a small backup into a new topic, where its fixed cost is most of its time, against the bare
 * idempotent producer sending the same records into a topic it creates and waits for, interleaved over many rounds
 * (small runs are noisy): medians and their ratio.
 *
 * <pre>
 * java -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.SmallRestoreBenchmark [json|random] [records] [rounds]
 * </pre>
 */
public final class SmallRestoreBenchmark {
  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    String dataset = args.length > 0 ? args[0] : "json";
    int records = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 25;
    Path work = Files.createTempDirectory("streamdr-small-restore");
    List<Double> restore = new ArrayList<>();
    List<Double> baseline = new ArrayList<>();
    try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().name("small-restore").build()) {
      BackupBenchmark.quiet(kafka::start);
      kafka.createTopic("source", BackupBenchmark.PARTITIONS, 1, Map.of("retention.ms", "-1"));
      BackupBenchmark.produce(kafka, "source", dataset, records);
      FileSystemBackupTarget target = new FileSystemBackupTarget(work.resolve("backups"));
      TopicBackup.builder(kafka.clientConfig(), target).topics(List.of("source")).build().full("small");
      for (int round = 0; round <= rounds; round++) { // round 0 warms up
        String created = "created-" + round;
        List<ProducerRecord<byte[], byte[]>> into = BackupBenchmark.generate(created, dataset, records);
        System.gc();
        double b = BackupBenchmark.secondsOf(() -> {
          TopicReadyBenchmark.createAndAwait(kafka, created, BackupBenchmark.PARTITIONS, TopicReadyBenchmark.RESTORE_BACKOFF_MS);
          BackupBenchmark.sendAll(kafka, into);
        });
        String copy = "restored-" + round;
        System.gc();
        long[] produced = new long[1];
        double r = BackupBenchmark.secondsOf(() -> produced[0] = TopicRestore.builder(kafka.clientConfig(), target, "small")
            .rename("source", copy).build().run().produced());
        if (produced[0] != records) {
          throw new IllegalStateException("the restore produced " + produced[0] + " of " + records + " records");
        }
        if (round > 0) {
          baseline.add(b);
          restore.add(r);
        }
        try (var admin = kafka.admin()) {
          admin.deleteTopics(List.of(created, copy)).all().get();
        }
      }
    } finally {
      BackupBenchmark.deleteTree(work);
    }
    double b = BackupBenchmark.median(baseline);
    double r = BackupBenchmark.median(restore);
    System.out.printf(Locale.ROOT, "%n%s, %,d records, medians of %d rounds: create + bare producer %.1f ms, TopicRestore %.1f ms, "
        + "restore / (create + bare producer) %.2f%n", dataset, records, rounds, b * 1e3, r * 1e3, b / r);
  }
}
