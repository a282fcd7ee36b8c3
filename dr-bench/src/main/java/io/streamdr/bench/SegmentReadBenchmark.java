package io.streamdr.bench;

import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.internal.Sha256;
import io.streamdr.kafka.backup.BackupCatalog;
import io.streamdr.kafka.backup.BackupChain;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.BackupRecord;
import io.streamdr.kafka.backup.PartitionRecords;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What reading a backup costs, with no broker running: the files read and nothing else (the read limit), the files
 * read and hashed with SHA-256 (the least a check against the manifest can do), the catalog's verification (SHA-256,
 * every frame's CRC32C and record count, what a restore does before it writes), and every record decoded as a
 * restore decodes it to send it. The backup is taken once from an embedded broker, which is stopped before timing; the
 * methods are interleaved in every round, the first round warms the JIT and is not counted. CPU is accounted as in
 * {@link CpuUse}: everything runs on the benchmark's own thread ("main").
 *
 * <p>Usage: {@code java -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.SegmentReadBenchmark
 * [random|json, default random] [records, default 1000000] [rounds, default 5]}
 */
public final class SegmentReadBenchmark {
  private static final String READ = "read the files";

  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    String dataset = args.length > 0 ? args[0] : "random";
    int records = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Path work = Files.createTempDirectory("streamdr-segment-read");
    try {
      Path root = work.resolve("backups");
      BackupTarget target = new FileSystemBackupTarget(root);
      String topic = "read-" + dataset;
      double mb;
      BackupManifest backup;
      try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().name("bench").build()) {
        kafka.start();
        kafka.createTopic(topic, BackupBenchmark.PARTITIONS, 1, Map.of("retention.ms", "-1"));
        mb = BackupBenchmark.produce(kafka, topic, dataset, records) / 1e6;
        backup = TopicBackup.builder(kafka.clientConfig(), target).topics(List.of(topic)).build().full("read");
      }
      List<Path> files = new ArrayList<>();
      long stored = 0;
      for (BackupManifest.TopicEntry t : backup.topics()) {
        for (BackupManifest.PartitionEntry p : t.partitions()) {
          for (BackupManifest.SegmentEntry s : p.segments()) {
            files.add(root.resolve(s.key()));
            stored += Files.size(root.resolve(s.key()));
          }
        }
      }
      BackupChain chain = BackupChain.resolve(target, backup.id());
      Map<String, List<CpuUse.Run>> runs = new LinkedHashMap<>();
      byte[] buf = new byte[128 * 1024];
      for (int round = 0; round <= rounds; round++) {
        CpuUse.measure(runs, round, READ, mb, () -> {
          for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
              while (in.read(buf) >= 0) {
                // the bytes only
              }
            }
          }
        });
        CpuUse.measure(runs, round, "read and SHA-256 the files", mb, () -> {
          for (Path f : files) {
            MessageDigest sha = Sha256.digest();
            try (InputStream in = Files.newInputStream(f)) {
              for (int n; (n = in.read(buf)) >= 0; ) {
                sha.update(buf, 0, n);
              }
            }
            sha.digest();
          }
        });
        CpuUse.measure(runs, round, "verify (catalog: SHA-256, CRC32C, counts)", mb, () -> {
          if (!new BackupCatalog(target).verify(backup.id()).ok()) {
            throw new IllegalStateException("the backup did not verify");
          }
        });
        CpuUse.measure(runs, round, "decode every record (as a restore sends it)", mb, () -> {
          long n = 0;
          for (int p = 0; p < BackupBenchmark.PARTITIONS; p++) {
            try (PartitionRecords in = chain.records(topic, p, null)) {
              while (in.hasNext()) {
                BackupRecord r = in.next();
                n += r.value() == null ? 0 : 1;
              }
            }
          }
          if (n != records) {
            throw new IllegalStateException("decoded " + n + " records, expected " + records);
          }
        });
      }
      System.out.printf(Locale.ROOT, "%n%s: %,d records, %.1f MB of keys and values, %.1f MB stored in %d segments, %d rounds after a warm-up"
          + " (medians), %d cores%n", dataset, records, mb, stored / 1e6, files.size(), rounds, Runtime.getRuntime().availableProcessors());
      CpuUse.print(runs, READ, "main");
    } finally {
      BackupBenchmark.deleteTree(work);
    }
  }
}
