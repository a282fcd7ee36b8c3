package io.streamdr.kafka.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.BackupIoException;
import io.streamdr.core.ConflictException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.backup.BackupOutputStream;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.kafka.KafkaClientFactory;
import io.streamdr.kafka.internal.segment.SegmentReader;
import io.streamdr.kafka.restore.RestoreReport;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class TopicBackupIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster SOURCE = EmbeddedKafkaCluster.builder().name("backup-source")
      .brokerProperty("log.cleaner.backoff.ms", "100").build();

  @RegisterExtension
  static final EmbeddedKafkaCluster TARGET = EmbeddedKafkaCluster.builder().name("restore-target").build();

  @TempDir Path dir;

  private static int topicNo;

  private static String newTopic(int partitions, Map<String, String> configs) {
    String name = "t" + (++topicNo) + "-" + Long.toHexString(System.nanoTime());
    // records here carry fixed, old timestamps: unless a test sets its own, keep retention from deleting them
    Map<String, String> withRetention = new HashMap<>(configs);
    if (!configs.containsKey("cleanup.policy")) {
      withRetention.putIfAbsent("retention.ms", "-1");
    }
    SOURCE.createTopic(name, partitions, 1, withRetention);
    return name;
  }

  private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafkaCluster kafka, Map<String, Object> extra) {
    Map<String, Object> c = kafka.clientConfig();
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
    c.putAll(extra);
    return new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static byte[] b(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  /** All records of a topic, per partition in offset order, read_committed. */
  static List<ConsumerRecord<byte[], byte[]>> readAll(EmbeddedKafkaCluster kafka, String topic) {
    Map<String, Object> c = kafka.clientConfig();
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).sorted((a, x) -> Integer.compare(a.partition(), x.partition())).toList();
      Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
      for (TopicPartition tp : tps) {
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (consumer.position(tp) < ends.get(tp) && System.nanoTime() < deadline) {
          consumer.poll(Duration.ofMillis(200)).records(tp).forEach(out::add);
        }
      }
    }
    return out;
  }

  /** What must survive a round trip, as comparable text. */
  static List<String> fingerprint(List<ConsumerRecord<byte[], byte[]>> records) {
    List<String> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      List<Map.Entry<String, byte[]>> headers = new ArrayList<>();
      for (Header h : r.headers()) {
        headers.add(new java.util.AbstractMap.SimpleImmutableEntry<>(h.key(), h.value()));
      }
      out.add(fingerprint(r.partition(), r.timestamp(), r.key(), r.value(), headers));
    }
    return out;
  }

  static String fingerprint(int partition, long timestamp, byte[] key, byte[] value, List<Map.Entry<String, byte[]>> headers) {
    StringBuilder sb = new StringBuilder().append(partition).append('|').append(timestamp).append('|')
        .append(key == null ? "<null>" : "[" + Arrays.toString(key) + "]").append('|')
        .append(value == null ? "<null>" : value.length > 64 ? "len" + value.length + "#" + Arrays.hashCode(value)
            : "[" + Arrays.toString(value) + "]");
    for (Map.Entry<String, byte[]> h : headers) {
      sb.append('|').append(h.getKey()).append('=').append(h.getValue() == null ? "<null>" : Arrays.toString(h.getValue()));
    }
    return sb.toString();
  }

  private TopicBackup.Builder backup(BackupTarget target, String... topics) {
    return TopicBackup.builder(SOURCE.clientConfig(), target).topics(List.of(topics));
  }

  private static TopicRestore.Builder restore(BackupTarget target, String backupId) {
    return TopicRestore.builder(TARGET.clientConfig(), target, backupId);
  }

  @Test
  void every_record_kind_survives_backup_and_restore_into_another_cluster() throws Exception {
    String topic = newTopic(3, Map.of("retention.ms", "604800000", "max.message.bytes", "4194304"));
    byte[] big = new byte[1024 * 1024];
    new java.util.Random(7).nextBytes(big);
    long ts;
    try (KafkaProducer<byte[], byte[]> p = producer(SOURCE, Map.of())) {
      // recent timestamps: this topic keeps 7 days, and the broker's retention check deletes older records at any moment
      ts = System.currentTimeMillis() - 60_000;
      p.send(new ProducerRecord<>(topic, 0, ts, b("k"), b("v"))).get();
      p.send(new ProducerRecord<>(topic, 0, ts + 1, null, b("null key"))).get();
      p.send(new ProducerRecord<>(topic, 0, ts + 2, new byte[0], new byte[0])).get();
      p.send(new ProducerRecord<>(topic, 1, ts + 3, b("tombstone"), (byte[]) null)).get();
      p.send(new ProducerRecord<>(topic, 1, ts + 4, b("h"), b("dup headers"), List.of(new RecordHeader("trace", b("a")),
          new RecordHeader("trace", b("b")), new RecordHeader("empty", new byte[0]), new RecordHeader("nullv", (byte[]) null)))).get();
      p.send(new ProducerRecord<>(topic, 2, ts + 5, b("big"), big)).get();
    }
    // a transaction that commits and one that aborts: only the committed records may be restored
    try (KafkaProducer<byte[], byte[]> tx = producer(SOURCE, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + topic))) {
      tx.initTransactions();
      tx.beginTransaction();
      tx.send(new ProducerRecord<>(topic, 0, ts + 1_000, b("tx"), b("committed")));
      tx.commitTransaction();
      tx.beginTransaction();
      tx.send(new ProducerRecord<>(topic, 0, ts + 2_000, b("tx"), b("aborted")));
      tx.flush();
      tx.abortTransaction();
    }
    List<String> expected = fingerprint(readAll(SOURCE, topic));
    assertThat(expected).noneMatch(s -> s.contains(Arrays.toString(b("aborted"))));

    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    BackupManifest m = backup(target, topic).build().full("full-1");
    assertThat(m.records()).isEqualTo(7);
    BackupManifest.PartitionEntry p0 = m.topic(topic).orElseThrow().partitions().get(0);
    assertThat(p0.endOffset()).as("offsets include the transaction markers").isGreaterThan(p0.records());
    assertThat(m.topic(topic).orElseThrow().configs()).containsEntry("retention.ms", "604800000");
    assertThat(new BackupCatalog(target).verify("full-1").ok()).isTrue();

    RestoreReport report = restore(target, "full-1").build().run();
    assertThat(report.produced()).isEqualTo(7);
    assertThat(fingerprint(readAll(TARGET, topic))).containsExactlyElementsOf(expected);
    try (Admin admin = TARGET.admin()) {
      assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()).hasSize(3);
      Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic))).all().get()
          .get(new ConfigResource(ConfigResource.Type.TOPIC, topic));
      assertThat(config.get("retention.ms").value()).isEqualTo("604800000");
      assertThat(config.get("max.message.bytes").value()).isEqualTo("4194304");
    }
    // restoring the same backup again writes nothing
    RestoreReport again = restore(target, "full-1").build().run();
    assertThat(again.alreadyComplete()).isTrue();
    assertThat(readAll(TARGET, topic)).hasSize(7);
  }

  private static void produceValues(String topic, int partition, int from, int to, long baseTs) throws Exception {
    List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> p = producer(SOURCE, Map.of())) {
      for (int i = from; i < to; i++) {
        acks.add(p.send(new ProducerRecord<>(topic, partition, baseTs + i, b("k" + i), b("v" + i))));
      }
    }
    for (var ack : acks) {
      ack.get(); // every record acknowledged
    }
  }

  @Test
  void an_incremental_continues_where_its_parent_ended_and_the_chain_restores_renamed_up_to_a_point_in_time() throws Exception {
    String topic = newTopic(1, Map.of());
    produceValues(topic, 0, 0, 100, 1_000_000L);
    BackupTarget target = new FileSystemBackupTarget(dir);
    TopicBackup backup = backup(target, topic).build();
    backup.full("f");
    produceValues(topic, 0, 100, 150, 1_000_000L);
    BackupManifest incr = backup.incremental("i1", "f");
    assertThat(incr.parent()).isEqualTo("f");
    assertThat(incr.topic(topic).orElseThrow().partitions().get(0).startOffset()).isEqualTo(100);
    assertThat(incr.records()).isEqualTo(50);

    String renamed = topic + "-restored";
    restore(target, "i1").rename(topic, renamed).build().run();
    List<ConsumerRecord<byte[], byte[]>> all = readAll(TARGET, renamed);
    assertThat(all).hasSize(150);
    assertThat(new String(all.get(149).value(), StandardCharsets.UTF_8)).isEqualTo("v149");

    String pit = topic + "-pit";
    RestoreReport cut = restore(target, "i1").rename(topic, pit).pointInTime(Instant.ofEpochMilli(1_000_000L + 119)).build().run();
    assertThat(readAll(TARGET, pit)).hasSize(120);
    assertThat(cut.partitions().get(0).cutByTime()).isEqualTo(30);
  }

  @Test
  void a_backup_run_again_under_its_id_with_other_topics_or_as_another_kind_is_refused_not_returned() throws Exception {
    String topic = newTopic(1, Map.of());
    String other = newTopic(1, Map.of());
    produceValues(topic, 0, 0, 10, 1_000_000L);
    produceValues(other, 0, 0, 10, 1_000_000L);
    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    assertThat(backup(target, topic).build().full("same-id").records()).isEqualTo(10);
    assertThat(backup(target, topic).build().full("same-id").records()).as("the same backup again: returned").isEqualTo(10);
    assertThatThrownBy(() -> backup(target, topic, other).build().full("same-id"))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("Backup same-id is complete as a full backup of [" + topic + "]")
        .hasMessageContaining("(it has no " + other + ")").hasMessageContaining("give the new backup another id");
    assertThatThrownBy(() -> backup(target, topic).build().incremental("same-id", "another-parent"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("not an incremental of another-parent");
  }

  @Test
  void a_backup_takes_its_clients_from_the_given_factory_one_admin_and_one_consumer_and_none_when_already_complete() throws Exception {
    String topic = newTopic(2, Map.of());
    produceValues(topic, 0, 0, 20, 1_000_000L);
    List<String> made = new ArrayList<>();
    List<Map<String, Object>> consumerConfigs = new ArrayList<>();
    KafkaClientFactory counting = new KafkaClientFactory() {
      @Override
      public Admin admin(Map<String, Object> config) {
        made.add("admin");
        return KafkaClientFactory.super.admin(config);
      }

      @Override
      public <K, V> Consumer<K, V> consumer(Map<String, Object> config, Deserializer<K> keys, Deserializer<V> values) {
        made.add("consumer");
        consumerConfigs.add(Map.copyOf(config));
        return KafkaClientFactory.super.consumer(config, keys, values);
      }

      @Override
      public <K, V> Producer<K, V> producer(Map<String, Object> config, Serializer<K> keys, Serializer<V> values) {
        made.add("producer");
        return KafkaClientFactory.super.producer(config, keys, values);
      }
    };
    // a timeout shorter than the clients' default request timeout (30 s) is taken as it is
    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    TopicBackup backup = backup(target, topic).clients(counting).requestTimeout(Duration.ofSeconds(20)).build();
    assertThat(backup.full("counted").records()).isEqualTo(20);
    assertThat(made).containsExactlyInAnyOrder("admin", "consumer");
    assertThat(consumerConfigs.get(0)).containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
        .doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG);
    made.clear();
    assertThat(backup.full("counted").records()).as("the existing manifest").isEqualTo(20);
    assertThat(made).as("a backup already complete connects to nothing").isEmpty();
    RestoreReport restored = restore(target, "counted").rename(topic, topic + "-counted").clients(counting)
        .requestTimeout(Duration.ofSeconds(10)).build().run();
    assertThat(restored.produced()).isEqualTo(20);
    assertThat(made).as("a restore into a new topic checks no target partition").containsExactlyInAnyOrder("admin", "producer");
    assertThatThrownBy(() -> backup(new FileSystemBackupTarget(dir), topic).requestTimeout(Duration.ZERO))
        .hasMessageContaining("requestTimeout");
  }

  @Test
  void group_offsets_map_to_the_same_record_and_never_move_backwards() throws Exception {
    String topic = newTopic(1, Map.of());
    produceValues(topic, 0, 0, 50, 0);
    try (Admin admin = SOURCE.admin()) {
      admin.alterConsumerGroupOffsets("billing-" + topic, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(30))).all().get();
      admin.alterConsumerGroupOffsets("audit-" + topic, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(10))).all().get();
    }
    BackupTarget target = new FileSystemBackupTarget(dir);
    backup(target, topic).groups(List.of("billing-" + topic, "audit-" + topic)).build().full("g");
    String renamed = topic + "-g";
    // the target already has 5 other records, so the restore appends and restored offsets shift by 5; audit is already
    // further on the target
    TARGET.createTopic(renamed, 1, 1, Map.of("retention.ms", "-1"));
    try (KafkaProducer<byte[], byte[]> p = producer(TARGET, Map.of())) {
      for (int i = 0; i < 5; i++) {
        p.send(new ProducerRecord<>(renamed, 0, b("pre"), b("existing"))).get();
      }
    }
    try (Admin admin = TARGET.admin()) {
      admin.alterConsumerGroupOffsets("audit-" + topic, Map.of(new TopicPartition(renamed, 0), new OffsetAndMetadata(40))).all().get();
    }
    RestoreReport report = restore(target, "g").rename(topic, renamed).append(true).build().run();
    try (Admin admin = TARGET.admin()) {
      long billing = admin.listConsumerGroupOffsets("billing-" + topic).partitionsToOffsetAndMetadata().get()
          .get(new TopicPartition(renamed, 0)).offset();
      long audit = admin.listConsumerGroupOffsets("audit-" + topic).partitionsToOffsetAndMetadata().get()
          .get(new TopicPartition(renamed, 0)).offset();
      assertThat(billing).isEqualTo(35); // record at source offset 30 is at target offset 5 + 30
      assertThat(audit).isEqualTo(40);   // mapped 15, but never moved backwards from 40
    }
    assertThat(report.groups()).containsKey("billing-" + topic);
  }

  @Test
  void a_group_with_active_members_on_the_target_is_refused_by_name() throws Exception {
    String topic = newTopic(1, Map.of());
    produceValues(topic, 0, 0, 5, 0);
    try (Admin admin = SOURCE.admin()) {
      admin.alterConsumerGroupOffsets("live-" + topic, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(3))).all().get();
    }
    BackupTarget target = new FileSystemBackupTarget(dir);
    backup(target, topic).groups(List.of("live-" + topic)).build().full("live");
    TARGET.createTopic(topic, 1, 1, Map.of("retention.ms", "-1"));
    Map<String, Object> c = TARGET.clientConfig();
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "live-" + topic);
    try (KafkaConsumer<byte[], byte[]> member = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      member.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (member.assignment().isEmpty() && System.nanoTime() < deadline) {
        member.poll(Duration.ofMillis(100));
      }
      assertThatThrownBy(() -> restore(target, "live").build().run()).isInstanceOf(ConflictException.class)
          .hasMessageContaining("live-" + topic).hasMessageContaining("active member");
    }
  }

  /**
   * A target that fails after a number of publishes, as a crashed process would stop writing; a test may also act
   * before each segment is opened.
   */
  static final class FailingTarget implements BackupTarget {
    private final BackupTarget delegate;
    private final AtomicInteger creates = new AtomicInteger();
    private final AtomicInteger opens = new AtomicInteger();
    private volatile int failCreateAt = Integer.MAX_VALUE;
    private volatile int failOpenAt = Integer.MAX_VALUE;
    private volatile java.util.function.Consumer<BackupKey> beforeOpen = key -> {};

    FailingTarget(BackupTarget delegate) {
      this.delegate = delegate;
    }

    @Override
    public BackupOutputStream create(BackupKey key) {
      if (key.value().endsWith(".seg") && creates.incrementAndGet() >= failCreateAt) {
        throw new BackupIoException(key, "create", new IOException("simulated crash"));
      }
      return delegate.create(key);
    }

    @Override
    public InputStream open(BackupKey key) {
      if (key.value().endsWith(".seg")) {
        beforeOpen.accept(key);
      }
      if (key.value().endsWith(".seg") && opens.incrementAndGet() >= failOpenAt) {
        throw new BackupIoException(key, "open", new IOException("simulated crash"));
      }
      return delegate.open(key);
    }

    @Override
    public List<BackupObject> list(String prefix) {
      return delegate.list(prefix);
    }

    @Override
    public void delete(BackupKey key) {
      delegate.delete(key);
    }
  }

  @Test
  void an_interrupted_backup_publishes_nothing_and_resumes_to_the_same_cut() throws Exception {
    String topic = newTopic(2, Map.of());
    produceValues(topic, 0, 0, 3000, 0);
    produceValues(topic, 1, 0, 3000, 0);
    FileSystemBackupTarget fs = new FileSystemBackupTarget(dir);
    FailingTarget failing = new FailingTarget(fs);
    failing.failCreateAt = 4; // the 4th segment cannot be written
    TopicBackup small = backup(failing, topic).segmentBytes(16 * 1024).build();
    assertThatThrownBy(() -> small.full("resumable")).hasMessageContaining("simulated crash");
    assertThat(new BackupCatalog(fs).list()).isEmpty(); // no manifest: the backup does not exist
    assertThat(fs.list("topic-backups/resumable/data/")).isNotEmpty();
    produceValues(topic, 0, 3000, 3100, 0); // after the cut: must not be in this backup
    failing.failCreateAt = Integer.MAX_VALUE;
    BackupManifest m = small.full("resumable");
    assertThat(m.records()).isEqualTo(6000);
    assertThat(new BackupCatalog(fs).verify("resumable").ok()).isTrue();
    restore(fs, "resumable").build().run();
    assertThat(readAll(TARGET, topic)).hasSize(6000);
  }

  @Test
  void a_backup_whose_process_is_killed_publishes_nothing_and_resumes_from_what_it_had_written() throws Exception {
    String topic = newTopic(2, Map.of());
    produceValues(topic, 0, 0, 3000, 0);
    produceValues(topic, 1, 0, 3000, 0);
    Process child = io.streamdr.testing.ChildJvm.start(BackupProcessMain.class, SOURCE.bootstrapServers(),
        dir.toString(), topic, "killed", "3");
    try {
      io.streamdr.testing.ChildJvm.awaitLine(child, "HALF-DONE");
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs in the child
      assertThat(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
    FileSystemBackupTarget fs = new FileSystemBackupTarget(dir);
    assertThat(new BackupCatalog(fs).list()).isEmpty(); // no manifest: the backup does not exist
    Map<String, java.util.Optional<String>> before = new java.util.HashMap<>();
    fs.list("topic-backups/killed/data/").stream().filter(o -> o.key().value().endsWith(".seg"))
        .forEach(o -> before.put(o.key().value(), o.sha256()));
    assertThat(before).hasSizeGreaterThanOrEqualTo(3);

    try (var tmp = Files.list(dir.resolve(".streamdr").resolve("tmp"))) {
      assertThat(tmp.map(f -> f.getFileName().toString())).as("the killed backup left a write in flight").anyMatch(n -> n.endsWith(".part"));
    }

    produceValues(topic, 0, 3000, 3100, 0); // after the cut: must not be in this backup
    BackupManifest resumed = backup(fs, topic).segmentBytes(16 * 1024).build().full("killed");
    assertThat(resumed.records()).isEqualTo(6000);
    try (var tmp = Files.list(dir.resolve(".streamdr").resolve("tmp"))) {
      assertThat(tmp.map(f -> f.getFileName().toString())).as("the killed backup's temporary files are gone")
          .noneMatch(n -> n.endsWith(".part"));
    }
    assertThat(new BackupCatalog(fs).verify("killed").ok()).isTrue();
    // the segments published before the kill were kept as they were, not written again
    Map<String, java.util.Optional<String>> after = new java.util.HashMap<>();
    fs.list("topic-backups/killed/data/").forEach(o -> after.put(o.key().value(), o.sha256()));
    assertThat(after).containsAllEntriesOf(before);
    assertThat(resumed.topics().get(0).partitions().stream().flatMap(p -> p.segments().stream())
        .map(BackupManifest.SegmentEntry::key)).containsAll(before.keySet());
    // and the backup holds exactly the source's records up to the cut
    var verifier = new io.streamdr.kafka.verify.BackupIntegrityVerifier(fs, Map.of("source", SOURCE.clientConfig()));
    var report = verifier.verify(verifier.requestFor("killed", "source").build());
    assertThat(report.verdict()).as(report.toText()).isEqualTo(io.streamdr.core.verify.IntegrityReport.Verdict.PASSED);
    assertThat(report.partitions().stream().mapToLong(p -> p.beyondCutoff()).sum()).isEqualTo(100);
  }

  @Test
  void an_interrupted_restore_resumes_without_duplicates() throws Exception {
    String topic = newTopic(1, Map.of());
    produceValues(topic, 0, 0, 4000, 0);
    FileSystemBackupTarget fs = new FileSystemBackupTarget(dir);
    backup(fs, topic).segmentBytes(16 * 1024).build().full("r");
    int segments = new BackupCatalog(fs).describe("r").topic(topic).orElseThrow().partitions().get(0).segments().size();
    assertThat(segments).isGreaterThan(3);
    FailingTarget failing = new FailingTarget(fs);
    failing.failOpenAt = segments + 3; // verification reads them all, then producing fails at the third
    assertThatThrownBy(() -> restore(failing, "r").build().run()).hasMessageContaining("simulated crash");
    int partial = readAll(TARGET, topic).size();
    assertThat(partial).isBetween(1, 3999);
    RestoreReport resumed = restore(fs, "r").build().run();
    assertThat(resumed.partitions().get(0).skipped()).isEqualTo(partial);
    List<ConsumerRecord<byte[], byte[]>> all = readAll(TARGET, topic);
    assertThat(all).hasSize(4000);
    assertThat(all.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).distinct().count()).isEqualTo(4000);
  }

  @Test
  void an_interrupted_append_into_a_topic_it_created_resumes_without_appending_twice() throws Exception {
    String topic = newTopic(1, Map.of());
    produceValues(topic, 0, 0, 4000, 0);
    FileSystemBackupTarget fs = new FileSystemBackupTarget(dir);
    backup(fs, topic).segmentBytes(16 * 1024).build().full("ra");
    int segments = new BackupCatalog(fs).describe("ra").topic(topic).orElseThrow().partitions().get(0).segments().size();
    FailingTarget failing = new FailingTarget(fs);
    failing.failOpenAt = segments + 3; // verification reads them all, then producing fails at the third
    assertThatThrownBy(() -> restore(failing, "ra").append(true).build().run()).hasMessageContaining("simulated crash");
    int partial = readAll(TARGET, topic).size();
    assertThat(partial).isBetween(1, 3999);
    RestoreReport resumed = restore(fs, "ra").append(true).build().run();
    assertThat(resumed.partitions().get(0).skipped()).isEqualTo(partial);
    assertThat(readAll(TARGET, topic)).hasSize(4000);
  }

  /** A topic of two partitions and its full backup. */
  private record TwoPartitions(String topic, BackupManifest backup) {
    List<BackupManifest.SegmentEntry> segments(int partition) {
      return backup.topic(topic).orElseThrow().partitions().get(partition).segments();
    }
  }

  /** Backs up a new topic of two partitions, {@code perPartition} records each, in segments of about {@code segmentBytes}. */
  private TwoPartitions backUpTwoPartitions(BackupTarget target, int perPartition, int segmentBytes, String id) throws Exception {
    String topic = newTopic(2, Map.of());
    produceValues(topic, 0, 0, perPartition, 0);
    produceValues(topic, 1, perPartition, 2 * perPartition, 0);
    return new TwoPartitions(topic, backup(target, topic).segmentBytes(segmentBytes).build().full(id));
  }

  @Test
  void a_corrupt_or_truncated_segment_fails_the_restore_before_any_record_of_its_partition_is_written() throws Exception {
    FileSystemBackupTarget fs = new FileSystemBackupTarget(dir);
    TwoPartitions backedUp = backUpTwoPartitions(fs, 500, 8 * 1024, "c");
    String topic = backedUp.topic();
    List<BackupManifest.SegmentEntry> segs = backedUp.segments(0);
    BackupManifest.SegmentEntry last = segs.get(segs.size() - 1);
    Path file = dir.resolve(last.key());
    byte[] original = Files.readAllBytes(file);
    byte[] bytes = original.clone();
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(file, bytes);
    assertThatThrownBy(() -> restore(fs, "c").build().run()).isInstanceOf(BackupCorruptedException.class)
        .hasMessageContaining("Backup c, " + topic + "-0").hasMessageContaining(last.key());
    try (Admin admin = TARGET.admin()) {
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).as("nothing at all was written, not even the topic")
          .doesNotContain(topic);
    }
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    assertThatThrownBy(() -> TopicRestore.builder(Map.of("bootstrap.servers", "127.0.0.1:" + closedPort), fs, "c").build().run())
        .as("checked while the target is reached: the damage is reported, not the unreachable target").isInstanceOf(BackupCorruptedException.class)
        .hasMessageContaining(last.key());
    BackupCatalog.VerifyReport verify = new BackupCatalog(fs).verify("c");
    assertThat(verify.ok()).isFalse();
    assertThat(verify.problems()).singleElement().satisfies(p -> assertThat(p).contains(last.key()));

    Files.write(file, Arrays.copyOf(bytes, bytes.length / 3)); // truncated
    assertThat(new BackupCatalog(fs).verify("c").problems()).singleElement().satisfies(p -> assertThat(p).contains(last.key()));

    // once the segment is whole again, the same restore completes both partitions
    Files.write(file, original);
    RestoreReport resumed = restore(fs, "c").build().run();
    assertThat(resumed.partitions()).extracting(RestoreReport.PartitionRestore::partition).containsExactly(0, 1);
    assertThat(resumed.partitions().get(0).skipped()).isZero();
    assertThat(fingerprint(readAll(TARGET, topic))).isEqualTo(fingerprint(readAll(SOURCE, topic)));
  }

  @Test
  void backup_and_restore_report_their_progress_with_counts_ending_with_everything_done() throws Exception {
    FileSystemBackupTarget fs = new FileSystemBackupTarget(dir);
    String topic = newTopic(2, Map.of());
    produceValues(topic, 0, 0, 3000, 0);
    produceValues(topic, 1, 3000, 6000, 0);
    List<io.streamdr.core.progress.Progress> backedUp = new java.util.concurrent.CopyOnWriteArrayList<>();
    BackupManifest m = backup(fs, topic).progress(backedUp::add).build().full("progress");
    List<io.streamdr.core.progress.Progress> restored = new java.util.concurrent.CopyOnWriteArrayList<>();
    restore(fs, "progress").progress(restored::add).build().run();

    for (List<io.streamdr.core.progress.Progress> reports : List.of(backedUp, restored)) {
      assertThat(reports).isNotEmpty();
      assertThat(reports).extracting(io.streamdr.core.progress.Progress::records).isSorted();
      assertThat(reports).filteredOn(io.streamdr.core.progress.Progress::done).singleElement().satisfies(last -> {
        assertThat(last).isEqualTo(reports.get(reports.size() - 1));
        assertThat(last.records()).isEqualTo(6000);
        assertThat(last.totalRecords()).isEqualTo(6000);
        assertThat(last.partitionsDone()).isEqualTo(2);
        assertThat(last.partitions()).isEqualTo(2);
        assertThat(last.bytes()).isGreaterThan(6000);
      });
    }
    assertThat(backedUp.get(0).operation()).isEqualTo("backup");
    assertThat(restored.get(0).operation()).isEqualTo("restore");
    assertThat(m.records()).isEqualTo(6000);
  }

  @Test
  void partitions_are_produced_at_the_same_time() throws Exception {
    FileSystemBackupTarget fs = new FileSystemBackupTarget(dir);
    TwoPartitions backedUp = backUpTwoPartitions(fs, 2000, 16 * 1024, "p");
    String topic = backedUp.topic();
    List<BackupManifest.SegmentEntry> first = backedUp.segments(0);
    String lastOfFirst = first.get(first.size() - 1).key();
    String startOfSecond = backedUp.segments(1).get(0).key();
    assertThat(first.size()).isGreaterThan(2);
    // each segment is opened twice, to verify it and then to produce it; partition 0 may not read its last segment
    // for producing until partition 1 has started producing, which one partition at a time could never satisfy
    Map<String, Integer> opened = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.CountDownLatch secondProducing = new java.util.concurrent.CountDownLatch(1);
    FailingTarget gated = new FailingTarget(fs);
    gated.beforeOpen = key -> {
      int n = opened.merge(key.value(), 1, Integer::sum);
      if (n == 2 && key.value().equals(startOfSecond)) {
        secondProducing.countDown();
      }
      try {
        if (n == 2 && key.value().equals(lastOfFirst) && !secondProducing.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("partition 1 did not start producing while partition 0 was");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    };
    RestoreReport report = restore(gated, "p").parallelism(2).build().run();
    assertThat(report.produced()).isEqualTo(4000);
    assertThat(fingerprint(readAll(TARGET, topic))).isEqualTo(fingerprint(readAll(SOURCE, topic)));
  }

  @Test
  void a_restore_parallelism_below_one_is_refused() {
    assertThatThrownBy(() -> restore(new FileSystemBackupTarget(dir), "x").parallelism(0))
        .isInstanceOf(io.streamdr.core.InvalidRequestException.class).hasMessageContaining("parallelism");
  }

  @Test
  void a_topic_recreated_since_the_parent_backup_is_refused_for_an_incremental() throws Exception {
    String topic = newTopic(1, Map.of());
    produceValues(topic, 0, 0, 10, 0);
    BackupTarget target = new FileSystemBackupTarget(dir);
    TopicBackup backup = backup(target, topic).build();
    backup.full("before");
    try (Admin admin = SOURCE.admin()) {
      admin.deleteTopics(List.of(topic)).all().get();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (admin.listTopics().names().get().contains(topic) && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
      }
    }
    SOURCE.createTopic(topic, 1, 1, Map.of("retention.ms", "-1"));
    produceValues(topic, 0, 0, 10, 0);
    assertThatThrownBy(() -> backup.incremental("after", "before")).isInstanceOf(ConflictException.class)
        .hasMessageContaining(topic).hasMessageContaining("recreated").hasMessageContaining("full backup");
  }

  @Test
  void a_compacted_topic_with_offset_gaps_restores_exactly_its_surviving_records() throws Exception {
    String topic = newTopic(1, Map.of("cleanup.policy", "compact", "segment.ms", "100", "min.cleanable.dirty.ratio", "0.001",
        "delete.retention.ms", "100"));
    for (int round = 0; round < 5; round++) {
      produceValues(topic, 0, 0, 20, round * 100L); // the same 20 keys, five times
    }
    // wait until the cleaner compacted: fewer records than offsets
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    List<ConsumerRecord<byte[], byte[]>> source = readAll(SOURCE, topic);
    while (source.size() >= 100 && System.nanoTime() < deadline) {
      produceValues(topic, 0, 20, 21, 0); // a new segment lets the old ones be cleaned
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
      source = readAll(SOURCE, topic);
    }
    assertThat(source.size()).as("the cleaner compacted the topic").isLessThan(100);
    BackupTarget target = new FileSystemBackupTarget(dir);
    BackupManifest m = backup(target, topic).build().full("compacted");
    BackupManifest.PartitionEntry p = m.topic(topic).orElseThrow().partitions().get(0);
    // the cleaner may go on compacting after the read above: what counts is what the backup captured
    assertThat(p.records()).isLessThanOrEqualTo(source.size()).isPositive();
    assertThat(p.endOffset() - p.startOffset()).as("offset gaps recorded").isGreaterThan(p.records());
    List<String> captured = new ArrayList<>();
    for (BackupManifest.SegmentEntry seg : p.segments()) {
      try (InputStream in = target.open(new BackupKey(seg.key())); SegmentReader reader = new SegmentReader(in, seg.key())) {
        for (BackupRecord r; (r = reader.next()) != null; ) {
          captured.add(fingerprint(0, r.timestamp(), r.key(), r.value(), r.headers()));
        }
      }
    }
    assertThat(captured).hasSize((int) p.records());
    restore(target, "compacted").build().run();
    assertThat(fingerprint(readAll(TARGET, topic))).containsExactlyElementsOf(captured);
  }

  @Test
  void restore_only_selected_topics() throws Exception {
    String a = newTopic(1, Map.of());
    String b = newTopic(1, Map.of());
    produceValues(a, 0, 0, 3, 0);
    produceValues(b, 0, 0, 3, 0);
    BackupTarget target = new FileSystemBackupTarget(dir);
    backup(target, a, b).build().full("two");
    restore(target, "two").topics(Set.of(b)).build().run();
    try (Admin admin = TARGET.admin()) {
      Set<String> names = admin.listTopics().names().get();
      assertThat(names).contains(b).doesNotContain(a);
    }
  }
}
