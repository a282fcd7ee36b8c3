package io.streamdr.connect.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamdr.connect.ConnectRestAdmin;
import io.streamdr.connect.ConnectorSnapshots;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.kafka.backup.BackupCatalog;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.ContinuousBackup;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.kafka.verify.BackupIntegrityVerifier;
import io.streamdr.testkit.EmbeddedConnect;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink connector on two Connect workers of one group against a real broker: records keep flowing while one
 * worker dies, and every checkpoint holds the source's records up to its end once each, byte for byte.
 */
class ContinuousBackupIT {
  @RegisterExtension @Order(1)
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("continuous-backup-it").build();

  @RegisterExtension @Order(2)
  static final EmbeddedConnect FIRST = EmbeddedConnect.on(KAFKA, "backup-workers");

  @RegisterExtension @Order(3)
  static final EmbeddedConnect SECOND = EmbeddedConnect.on(KAFKA, "backup-workers");

  /** The worker that survives when a worker of its group in another process is killed. */
  @RegisterExtension @Order(4)
  static final EmbeddedConnect SURVIVOR = EmbeddedConnect.on(KAFKA, "crash-workers");

  /** A worker that calls its tasks' preCommit only every minute, Connect's default. */
  @RegisterExtension @Order(5)
  static final EmbeddedConnect MINUTE_FLUSH = EmbeddedConnect.on(KAFKA, "minute-flush-workers", Map.of("offset.flush.interval.ms", "60000"));

  @TempDir
  static Path dir;

  private static Map<String, String> connector(String topic, Path backups) {
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", StreamDrBackupSinkConnector.class.getName());
    c.put("tasks.max", "2");
    c.put("topics", topic);
    c.put("key.converter", BackupSinkConfig.BYTE_ARRAY);
    c.put("value.converter", BackupSinkConfig.BYTE_ARRAY);
    c.put("header.converter", BackupSinkConfig.BYTE_ARRAY);
    c.put("consumer.override.isolation.level", "read_committed");
    c.put("backup.directory", backups.toString());
    c.put("source.bootstrap.servers", KAFKA.bootstrapServers());
    c.put("segment.ms", "1000");
    c.put("segment.bytes", "65536");
    c.put("checkpoint.interval.ms", "1500");
    c.put("checkpoint.groups", topic + "-app");
    return c;
  }

  /** Records of every kind sent to a topic from a thread of its own until stopped, counting those acknowledged. */
  private static final class Traffic {
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private final AtomicInteger acked = new AtomicInteger();
    private final Thread thread;

    Traffic(String topic, int batch, java.util.function.IntToLongFunction timestamp) {
      thread = new Thread(() -> {
        try (KafkaProducer<byte[], byte[]> p = producer()) {
          for (int i = 0; producing.get(); i++) {
            p.send(record(topic, i, timestamp.applyAsLong(i)), (md, e) -> {
              if (e == null) {
                acked.incrementAndGet();
              }
            });
            if (i % batch == batch - 1) {
              p.flush();
              java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // traffic's pace, not a wait
            }
          }
        }
      }, "traffic");
      thread.start();
    }

    /** Stops sending; returns how many records were acknowledged. */
    int stop() throws InterruptedException {
      producing.set(false);
      thread.join();
      return acked.get();
    }
  }

  /** Creates {@code topic} with 4 partitions and the connector {@code <topic>-backup} backing it up into a new directory. */
  private static FileSystemBackupTarget startBackup(String topic, EmbeddedConnect worker) throws Exception {
    KAFKA.createTopic(topic, 4);
    Path backups = Files.createDirectories(dir.resolve(topic));
    new ConnectRestAdmin(RestEndpoint.of(worker.restUrl().toString()))
        .apply(new ConnectorSpec(topic + "-backup", connector(topic, backups), Optional.empty()));
    return new FileSystemBackupTarget(backups);
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Map<String, Object> p = new HashMap<>(KAFKA.clientConfig());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** The i-th record: every kind a backup must keep apart (null and empty keys and values, headers, timestamps). */
  private static ProducerRecord<byte[], byte[]> record(String topic, int i, long timestamp) {
    byte[] key = switch (i % 4) {
      case 0 -> null;
      case 1 -> new byte[0];
      default -> ("k" + i).getBytes(StandardCharsets.UTF_8);
    };
    byte[] value = switch (i % 5) {
      case 0 -> null;
      case 1 -> new byte[0];
      default -> ("v" + i + "-".repeat(i % 50)).getBytes(StandardCharsets.UTF_8);
    };
    RecordHeaders headers = new RecordHeaders();
    if (i % 3 == 0) {
      headers.add("h", ("a" + i).getBytes(StandardCharsets.UTF_8));
      headers.add("h", null);
      headers.add("x", new byte[0]);
    }
    return new ProducerRecord<>(topic, i % 4, timestamp, key, value, headers);
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int partitions) {
    Map<String, Object> c = new HashMap<>(KAFKA.clientConfig());
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        tps.add(new TopicPartition(topic, p));
      }
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    out.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition()) : Long.compare(a.offset(), b.offset()));
    return out;
  }

  /** A record as the comparison sees it: everything but the offset, which a restore gives anew. */
  private static String fingerprint(ConsumerRecord<byte[], byte[]> r) {
    StringBuilder s = new StringBuilder().append(r.partition()).append('|').append(r.timestamp()).append('|').append(r.timestampType())
        .append('|').append(r.key() == null ? "null" : Arrays.toString(r.key())).append('|')
        .append(r.value() == null ? "null" : Arrays.toString(r.value()));
    r.headers().forEach(h -> s.append('|').append(h.key()).append('=').append(h.value() == null ? "null" : Arrays.toString(h.value())));
    return s.toString();
  }

  /** Commits {@code offset} for every partition of {@code topic} as consumer group {@code group}. */
  private static void commit(String group, String topic, long offset) {
    Map<String, Object> c = new HashMap<>(KAFKA.clientConfig());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets = new HashMap<>();
      for (int p = 0; p < 4; p++) {
        offsets.put(new TopicPartition(topic, p), new org.apache.kafka.clients.consumer.OffsetAndMetadata(offset));
      }
      consumer.commitSync(offsets);
    }
  }

  /** The values of a metric of the connector or its tasks, from the platform MBean server. */
  private static List<Long> metric(String connector, String name) throws Exception {
    var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
    List<Long> out = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (var on : server.queryNames(new javax.management.ObjectName("kafka.connect:*"), null)) {
      if (!connector.equals(on.getKeyProperty("connector"))) {
        continue;
      }
      seen.add(on.toString());
      for (var a : server.getMBeanInfo(on).getAttributes()) {
        if (a.getName().equals(name)) {
          out.add(((Number) server.getAttribute(on, name)).longValue());
        }
      }
    }
    assertThat(out).as("metric %s among %s", name, seen).isNotEmpty();
    return out;
  }

  private static BackupManifest newest(ContinuousBackup backup) {
    return backup.newestCheckpoint().orElseThrow();
  }

  @Test
  void records_keep_flowing_while_a_worker_dies_and_every_checkpoint_holds_each_record_once() throws Exception {
    String topic = "orders";
    FileSystemBackupTarget target = startBackup(topic, FIRST);
    ContinuousBackup backup = new ContinuousBackup(target, "orders-backup");
    ConnectRestAdmin admin = new ConnectRestAdmin(RestEndpoint.of(FIRST.restUrl().toString()));

    long base = System.currentTimeMillis() - Duration.ofHours(2).toMillis();
    Traffic traffic = new Traffic(topic, 200, i -> base + i);

    await().atMost(Duration.ofSeconds(90)).until(() -> backup.newestCheckpoint().map(BackupManifest::records).orElse(0L) > 2000);
    await().atMost(Duration.ofSeconds(30)).until(() -> admin.describe("orders-backup").tasks().size() == 2
        && admin.describe("orders-backup").tasks().stream().allMatch(t -> t.state() == ConnectorState.RUNNING));
    BackupManifest beforeKill = newest(backup);
    FIRST.kill(); // its tasks (and perhaps the connector) move to the second worker
    ConnectRestAdmin survivor = new ConnectRestAdmin(RestEndpoint.of(SECOND.restUrl().toString()));
    await().atMost(Duration.ofSeconds(90)).until(() -> newest(backup).records() > beforeKill.records() + 5000);
    int total = traffic.stop();
    await().atMost(Duration.ofSeconds(90)).until(() -> newest(backup).records() >= total);

    assertThat(survivor.describe("orders-backup").tasks()).allSatisfy(t -> assertThat(t.state()).isEqualTo(ConnectorState.RUNNING));
    BackupManifest last = newest(backup);
    assertThat(last.records()).as("every acknowledged record, once").isEqualTo(total);
    var verifier = new BackupIntegrityVerifier(target, Map.of("source", KAFKA.clientConfig()));
    BackupCatalog catalog = new BackupCatalog(target);
    List<String> checkpoints = List.copyOf(backup.checkpointIds().values());
    assertThat(checkpoints).as("taken before the kill and after it").contains(beforeKill.id(), last.id()).doesNotHaveDuplicates();
    assertThat(last.id()).isNotEqualTo(beforeKill.id());
    for (String id : checkpoints) {
      BackupManifest m = catalog.describe(id);
      for (BackupManifest.PartitionEntry p : m.topics().get(0).partitions()) {
        assertThat(p.records()).as("%s partition %d: a record for every offset in its range, none twice", id, p.partition())
            .isEqualTo(p.endOffset() - p.startOffset());
      }
      assertThat(catalog.verify(id).ok()).as("segments of %s intact", id).isTrue();
      IntegrityReport report = verifier.verify(verifier.requestFor(id, "source").build());
      assertThat(report.verdict()).as("%s against the source: %s", id, report.toText()).isEqualTo(IntegrityReport.Verdict.PASSED);
    }

    // the connector's and its tasks' metrics, through Connect's metrics (JMX here)
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(metric("orders-backup", "last-checkpoint-records")).containsExactly((long) total));
    assertThat(metric("orders-backup", "checkpoints-total")).singleElement().satisfies(n -> assertThat(n).isGreaterThan(0L));
    // per task of the surviving worker; a task instance started by the last rebalance may not have published yet
    List<Long> published = metric("orders-backup", "records-published-total");
    assertThat(published).hasSize(2);
    assertThat(published.stream().mapToLong(Long::longValue).sum()).isPositive();

    // the newest checkpoint restores byte for byte
    TopicRestore.builder(KAFKA.clientConfig(), target, last.id()).rename(topic, "orders-restored").build().run();
    List<String> source = readAll(topic, 4).stream().map(ContinuousBackupIT::fingerprint).toList();
    List<String> restored = readAll("orders-restored", 4).stream().map(ContinuousBackupIT::fingerprint).toList();
    assertThat(source).hasSize(total);
    assertThat(restored).containsExactlyElementsOf(source);
  }

  @Test
  void a_restore_to_a_point_between_two_checkpoints_holds_the_records_stamped_up_to_it() throws Exception {
    String topic = "payments";
    FileSystemBackupTarget target = startBackup(topic, SECOND);
    ContinuousBackup backup = new ContinuousBackup(target, "payments-backup");
    Instant between;
    String first;
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      for (int i = 0; i < 400; i++) {
        p.send(record(topic, i, System.currentTimeMillis()));
      }
      p.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> backup.newestCheckpoint().map(BackupManifest::records).orElse(0L) == 400);
      first = newest(backup).id();
      commit("payments-app", topic, 100); // the application's position, which the checkpoints after it record
      between = Instant.now();
      await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(between.plusMillis(5))); // stamps after it differ
      for (int i = 400; i < 700; i++) {
        p.send(record(topic, i, System.currentTimeMillis()));
      }
      p.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> newest(backup).records() == 700);
    }
    BackupManifest last = newest(backup);
    assertThat(last.groups()).containsEntry("payments-app", Map.of(topic, Map.of(0, 100L, 1, 100L, 2, 100L, 3, 100L)));
    String chosen = backup.checkpointAt(between).orElseThrow();
    assertThat(backup.checkpointInstant(chosen).orElseThrow()).as("the first checkpoint at or after the point")
        .isAfterOrEqualTo(between).isAfter(backup.checkpointInstant(first).orElseThrow());
    assertThat(backup.checkpointAt(Instant.now().plus(Duration.ofDays(1)))).as("a point after the newest: the newest").contains(last.id());

    // the newest checkpoint holds all 700; cut at the point between, it restores the first 400
    TopicRestore.builder(KAFKA.clientConfig(), target, last.id()).rename(topic, "payments-at-point").pointInTime(between).build().run();
    List<ConsumerRecord<byte[], byte[]>> restored = readAll("payments-at-point", 4);
    List<String> expected = readAll(topic, 4).stream().filter(r -> r.timestamp() <= between.toEpochMilli())
        .map(ContinuousBackupIT::fingerprint).toList();
    assertThat(expected).hasSize(400);
    assertThat(restored.stream().map(ContinuousBackupIT::fingerprint).toList()).containsExactlyElementsOf(expected);
  }

  @Test
  void snapshotted_and_restored_like_any_connector_it_resumes_where_its_backup_ends() throws Exception {
    String topic = "invoices";
    FileSystemBackupTarget target = startBackup(topic, SECOND);
    ContinuousBackup backup = new ContinuousBackup(target, "invoices-backup");
    ConnectRestAdmin admin = new ConnectRestAdmin(RestEndpoint.of(SECOND.restUrl().toString()));
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      for (int i = 0; i < 300; i++) {
        p.send(record(topic, i, System.currentTimeMillis()));
      }
      p.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> backup.newestCheckpoint().map(BackupManifest::records).orElse(0L) == 300);
      FileSystemBackupTarget snapshots = new FileSystemBackupTarget(Files.createDirectories(dir.resolve("connector-snapshots")));
      ConnectorSnapshots.builder(admin, snapshots, SECOND.restUrl().toString()).stopFirst(true).build().take("before-move");
      admin.delete("invoices-backup");
      for (int i = 300; i < 500; i++) {
        p.send(record(topic, i, System.currentTimeMillis()));
      }
      p.flush();
      List<ConnectorSnapshots.Outcome> outcomes = ConnectorSnapshots.restore(ConnectorSnapshots.read(snapshots, "before-move"), admin,
          ConnectorSnapshots.RestoreOptions.builder().connectors(java.util.Set.of("invoices-backup")).build());
      assertThat(outcomes).singleElement().satisfies(o -> assertThat(o.restored()).as(o.detail()).isTrue());
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> newest(backup).records() == 500);
    BackupManifest last = newest(backup);
    for (BackupManifest.PartitionEntry p : last.topics().get(0).partitions()) {
      assertThat(p.records()).as("partition %d once each", p.partition()).isEqualTo(p.endOffset() - p.startOffset());
    }
    var verifier = new BackupIntegrityVerifier(target, Map.of("source", KAFKA.clientConfig()));
    IntegrityReport report = verifier.verify(verifier.requestFor(last.id(), "source").build());
    assertThat(report.verdict()).as(report.toText()).isEqualTo(IntegrityReport.Verdict.PASSED);
  }

  /**
   * A Connect worker of {@code sameGroup}'s group in its own JVM, its REST API on {@code port}, its output in
   * {@code log}, as an operator installs the connector: the plugin zip this build packaged, unpacked into its
   * {@code plugin.path}, and none of StreamDR on its classpath.
   */
  private static Process workerProcess(EmbeddedConnect sameGroup, int port, Path log) throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins-" + port));
    try (Stream<Path> built = Files.list(Path.of("target"))) {
      Path zip = built.filter(f -> f.getFileName().toString().matches("streamdr-connect-backup-.*\\.zip")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no plugin zip in target/: the package phase builds it"));
      unzip(zip, plugins);
    }
    Properties worker = new Properties();
    worker.putAll(sameGroup.workerConfig());
    worker.put("listeners", "http://127.0.0.1:" + port);
    worker.put("plugin.path", plugins.toString());
    Path file = dir.resolve("worker-" + port + ".properties");
    try (var out = Files.newOutputStream(file)) {
      worker.store(out, null);
    }
    String repo = Path.of("").toAbsolutePath().getParent().toString();
    String classpath = Stream.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .filter(e -> !e.startsWith(repo) && !e.contains("/io/streamdr/")).collect(Collectors.joining(java.io.File.pathSeparator));
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
        "-cp", classpath, "org.apache.kafka.connect.cli.ConnectDistributed", file.toString());
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static void unzip(Path zip, Path into) throws Exception {
    try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(zip))) {
      for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        Path to = into.resolve(e.getName()).normalize();
        if (!to.startsWith(into)) {
          throw new IllegalStateException("zip entry outside its directory: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(to);
        } else {
          Files.createDirectories(to.getParent());
          Files.copy(in, to);
        }
      }
    }
  }

  private static int freePort() throws Exception {
    try (var socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void a_worker_killed_with_sigkill_under_traffic_loses_nothing_and_doubles_nothing() throws Exception {
    int port = freePort();
    Process child = workerProcess(SURVIVOR, port, dir.resolve("killed-worker.log"));
    try {
      ConnectRestAdmin childAdmin = new ConnectRestAdmin(RestEndpoint.of("http://127.0.0.1:" + port));
      await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> childAdmin.connectors() != null);
      var plugins = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + port + "/connector-plugins")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(plugins.body()).as("the worker found the connector in the plugin zip on its plugin.path")
          .contains(StreamDrBackupSinkConnector.class.getName());
      String topic = "shipments";
      KAFKA.createTopic(topic, 4);
      Path backups = Files.createDirectories(dir.resolve(topic));
      Map<String, String> config = connector(topic, backups);
      config.put("tasks.max", "4");
      // the killed worker's tasks leave their consumer group when this expires, not when the process ends
      config.put("consumer.override.session.timeout.ms", "6000");
      config.put("consumer.override.heartbeat.interval.ms", "1000");
      ConnectRestAdmin admin = new ConnectRestAdmin(RestEndpoint.of(SURVIVOR.restUrl().toString()));
      admin.apply(new ConnectorSpec("shipments-backup", config, Optional.empty()));
      FileSystemBackupTarget target = new FileSystemBackupTarget(backups);
      ContinuousBackup backup = new ContinuousBackup(target, "shipments-backup");

      Traffic traffic = new Traffic(topic, 100, i -> System.currentTimeMillis());
      String survivorId = "127.0.0.1:" + SURVIVOR.restUrl().getPort();
      await().atMost(Duration.ofSeconds(90)).until(() -> {
        var tasks = admin.describe("shipments-backup").tasks();
        return tasks.size() == 4 && tasks.stream().allMatch(t -> t.state() == ConnectorState.RUNNING)
            && tasks.stream().anyMatch(t -> !t.workerId().orElse(survivorId).equals(survivorId));
      });
      await().atMost(Duration.ofSeconds(60)).until(() -> backup.newestCheckpoint().map(BackupManifest::records).orElse(0L) > 1000);
      long beforeKill = newest(backup).records();
      child.destroyForcibly().waitFor(); // SIGKILL: no task is stopped, no segment closed, no offset committed
      await().atMost(Duration.ofSeconds(120)).until(() -> {
        var tasks = admin.describe("shipments-backup").tasks();
        return tasks.size() == 4 && tasks.stream().allMatch(t -> t.state() == ConnectorState.RUNNING
            && t.workerId().orElse("").equals(survivorId));
      });
      await().atMost(Duration.ofSeconds(90)).until(() -> newest(backup).records() > beforeKill + 3000);
      int total = traffic.stop();
      await().atMost(Duration.ofSeconds(90)).until(() -> newest(backup).records() >= total);

      BackupManifest last = newest(backup);
      assertThat(last.records()).as("every acknowledged record, once").isEqualTo(total);
      var verifier = new BackupIntegrityVerifier(target, Map.of("source", KAFKA.clientConfig()));
      for (String id : backup.checkpointIds().values()) {
        BackupManifest m = BackupManifest.read(target, id);
        for (BackupManifest.PartitionEntry p : m.topics().get(0).partitions()) {
          assertThat(p.records()).as("%s partition %d", id, p.partition()).isEqualTo(p.endOffset() - p.startOffset());
        }
        IntegrityReport report = verifier.verify(verifier.requestFor(id, "source").build());
        assertThat(report.verdict()).as("%s: %s", id, report.toText()).isEqualTo(IntegrityReport.Verdict.PASSED);
      }
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void a_checkpoint_holds_each_record_as_the_source_does_with_its_offset_and_leaves_out_aborted_transactions() throws Exception {
    String topic = "ledger";
    // the broker stamps the records: the timestamp type the backup must keep is LogAppendTime
    KAFKA.createTopic(topic, 1, 1, Map.of("message.timestamp.type", "LogAppendTime"));
    Path backups = Files.createDirectories(dir.resolve(topic));
    new ConnectRestAdmin(RestEndpoint.of(SECOND.restUrl().toString()))
        .apply(new ConnectorSpec(topic + "-backup", connector(topic, backups), Optional.empty()));
    FileSystemBackupTarget target = new FileSystemBackupTarget(backups);
    ContinuousBackup backup = new ContinuousBackup(target, topic + "-backup");
    Map<String, Object> tx = new HashMap<>(KAFKA.clientConfig());
    tx.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ledger-writer");
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(tx, new ByteArraySerializer(), new ByteArraySerializer())) {
      p.initTransactions();
      for (int t = 0; t < 6; t++) {
        p.beginTransaction();
        for (int i = 0; i < 20; i++) {
          ProducerRecord<byte[], byte[]> r = record(topic, t * 20 + i, 0L);
          p.send(new ProducerRecord<>(topic, 0, null, r.key(), r.value(), r.headers()));
        }
        if (t % 3 == 1) {
          p.abortTransaction();
        } else {
          p.commitTransaction();
        }
      }
    }
    List<ConsumerRecord<byte[], byte[]>> source = readAll(topic, 1); // read_committed
    assertThat(source).hasSize(80);
    await().atMost(Duration.ofSeconds(60)).until(() -> backup.newestCheckpoint().map(BackupManifest::records).orElse(0L) == 80);
    BackupManifest m = newest(backup);
    List<String> held = new ArrayList<>();
    try (var records = io.streamdr.kafka.backup.BackupChain.resolve(target, m.id()).records(topic, 0, null)) {
      records.forEachRemaining(r -> held.add(r.offset() + "|" + r.timestamp() + "|" + r.timestampType() + "|" + Arrays.toString(r.key())
          + "|" + Arrays.toString(r.value()) + "|" + r.headers().stream().map(h -> h.getKey() + "=" + Arrays.toString(h.getValue())).toList()));
    }
    List<String> expected = source.stream().map(r -> r.offset() + "|" + r.timestamp() + "|" + r.timestampType().id + "|"
        + Arrays.toString(r.key()) + "|" + Arrays.toString(r.value()) + "|"
        + java.util.stream.StreamSupport.stream(r.headers().spliterator(), false).map(h -> h.key() + "=" + Arrays.toString(h.value())).toList())
        .toList();
    assertThat(held).as("offsets (with the gaps of markers and aborted records), LogAppendTime stamps, bytes, headers")
        .containsExactlyElementsOf(expected);
    assertThat(partitionGap(m)).as("the range holds markers and aborted records that are not stored").isPositive();
  }

  private static long partitionGap(BackupManifest m) {
    BackupManifest.PartitionEntry p = m.topics().get(0).partitions().get(0);
    return (p.endOffset() - p.startOffset()) - p.records();
  }

  @Test
  void the_last_segment_of_records_that_stopped_coming_is_published_after_segment_ms_not_the_workers_flush_interval() throws Exception {
    String topic = "quiet";
    FileSystemBackupTarget target = startBackup(topic, MINUTE_FLUSH);
    ContinuousBackup backup = new ContinuousBackup(target, topic + "-backup");
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      for (int i = 0; i < 50; i++) {
        p.send(record(topic, i, System.currentTimeMillis()));
      }
    }
    // segment.ms is 1 s and checkpoints come every 1.5 s; the worker would call the task again only after a minute
    await().atMost(Duration.ofSeconds(25)).until(() -> backup.newestCheckpoint().map(BackupManifest::records).orElse(0L) == 50);
  }

  @Test
  void a_checkpoint_leaves_out_a_topic_deleted_or_recreated_and_keeps_the_others() throws Exception {
    KAFKA.createTopic("kept", 1);
    KAFKA.createTopic("recreated", 1);
    KAFKA.createTopic("deleted", 1);
    FileSystemBackupTarget target = new FileSystemBackupTarget(Files.createDirectories(dir.resolve("left-out")));
    ContinuousBackup backup = new ContinuousBackup(target, "left-out");
    for (String t : List.of("kept", "recreated", "deleted")) {
      ContinuousBackup.Segment s = backup.startSegment(new TopicPartition(t, 0), 0, 1);
      s.write(0, 1L, (byte) 0, null, t.getBytes(StandardCharsets.UTF_8), List.of());
      s.publish();
    }
    List<String> topics = List.of("kept", "recreated", "deleted");
    try (var admin = KAFKA.admin()) {
      BackupManifest first = backup.checkpoint(admin, topics, List.of(), Duration.ofSeconds(30));
      assertThat(first.topics()).extracting(BackupManifest.TopicEntry::name).containsExactlyElementsOf(topics.stream().sorted().toList());
      admin.deleteTopics(List.of("recreated", "deleted")).all().get();
      await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains("recreated"));
      KAFKA.createTopic("recreated", 1);
      // a checkpointer that starts again (as the connector does on another worker) knows the topic ids from the newest checkpoint
      ContinuousBackup restarted = new ContinuousBackup(target, "left-out");
      await().atMost(Duration.ofSeconds(2)).until(() -> Instant.now().toEpochMilli() > first.startedAt().toEpochMilli());
      BackupManifest second = restarted.checkpoint(admin, topics, List.of(), Duration.ofSeconds(30));
      assertThat(second.topics()).as("the old topic's records are not passed off as the new one's").extracting(BackupManifest.TopicEntry::name)
          .containsExactly("kept");
      assertThat(restarted.checkpointIds()).hasSize(2);
    }
  }

  @Test
  void connects_validate_endpoint_names_each_wrong_property_and_what_to_set() throws Exception {
    Map<String, String> config = connector("orders", dir);
    config.remove("header.converter");
    config.put("connector.class", "StreamDrBackupSinkConnector"); // Connect's alias, as an operator would write it
    config.put("name", "orders-validate");
    String body = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(config);
    var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            SECOND.restUrl().resolve("/connector-plugins/StreamDrBackupSinkConnector/config/validate"))
        .header("Content-Type", "application/json").PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
    assertThat(json.path("error_count").asInt()).as(response.body()).isEqualTo(1);
    assertThat(response.body()).contains("header.converter=" + BackupSinkConfig.BYTE_ARRAY);
  }
}
