package io.streamdr.bench;

import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.kafka.internal.Consumers;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;

/**
 * Backup and restore throughput against baselines measured in the same run on one embedded broker:
 * a bare KafkaConsumer poll loop (the read limit), kcat (if installed), Kafka's ConsoleConsumer (the DR guide's method)
 * and {@link TopicBackup}; a bare idempotent acks=all producer and {@link TopicRestore}. Two datasets: Debezium-style
 * JSON change events and random bytes, ~1 KiB each. Each method runs five times, interleaved with the others, and
 * the median is reported (the machines are noisy). Prints MB/s and ratios; then runs a backup in a child JVM
 * limited to 256 MiB of heap.
 *
 * <p>Usage: {@code java -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.BackupBenchmark [records, default 1000000]}
 */
public final class BackupBenchmark {
  static final int PARTITIONS = 6;
  private static final List<String[]> ROWS = new ArrayList<>();
  private static final int ROUNDS = 5;

  private static void measure(Map<String, List<Double>> runs, String method, double mb, Body body) throws Exception {
    runs.computeIfAbsent(method, k -> new ArrayList<>()).add(rate(mb, body));
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    Path work = Files.createTempDirectory("streamdr-bench");
    try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().name("bench").build()) {
      quiet(kafka::start);
      for (String dataset : List.of("json", "random")) {
        String topic = "bench-" + dataset;
        kafka.createTopic(topic, PARTITIONS, 1, Map.of("retention.ms", "-1")); // the records carry old timestamps
        long bytes = produce(kafka, topic, dataset, records);
        double mb = bytes / 1e6;
        System.out.printf(Locale.ROOT, "%n== %s: %,d records, %.1f MB of keys and values, %d partitions, %d rounds%n", dataset,
            records, mb, PARTITIONS, ROUNDS);
        Path kcat = which("kcat");
        Map<String, List<Double>> runs = new java.util.LinkedHashMap<>();
        for (int round = 1; round <= ROUNDS; round++) {
          int r = round;
          // methods interleave within each round, so a slow period of the machine hits all of them
          measure(runs, "bare", mb, () -> bareConsume(kafka, topic, records));
          if (kcat != null) {
            measure(runs, "kcat", mb, () -> run(List.of(kcat.toString(), "-b", kafka.bootstrapServers(), "-C", "-t", topic,
                "-o", "beginning", "-e", "-q", "-f", "%k\\t%s\\n"), work.resolve(dataset + ".kcat")));
          }
          measure(runs, "console", mb, () -> run(List.of(java(), "-cp", System.getProperty("java.class.path"),
              "org.apache.kafka.tools.consumer.ConsoleConsumer", "--bootstrap-server", kafka.bootstrapServers(), "--topic", topic,
              "--from-beginning", "--max-messages", String.valueOf(records), "--property", "print.key=true"), work.resolve(dataset + ".console")));
          FileSystemBackupTarget target = new FileSystemBackupTarget(work.resolve("backups-" + dataset + "-" + r));
          BackupManifest[] manifest = new BackupManifest[1];
          measure(runs, "backup", mb, () -> manifest[0] = TopicBackup.builder(kafka.clientConfig(), target).topics(List.of(topic))
              .build().full("bench-" + dataset));
          if (manifest[0].records() != records) {
            throw new IllegalStateException("TopicBackup stored " + manifest[0].records() + " records, expected " + records);
          }
          if (round == 1) {
            System.out.printf(Locale.ROOT, "   backup stored %,d records in %.1f MB (%.1f%% of the payload)%n", manifest[0].records(),
                manifest[0].bytes() / 1e6, 100.0 * manifest[0].bytes() / bytes);
          }
          String bareTopic = topic + "-bare-produced-" + r;
          kafka.createTopic(bareTopic, PARTITIONS, 1, Map.of("retention.ms", "-1"));
          List<ProducerRecord<byte[], byte[]>> pregenerated = generate(bareTopic, dataset, records);
          measure(runs, "produce", mb, () -> sendAll(kafka, pregenerated));
          pregenerated.clear();
          long[] restored = new long[1];
          measure(runs, "restore", mb, () -> restored[0] = TopicRestore.builder(kafka.clientConfig(), target, "bench-" + dataset)
              .rename(topic, topic + "-restored-" + r).build().run().produced());
          if (restored[0] != records) {
            throw new IllegalStateException("TopicRestore produced " + restored[0] + " records, expected " + records);
          }
          String copy = topic + "-restored-" + r;
          io.streamdr.core.verify.IntegrityReport[] report = new io.streamdr.core.verify.IntegrityReport[1];
          measure(runs, "verify", mb, () -> report[0] = new io.streamdr.kafka.verify.KafkaIntegrityVerifier(
              Map.of("bench", kafka.clientConfig())).verify(io.streamdr.core.verify.VerificationRequest.builder("bench", "bench")
              .topics(topic).naming(t -> copy).build()));
          if (!report[0].passed()) {
            throw new IllegalStateException("Verification of the restored copy failed: " + report[0].toText());
          }
          deleteTree(work.resolve("backups-" + dataset + "-" + r));
          try (var admin = kafka.admin()) {
            admin.deleteTopics(List.of(bareTopic, topic + "-restored-" + r)).all().get();
          }
        }
        double bare = median(runs.get("bare"));
        row(dataset, "backup", "bare KafkaConsumer poll loop", bare, bare);
        row(dataset, "backup", kcat != null ? "kcat -C to a file" : "kcat (not installed: apt-get install kcat)",
            kcat != null ? median(runs.get("kcat")) : Double.NaN, bare);
        row(dataset, "backup", "Kafka ConsoleConsumer to a file", median(runs.get("console")), bare);
        double backup = median(runs.get("backup"));
        row(dataset, "backup", "StreamDR TopicBackup (zstd, CRC32C, SHA-256)", backup, bare);
        if (kcat != null) {
          System.out.printf(Locale.ROOT, "   TopicBackup / kcat = %.2f%n", backup / median(runs.get("kcat")));
        }
        double produce = median(runs.get("produce"));
        row(dataset, "restore", "bare idempotent acks=all producer", produce, produce);
        row(dataset, "restore", "StreamDR TopicRestore (verify + produce)", median(runs.get("restore")), produce);
        row(dataset, "verify", "StreamDR IntegrityVerifier (both sides, parallel)", median(runs.get("verify")), bare);
        runs.forEach((k, v) -> System.out.printf(Locale.ROOT, "   %-8s rounds: %s MB/s%n", k,
            v.stream().map(x -> String.format(Locale.ROOT, "%.0f", x)).toList()));
      }
      System.out.printf("%n%-7s %-8s %-48s %10s %8s%n", "data", "phase", "method", "MB/s", "ratio");
      for (String[] r : ROWS) {
        System.out.printf("%-7s %-8s %-48s %10s %8s%n", (Object[]) r);
      }
      heapBound(kafka, work);
    } finally {
      deleteTree(work);
    }
  }

  private static void row(String dataset, String phase, String method, double mbps, double baseline) {
    ROWS.add(new String[] {dataset, phase, method, Double.isNaN(mbps) ? "-" : String.format(Locale.ROOT, "%.1f", mbps),
        Double.isNaN(mbps) ? "-" : String.format(Locale.ROOT, "%.2f", mbps / baseline)});
    System.out.printf(Locale.ROOT, "   %-8s %-48s %8s MB/s%n", phase, method, Double.isNaN(mbps) ? "-" : String.format(Locale.ROOT, "%.1f", mbps));
  }

  interface Body {
    void run() throws Exception;
  }

  static double secondsOf(Body body) throws Exception {
    long t0 = System.nanoTime();
    body.run();
    return (System.nanoTime() - t0) / 1e9;
  }

  private static double rate(double mb, Body body) throws Exception {
    System.gc();
    return mb / secondsOf(body);
  }

  static byte[] value(String dataset, int i, Random random) {
    if (dataset.equals("random")) {
      byte[] b = new byte[1000];
      random.nextBytes(b);
      return b;
    }
    String after = "{\"id\":%d,\"event_type\":\"%s\",\"customer_id\":%d,\"amount\":\"%d.%02d\",\"currency\":\"USD\",\"status\":\"APPROVED\",\"note\":\"%s\"}"
        .formatted(i, i % 3 == 0 ? "loan" : i % 3 == 1 ? "service" : "car", i % 9973, i % 100000, i % 100, "x".repeat(380));
    String event = ("{\"before\":null,\"after\":%s,\"source\":{\"version\":\"3.6.3.Final\",\"connector\":\"postgresql\",\"name\":\"pg\","
        + "\"ts_ms\":%d,\"snapshot\":\"false\",\"db\":\"postgres\",\"sequence\":\"[\\\"%d\\\",\\\"%d\\\"]\",\"schema\":\"public\","
        + "\"table\":\"business_events\",\"txId\":%d,\"lsn\":%d,\"xmin\":null},\"op\":\"c\",\"ts_ms\":%d,\"transaction\":null}")
        .formatted(after, 1_700_000_000_000L + i, 24_000_000L + i, 24_000_100L + i, 700 + i, 24_000_100L + i, 1_700_000_000_100L + i);
    return event.getBytes(StandardCharsets.UTF_8);
  }

  private static KafkaProducer<byte[], byte[]> loadProducer(EmbeddedKafkaCluster kafka, boolean likeRestore) {
    Map<String, Object> c = kafka.clientConfig();
    if (likeRestore) {
      c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      c.put(ProducerConfig.ACKS_CONFIG, "all");
      c.put(ProducerConfig.LINGER_MS_CONFIG, 10);
      c.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
      c.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
    } else {
      c.put(ProducerConfig.ACKS_CONFIG, "1");
      c.put(ProducerConfig.LINGER_MS_CONFIG, 20);
      c.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
    }
    return new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Loads the topic; returns the bytes of keys and values. */
  static long produce(EmbeddedKafkaCluster kafka, String topic, String dataset, int records) {
    long bytes = 0;
    Random random = new Random(42);
    try (KafkaProducer<byte[], byte[]> p = loadProducer(kafka, false)) {
      for (int i = 0; i < records; i++) {
        byte[] key = ("{\"id\":" + i + "}").getBytes(StandardCharsets.UTF_8);
        byte[] value = value(dataset, i, random);
        bytes += key.length + value.length;
        p.send(new ProducerRecord<>(topic, i % PARTITIONS, 1_700_000_000_000L + i, key, value));
      }
      p.flush();
    }
    return bytes;
  }

  /** The same records as the topic holds, built before timing so the baseline measures only producing. */
  static List<ProducerRecord<byte[], byte[]>> generate(String topic, String dataset, int records) {
    Random random = new Random(42);
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(records);
    for (int i = 0; i < records; i++) {
      byte[] key = ("{\"id\":" + i + "}").getBytes(StandardCharsets.UTF_8);
      out.add(new ProducerRecord<>(topic, i % PARTITIONS, 1_700_000_000_000L + i, key, value(dataset, i, random)));
    }
    return out;
  }

  static void sendAll(EmbeddedKafkaCluster kafka, List<ProducerRecord<byte[], byte[]>> records) {
    try (KafkaProducer<byte[], byte[]> p = loadProducer(kafka, true)) {
      for (ProducerRecord<byte[], byte[]> r : records) {
        p.send(r);
      }
      p.flush();
    }
  }

  static void bareConsume(EmbeddedKafkaCluster kafka, String topic, int records) {
    Map<String, Object> c = kafka.clientConfig();
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // the same fetch settings as TopicBackup's consumer, so this is the read limit of the same reading
    c.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024);
    c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * 1024 * 1024);
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    c.put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, 1024 * 1024);
    long seen = 0;
    // keys and values as views into the fetched batches, not copied out: the cheapest a consumer can read
    KafkaConsumer<ByteBuffer, ByteBuffer> consumer = new KafkaConsumer<>(c, new ByteBufferDeserializer(), new ByteBufferDeserializer());
    try {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        tps.add(new TopicPartition(topic, p));
      }
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      while (seen < records) {
        ConsumerRecords<ByteBuffer, ByteBuffer> batch = consumer.poll(java.time.Duration.ofMillis(500));
        seen += batch.count();
      }
    } finally {
      // closed as the backup closes its consumer: without waiting for the fetch the broker holds at the end of the log
      Consumers.closeNow(consumer);
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static Path which(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, command);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  static void run(List<String> command, Path stdout) throws Exception {
    Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException(command.get(0) + " failed with exit code " + p.exitValue());
    }
  }

  /** Runs a full backup of the JSON topic in a child JVM limited to 256 MiB of heap and reports its peak heap use. */
  private static void heapBound(EmbeddedKafkaCluster kafka, Path work) throws Exception {
    Path out = work.resolve("heap.txt");
    List<String> cmd = List.of(java(), "-Xmx256m", "-cp", System.getProperty("java.class.path"), BackupHeapProbe.class.getName(),
        kafka.bootstrapServers(), "bench-json", work.resolve("heap-backup").toString());
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    boolean ok = p.waitFor(30, TimeUnit.MINUTES) && p.exitValue() == 0;
    System.out.printf("%nBackup of bench-json in a JVM with -Xmx256m: %s; %s%n", ok ? "completed" : "FAILED",
        Files.readString(out).trim());
  }

  static void quiet(Runnable r) {
    java.io.PrintStream original = System.out;
    System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
    try {
      r.run();
    } finally {
      System.setOut(original);
    }
  }

  static void deleteTree(Path dir) throws Exception {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
