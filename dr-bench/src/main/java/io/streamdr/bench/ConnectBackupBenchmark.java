package io.streamdr.bench;

import io.streamdr.connect.ConnectRestAdmin;
import io.streamdr.connect.backup.StreamDrBackupSinkConnector;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.ContinuousBackup;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.testkit.EmbeddedConnect;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;

/**
 * The continuous-backup sink connector against {@code TopicBackup} and the bare poll loop on the same topic, each
 * interleaved in every round: MB/s and its ratio to the bare poll, cores busy and CPU-seconds per GB of the whole
 * process (broker and Connect worker included, as for every method here), with one task and with one per partition.
 * A connector run is timed from its creation until every partition's published segments hold the whole topic, so it
 * includes the task's start, its consumer group's join and the last segment's {@code segment.ms}. Then the cost of a
 * checkpoint of the finished backup: the first a checkpointer takes (it reads every segment's stats) and the next.
 *
 * <pre>
 * java -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.ConnectBackupBenchmark [json|random] [records] [rounds]
 * </pre>
 */
public final class ConnectBackupBenchmark {
  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    String dataset = args.length > 0 ? args[0] : "json";
    int records = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Path work = Files.createTempDirectory("streamdr-connect-bench");
    try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().name("connect-bench").build();
        EmbeddedConnect connect = EmbeddedConnect.on(kafka, "bench-workers", Map.of("offset.flush.interval.ms", "100"))) {
      BackupBenchmark.quiet(kafka::start);
      BackupBenchmark.quiet(connect::start);
      kafka.createTopic("source", BackupBenchmark.PARTITIONS, 1, Map.of("retention.ms", "-1"));
      double mb = BackupBenchmark.produce(kafka, "source", dataset, records) / 1e6;
      System.out.printf(Locale.ROOT, "%s: %,d records, %.1f MB of keys and values, %d partitions, %d rounds after a warm-up%n%n", dataset,
          records, mb, BackupBenchmark.PARTITIONS, rounds);
      ConnectRestAdmin admin = new ConnectRestAdmin(RestEndpoint.of(connect.restUrl().toString()));
      Map<String, List<CpuUse.Run>> runs = new LinkedHashMap<>();
      Path last = null;
      for (int round = 0; round <= rounds; round++) {
        int r = round;
        CpuUse.measure(runs, round, "bare KafkaConsumer poll loop", mb, () -> BackupBenchmark.bareConsume(kafka, "source", records));
        FileSystemBackupTarget snapshot = new FileSystemBackupTarget(work.resolve("snapshot-" + r));
        CpuUse.measure(runs, round, "TopicBackup", mb, () -> TopicBackup.builder(kafka.clientConfig(), snapshot).topics(List.of("source"))
            .build().full("bench"));
        BackupBenchmark.deleteTree(work.resolve("snapshot-" + r));
        for (int tasks : List.of(1, BackupBenchmark.PARTITIONS)) {
          Path dir = work.resolve("continuous-" + r + "-" + tasks);
          String name = "bench-" + r + "-" + tasks;
          CpuUse.measure(runs, round, "sink connector, " + tasks + " task(s)", mb, () -> backUp(admin, kafka, dir, name, tasks, records));
          admin.delete(name);
          if (last != null) {
            BackupBenchmark.deleteTree(last);
          }
          last = dir;
        }
      }
      CpuUse.print(runs, "bare KafkaConsumer poll loop", "consumer");
      checkpointCost(kafka, new FileSystemBackupTarget(last), last.getFileName().toString().replace("continuous", "bench"));
    } finally {
      BackupBenchmark.deleteTree(work);
    }
  }

  /** Creates the connector and returns once its published segments hold every record of the topic. */
  private static void backUp(ConnectRestAdmin admin, EmbeddedKafkaCluster kafka, Path dir, String name, int tasks, int records) {
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", StreamDrBackupSinkConnector.class.getName());
    c.put("tasks.max", String.valueOf(tasks));
    c.put("topics", "source");
    c.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
    c.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
    c.put("header.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
    c.put("consumer.override.isolation.level", "read_committed");
    // the fetch sizes TopicBackup's consumer uses, so both read alike
    c.put("consumer.override.max.poll.records", "2000");
    c.put("consumer.override.max.partition.fetch.bytes", String.valueOf(2 * 1024 * 1024));
    c.put("consumer.override.fetch.max.bytes", String.valueOf(16 * 1024 * 1024));
    c.put("backup.directory", dir.toString());
    c.put("source.bootstrap.servers", kafka.bootstrapServers());
    c.put("segment.ms", "200");
    c.put("checkpoint.interval.ms", "3600000"); // none during the run: their cost is measured apart
    admin.apply(new ConnectorSpec(name, c, Optional.empty()));
    ContinuousBackup backup = new ContinuousBackup(new FileSystemBackupTarget(dir), name);
    long perPartition = records / BackupBenchmark.PARTITIONS;
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    for (int p = 0; p < BackupBenchmark.PARTITIONS; p++) {
      TopicPartition tp = new TopicPartition("source", p);
      while (backup.resumeOffset(tp).orElse(0) < perPartition) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("connector " + name + " did not back up " + tp + " within 10 minutes");
        }
        LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
      }
    }
  }

  /** The time a checkpoint of a finished backup takes: the first of a checkpointer, then the next ones. */
  private static void checkpointCost(EmbeddedKafkaCluster kafka, FileSystemBackupTarget target, String name) throws Exception {
    List<Double> first = new ArrayList<>();
    List<Double> next = new ArrayList<>();
    int segments = 0;
    try (Admin admin = kafka.admin()) {
      for (int i = 0; i < 5; i++) {
        ContinuousBackup backup = new ContinuousBackup(target, name);
        BackupManifest[] m = new BackupManifest[1];
        first.add(BackupBenchmark.secondsOf(() -> m[0] = backup.checkpoint(admin, List.of("source"), List.of(), Duration.ofSeconds(30))));
        next.add(BackupBenchmark.secondsOf(() -> backup.checkpoint(admin, List.of("source"), List.of(), Duration.ofSeconds(30))));
        segments = m[0].topics().get(0).partitions().stream().mapToInt(p -> p.segments().size()).sum();
        LockSupport.parkNanos(Duration.ofMillis(2).toNanos()); // checkpoint ids are per millisecond
      }
    }
    System.out.printf(Locale.ROOT, "%ncheckpoint of the finished backup (%d segments), medians of 5: first of a checkpointer %.1f ms, "
        + "next %.1f ms%n", segments, BackupBenchmark.median(first) * 1e3, BackupBenchmark.median(next) * 1e3);
  }
}
