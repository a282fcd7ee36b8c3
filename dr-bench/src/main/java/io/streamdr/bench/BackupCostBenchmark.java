package io.streamdr.bench;

import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.backup.BackupOutputStream;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Where a backup's time goes: the read limit (BackupBenchmark's bare poll loop) against TopicBackup writing to a
 * target that keeps no segment bytes, without and with SHA-256, and TopicBackup writing to disk; plus SHA-256 alone
 * over 128 KiB chunks. One embedded broker, one dataset per run, the methods interleaved in every round; the first
 * round warms the JIT and is not counted. For each method it also prints the cores the process kept busy, its
 * CPU-seconds per GB, and those split by thread group ({@link CpuUse}): the broker runs in this process too, so the
 * CPU a method needs is all there.
 *
 * <p>Given zstd levels (a fourth argument, e.g. {@code 1,-1,-3}), it compares instead TopicBackup to disk at each of
 * those levels against the read limit, and prints what each stored.
 *
 * <p>Usage: {@code java -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.BackupCostBenchmark
 * [random|json, default random] [records, default 1000000] [rounds, default 5] [zstd levels, comma-separated]}
 */
public final class BackupCostBenchmark {
  private static final String READ_LIMIT = "read limit (bare poll loop)";

  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    String dataset = args.length > 0 ? args[0] : "random";
    int records = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    List<Integer> levels = args.length > 3 ? Arrays.stream(args[3].split(",")).map(Integer::valueOf).toList() : List.of();
    List<String> methods = levels.isEmpty()
        ? List.of("backup, segments discarded, no SHA-256", "backup, segments discarded, SHA-256", "backup to disk")
        : levels.stream().map(l -> "backup to disk, zstd level " + l).toList();
    Map<String, Long> stored = new LinkedHashMap<>();
    System.out.printf(Locale.ROOT, "SHA-256 alone, 128 KiB chunks: %.0f MB/s%n", sha256Rate());
    Path work = Files.createTempDirectory("streamdr-cost");
    try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().name("bench").build()) {
      kafka.start();
      String topic = "cost-" + dataset;
      kafka.createTopic(topic, BackupBenchmark.PARTITIONS, 1, Map.of("retention.ms", "-1"));
      double mb = BackupBenchmark.produce(kafka, topic, dataset, records) / 1e6;
      Map<String, List<CpuUse.Run>> runs = new LinkedHashMap<>();
      for (int round = 0; round <= rounds; round++) {
        CpuUse.measure(runs, round, READ_LIMIT, mb, () -> BackupBenchmark.bareConsume(kafka, topic, records));
        for (int i = 0; i < methods.size(); i++) {
          String method = methods.get(i);
          int level = levels.isEmpty() ? 1 : levels.get(i);
          Path dir = work.resolve("round-" + round + "-" + runs.size());
          BackupTarget files = new FileSystemBackupTarget(dir);
          BackupTarget target = method.startsWith("backup to disk") ? files : new SegmentsDiscarded(files, method.endsWith(", SHA-256"));
          CpuUse.measure(runs, round, method, mb, () -> {
            BackupManifest m = TopicBackup.builder(kafka.clientConfig(), target).topics(List.of(topic)).compressionLevel(level)
                .build().full("cost");
            if (m.records() != records) {
              throw new IllegalStateException("backed up " + m.records() + " records, expected " + records);
            }
          });
          stored.put(method, sizeOf(dir));
          BackupBenchmark.deleteTree(dir);
        }
      }
      System.out.printf(Locale.ROOT, "%n%s: %,d records, %.1f MB, %d rounds after a warm-up (medians), %d cores%n", dataset, records, mb,
          rounds, Runtime.getRuntime().availableProcessors());
      CpuUse.print(runs, READ_LIMIT, "consumer");
      System.out.println();
      stored.forEach((method, bytes) -> System.out.printf(Locale.ROOT, "%-44s %10.1f MB stored%n", method, bytes / 1e6));
    } finally {
      BackupBenchmark.deleteTree(work);
    }
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  private static double sha256Rate() throws Exception {
    byte[] chunk = new byte[128 * 1024];
    new Random(1).nextBytes(chunk);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    List<Double> rates = new ArrayList<>();
    for (int round = 0; round < 6; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < 8192; i++) {
        sha.update(chunk);
      }
      sha.digest();
      if (round > 0) {
        rates.add(8192.0 * chunk.length / 1e6 / ((System.nanoTime() - t0) / 1e9));
      }
    }
    return BackupBenchmark.median(rates);
  }

  /** Keeps plan, stats and manifest in a file target; keeps no segment bytes, hashing them or not. */
  private static final class SegmentsDiscarded implements BackupTarget {
    private final BackupTarget files;
    private final boolean hash;

    SegmentsDiscarded(BackupTarget files, boolean hash) {
      this.files = files;
      this.hash = hash;
    }

    @Override
    public BackupOutputStream create(BackupKey key) {
      if (!key.value().endsWith(".seg")) {
        return files.create(key);
      }
      return new BackupOutputStream() {
        private final MessageDigest sha = newSha256();
        private String hex;

        @Override
        public void write(int b) {
          if (hash) {
            sha.update((byte) b);
          }
        }

        @Override
        public void write(byte[] b, int off, int len) {
          if (hash) {
            sha.update(b, off, len);
          }
        }

        @Override
        public void abort() {
        }

        @Override
        public void close() {
          hex = HexFormat.of().formatHex(sha.digest());
        }

        @Override
        public boolean computesSha256() {
          return true;
        }

        @Override
        public Optional<String> sha256() {
          return Optional.ofNullable(hex);
        }
      };
    }

    @Override
    public InputStream open(BackupKey key) {
      return files.open(key);
    }

    @Override
    public List<BackupObject> list(String prefix) {
      return files.list(prefix);
    }

    @Override
    public void delete(BackupKey key) {
      files.delete(key);
    }

    private static MessageDigest newSha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
