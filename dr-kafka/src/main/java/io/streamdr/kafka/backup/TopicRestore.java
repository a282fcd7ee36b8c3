package io.streamdr.kafka.backup;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.BackupIoException;
import io.streamdr.core.ConflictException;
import io.streamdr.core.DrException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores topics from a backup chain (a full backup and the incrementals after it, up to a chosen one) into the
 * same or another cluster, optionally renamed and cut at a point in time.
 *
 * <ul>
 *   <li>Missing topics are created with the captured partition count and configs (replication factor overridable),
 *       with {@code message.timestamp.type=CreateTime} so original timestamps are kept.</li>
 *   <li>Every record goes to its original partition with its key, value, headers and timestamp, through an
 *       idempotent {@code acks=all} producer.</li>
 *   <li>No duplicates: before producing anything the restore records each target partition's end offset in a state
 *       object ({@code topic-restores/<restoreId>/state.json}); run again after a crash, it skips exactly the records
 *       already in the log; run again after it completed, it writes nothing.</li>
 *   <li>Every segment of a partition is verified (SHA-256 and every frame's CRC) before any record of that partition
 *       is produced: a corrupt or truncated segment fails the restore naming backup, segment and frame, and nothing
 *       of that partition is written.</li>
 *   <li>Consumer group offsets stored with the backup are mapped to the new offset of the same record; a group's
 *       committed offset is never moved backwards, and groups with active members are refused.</li>
 * </ul>
 * The point in time cuts each partition at its first record with a later timestamp. The target partitions must not
 * receive other writes during the restore.
 */
public final class TopicRestore {
  private static final Logger LOG = LoggerFactory.getLogger(TopicRestore.class);
  private final BackupTarget source;
  private final Map<String, Object> clientConfig;
  private final String backupId;
  private final Map<String, String> renames;
  private final Set<String> topics;
  private final Instant pointInTime;
  private final Integer replicationFactor;
  private final boolean restoreGroups;
  private final int parallelism;

  private TopicRestore(Builder b) {
    this.source = b.source;
    this.clientConfig = Map.copyOf(b.clientConfig);
    this.backupId = b.backupId;
    this.renames = Map.copyOf(b.renames);
    this.topics = Set.copyOf(b.topics);
    this.pointInTime = b.pointInTime;
    this.replicationFactor = b.replicationFactor;
    this.restoreGroups = b.restoreGroups;
    this.parallelism = b.parallelism;
  }

  /**
   * @param source       the backup target holding the backups
   * @param clientConfig Kafka client settings of the target cluster (bootstrap servers, security)
   * @param backupId     the last backup of the chain to restore
   */
  public static Builder builder(BackupTarget source, Map<String, Object> clientConfig, String backupId) {
    return new Builder(source, clientConfig, backupId);
  }

  /** The chain ending at {@code backupId}, full backup first. */
  public static List<BackupManifest> chain(BackupTarget source, String backupId) {
    List<BackupManifest> chain = new ArrayList<>();
    String id = backupId;
    while (id != null) {
      BackupManifest m = BackupManifest.read(source, id);
      chain.add(0, m);
      id = m.parent();
      if (chain.size() > 10_000) {
        throw new BackupCorruptedException(backupId, "Backup chain of %s does not end in a full backup".formatted(backupId));
      }
    }
    if (chain.get(0).type() != BackupManifest.Type.FULL) {
      throw new BackupCorruptedException(chain.get(0).id(), "Backup chain of %s starts with %s, which is not a full backup"
          .formatted(backupId, chain.get(0).id()));
    }
    return chain;
  }

  private String targetTopic(String topic) {
    return renames.getOrDefault(topic, topic);
  }

  /** Runs (or resumes) the restore. */
  public RestoreReport run() {
    long started = System.nanoTime();
    List<BackupManifest> chain = chain(source, backupId);
    BackupManifest last = chain.get(chain.size() - 1);
    List<BackupManifest.TopicEntry> selected = last.topics().stream()
        .filter(t -> topics.isEmpty() || topics.contains(t.name())).toList();
    if (selected.isEmpty()) {
      throw new InvalidRequestException("backup", backupId, "Backup %s holds none of the topics %s; it has %s".formatted(
          backupId, topics, last.topics().stream().map(BackupManifest.TopicEntry::name).toList()));
    }
    try (Admin admin = Admin.create(adminConfig())) {
      String clusterId = admin.describeCluster().clusterId().get(60, TimeUnit.SECONDS);
      String restoreId = restoreId(chain, clusterId);
      BackupKey stateKey = BackupKey.of("topic-restores", restoreId, "state.json");
      RestoreState state = source.exists(stateKey) ? readState(stateKey) : null;
      List<String> ids = chain.stream().map(BackupManifest::id).toList();
      if (state != null && state.complete()) {
        LOG.info("Restore {} of {} already complete; nothing written", restoreId, backupId);
        return new RestoreReport(restoreId, ids, List.of(), Map.of(), true, Duration.ofNanos(System.nanoTime() - started));
      }
      ensureTopics(admin, selected);
      if (state == null) {
        state = new RestoreState(restoreId, baseOffsets(admin, selected), false);
        source.put(stateKey, Json.MAPPER.writeValueAsBytes(state));
      }
      Map<String, Long> endNow = endOffsets(admin, selected);
      List<PartitionTask> work = new ArrayList<>();
      for (BackupManifest.TopicEntry t : selected) {
        for (BackupManifest.PartitionEntry p : t.partitions()) {
          work.add(new PartitionTask(t.name(), p.partition(), segments(chain, t.name(), p.partition())));
        }
      }
      List<Produced> produced = produceAll(work, state, endNow, last);
      List<RestoreReport.PartitionRestore> results = new ArrayList<>();
      Map<String, Map<String, Long>> groupTargets = new TreeMap<>();
      for (Produced p : produced) {
        results.add(p.result());
        p.groupOffsets().forEach((group, offset) -> groupTargets.computeIfAbsent(group, k -> new TreeMap<>())
            .put(p.result().targetTopic() + "-" + p.result().partition(), offset));
      }
      if (restoreGroups) {
        commitGroups(admin, groupTargets);
      }
      source.put(stateKey, Json.MAPPER.writeValueAsBytes(new RestoreState(restoreId, state.baseOffsets(), true)));
      RestoreReport report = new RestoreReport(restoreId, ids, results, groupTargets, false, Duration.ofNanos(System.nanoTime() - started));
      LOG.info("Restore {} of {} complete: {} records produced", restoreId, backupId, report.produced());
      return report;
    } catch (ExecutionException e) {
      throw new DrException("cluster", String.valueOf(clientConfig.get("bootstrap.servers")),
          "Restore of %s failed talking to the target cluster: %s; run it again to resume".formatted(backupId, e.getCause().getMessage()),
          e.getCause(), true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DrException("Interrupted while restoring " + backupId, e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new DrException("cluster", String.valueOf(clientConfig.get("bootstrap.servers")),
          "Target cluster did not answer within 60 s while restoring %s; run it again to resume".formatted(backupId), e, true);
    } catch (IOException e) {
      throw new BackupIoException(backupId, "write restore state of", e);
    }
  }

  private Map<String, Object> adminConfig() {
    Map<String, Object> c = new HashMap<>(clientConfig);
    c.putIfAbsent("default.api.timeout.ms", 60_000);
    return c;
  }

  private Map<String, Object> producerConfig() {
    Map<String, Object> c = new HashMap<>(clientConfig);
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 10);
    c.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    c.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
    c.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
    c.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "streamdr-restore");
    return c;
  }

  private String restoreId(List<BackupManifest> chain, String clusterId) {
    MessageDigest sha = TopicBackup.sha256();
    chain.forEach(m -> sha.update(m.id().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    sha.update(clusterId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    new TreeMap<>(renames).forEach((k, v) -> sha.update((k + "=" + v).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    new java.util.TreeSet<>(topics).forEach(t -> sha.update(t.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    sha.update(String.valueOf(pointInTime).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return backupId + "-" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
  }

  private record RestoreState(String restoreId, Map<String, Long> baseOffsets, boolean complete) {}

  private RestoreState readState(BackupKey key) {
    try {
      return Json.MAPPER.readValue(source.readAll(key), RestoreState.class);
    } catch (IOException e) {
      throw new BackupCorruptedException(key.value(), "Restore state %s is unreadable: %s".formatted(key, e.getMessage()), e);
    }
  }

  private void ensureTopics(Admin admin, List<BackupManifest.TopicEntry> selected)
      throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
    Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
    List<NewTopic> create = new ArrayList<>();
    for (BackupManifest.TopicEntry t : selected) {
      String name = targetTopic(t.name());
      if (existing.contains(name)) {
        TopicDescription d = admin.describeTopics(List.of(name)).allTopicNames().get(60, TimeUnit.SECONDS).get(name);
        if (d.partitions().size() < t.partitionCount()) {
          throw new ConflictException("topic", name, ("Target topic '%s' has %d partitions but the backup of '%s' has %d; "
              + "records keep their partition, so add partitions or restore under another name").formatted(
              name, d.partitions().size(), t.name(), t.partitionCount()));
        }
        continue;
      }
      Map<String, String> configs = new LinkedHashMap<>(t.configs());
      configs.put("message.timestamp.type", "CreateTime");
      short rf = (short) (replicationFactor != null ? replicationFactor : t.replicationFactor());
      create.add(new NewTopic(name, t.partitionCount(), rf).configs(configs));
    }
    if (!create.isEmpty()) {
      try {
        admin.createTopics(create).all().get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw new ConflictException("topic", create.get(0).name(), "Could not create target topics %s: %s; set replicationFactor(...) if the target has fewer brokers"
            .formatted(create.stream().map(NewTopic::name).toList(), e.getCause().getMessage()));
      }
      awaitMetadata(admin, create);
      LOG.info("Created target topics {}", create.stream().map(NewTopic::name).toList());
    }
  }

  /** New topics take a moment to reach every broker's metadata; wait until their partitions answer offset requests. */
  private static void awaitMetadata(Admin admin, List<NewTopic> created) throws InterruptedException {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    created.forEach(t -> {
      for (int p = 0; p < t.numPartitions(); p++) {
        request.put(new TopicPartition(t.name(), p), OffsetSpec.latest());
      }
    });
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        admin.listOffsets(request).all().get(10, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new DrException("topic", created.get(0).name(), "Created topics %s did not become available within 60 s"
              .formatted(created.stream().map(NewTopic::name).toList()), e, true);
        }
        Thread.onSpinWait();
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
      }
    }
  }

  private Map<String, Long> baseOffsets(Admin admin, List<BackupManifest.TopicEntry> selected)
      throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
    return endOffsets(admin, selected);
  }

  private Map<String, Long> endOffsets(Admin admin, List<BackupManifest.TopicEntry> selected)
      throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (BackupManifest.TopicEntry t : selected) {
      for (BackupManifest.PartitionEntry p : t.partitions()) {
        request.put(new TopicPartition(targetTopic(t.name()), p.partition()), OffsetSpec.latest());
      }
    }
    Map<String, Long> out = new TreeMap<>();
    admin.listOffsets(request).all().get(60, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp.topic() + "-" + tp.partition(), info.offset()));
    return out;
  }

  /** A segment to restore and the backup it belongs to. */
  private record Seg(String backupId, BackupManifest.SegmentEntry entry) {}

  private static List<Seg> segments(List<BackupManifest> chain, String topic, int partition) {
    List<Seg> out = new ArrayList<>();
    for (BackupManifest m : chain) {
      m.topic(topic).ifPresent(t -> t.partitions().stream().filter(p -> p.partition() == partition)
          .forEach(p -> p.segments().forEach(s -> out.add(new Seg(m.id(), s)))));
    }
    return out;
  }

  /** Reads every segment once, checking its SHA-256 against the manifest and every frame's CRC. */
  private void verify(List<Seg> segments) {
    for (Seg s : segments) {
      verifySegment(source, s.backupId(), s.entry());
    }
  }

  static long verifySegment(BackupTarget source, String backupId, BackupManifest.SegmentEntry s) {
    BackupKey key = new BackupKey(s.key());
    MessageDigest sha = TopicBackup.sha256();
    long records = 0;
    try (InputStream raw = source.open(key); DigestInputStream in = new DigestInputStream(raw, sha);
         SegmentFormat.Reader reader = new SegmentFormat.Reader(in, s.key())) {
      while (reader.skip()) {
        records++;
      }
      in.transferTo(java.io.OutputStream.nullOutputStream());
    } catch (BackupCorruptedException e) {
      throw new BackupCorruptedException(s.key(), "Backup %s: %s".formatted(backupId, e.getMessage()), e);
    } catch (IOException e) {
      throw new BackupIoException(key, "read", e);
    }
    String actual = HexFormat.of().formatHex(sha.digest());
    if (!actual.equals(s.sha256())) {
      throw new BackupCorruptedException(s.key(), "Backup %s: segment '%s' has SHA-256 %s but its manifest records %s; it was altered — restore from another backup"
          .formatted(backupId, s.key(), actual, s.sha256()));
    }
    if (records != s.records()) {
      throw new BackupCorruptedException(s.key(), "Backup %s: segment '%s' holds %d records but its manifest records %d"
          .formatted(backupId, s.key(), records, s.records()));
    }
    return records;
  }

  private static Map<String, Long> groupOffsets(BackupManifest last, String topic, int partition) {
    Map<String, Long> out = new TreeMap<>();
    if (last.groups() != null) {
      last.groups().forEach((group, topics) -> {
        Long offset = topics.getOrDefault(topic, Map.of()).get(partition);
        if (offset != null) {
          out.put(group, offset);
        }
      });
    }
    return out;
  }

  /** A partition to restore: its source topic, number and segments, full backup first. */
  private record PartitionTask(String topic, int partition, List<Seg> segments) {}

  /** What producing one partition did, and the offsets its stored group offsets map to on the target. */
  private record Produced(RestoreReport.PartitionRestore result, Map<String, Long> groupOffsets) {}

  /** The first send the producer reported as failed, with the partition it was for. */
  private record SendFailure(String topic, int partition, Exception cause) {}

  /**
   * Produces the partitions, up to {@link Builder#parallelism(int)} at once through one producer, so each produce
   * request carries batches of several partitions and every leader broker is written at the same time. Segments are
   * verified ahead on another pool; a partition starts producing only once all its segments verified, so nothing of a
   * corrupt partition is ever written. The first failure stops the others where they are (each resumable); it is
   * thrown once every partition has stopped and the producer has flushed.
   */
  private List<Produced> produceAll(List<PartitionTask> work, RestoreState state, Map<String, Long> endNow, BackupManifest last) {
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    java.util.concurrent.ExecutorService verifiers = java.util.concurrent.Executors.newFixedThreadPool(threads, daemon("streamdr-restore-verify"));
    java.util.concurrent.ExecutorService producers = java.util.concurrent.Executors.newFixedThreadPool(
        Math.min(parallelism, work.size()), daemon("streamdr-restore-produce"));
    AtomicReference<SendFailure> sendFailure = new AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    List<Future<Produced>> futures = new ArrayList<>();
    RuntimeException first = null;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (PartitionTask task : work) {
        Future<?> verified = verifiers.submit(() -> verify(task.segments()));
        futures.add(producers.submit(() -> {
          try {
            awaitVerified(verified);
            if (stop.get()) {
              return null;
            }
            String tpKey = targetTopic(task.topic()) + "-" + task.partition();
            long base = state.baseOffsets().get(tpKey);
            return produce(producer, task, base, endNow.get(tpKey) - base, groupOffsets(last, task.topic(), task.partition()),
                sendFailure, stop);
          } catch (RuntimeException e) {
            stop.set(true);
            throw e;
          }
        }));
      }
      List<Produced> out = new ArrayList<>();
      for (Future<Produced> f : futures) {
        try {
          out.add(f.get());
        } catch (ExecutionException e) {
          RuntimeException cause = e.getCause() instanceof RuntimeException r ? r
              : new DrException("Restoring a partition of %s failed: %s".formatted(backupId, e.getCause()), e.getCause());
          first = first == null ? cause : first;
        } catch (InterruptedException e) {
          stop.set(true);
          Thread.currentThread().interrupt();
          throw new DrException("Interrupted while restoring " + backupId, e);
        }
      }
      producer.flush();
      if (first != null) {
        throw first;
      }
      SendFailure failed = sendFailure.get();
      if (failed != null) {
        throw new DrException("topic", failed.topic(), "Producing to %s-%d failed: %s; run the same restore again to resume without duplicates"
            .formatted(failed.topic(), failed.partition(), failed.cause().getMessage()), failed.cause(), true);
      }
      return out;
    } finally {
      stop.set(true);
      producers.shutdown();
      verifiers.shutdownNow();
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private static void awaitVerified(Future<?> verification) {
    try {
      verification.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new DrException("Verifying a backup segment failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DrException("Interrupted while verifying backup segments", e);
    }
  }

  /**
   * Produces one partition's records after the {@code already} ones a previous run wrote, in order. Stops early when
   * {@code stop} is set (another partition failed); what it sent stays, and a new run resumes after it.
   */
  private Produced produce(KafkaProducer<byte[], byte[]> producer, PartitionTask task, long base, long already,
      Map<String, Long> groupSource, AtomicReference<SendFailure> sendFailure, java.util.concurrent.atomic.AtomicBoolean stop) {
    String topic = task.topic();
    int partition = task.partition();
    String target = targetTopic(topic);
    long index = 0; // position in the restored sequence = target offset - base
    long produced = 0;
    long cut = 0;
    Map<String, Long> mapped = new TreeMap<>();
    boolean timeCut = false;
    for (Seg s : task.segments()) {
      if (timeCut || stop.get() || sendFailure.get() != null) {
        break;
      }
      try (InputStream in = source.open(new BackupKey(s.entry().key()));
           SegmentFormat.Reader reader = new SegmentFormat.Reader(in, s.entry().key())) {
        for (BackupRecord r; (r = reader.next()) != null; ) {
          if (pointInTime != null && r.timestamp() > pointInTime.toEpochMilli()) {
            timeCut = true;
          }
          if (timeCut) {
            cut++;
            continue;
          }
          for (Map.Entry<String, Long> g : groupSource.entrySet()) {
            if (!mapped.containsKey(g.getKey()) && r.offset() >= g.getValue()) {
              mapped.put(g.getKey(), base + index);
            }
          }
          if (index >= already) {
            RecordHeaders headers = new RecordHeaders();
            r.headers().forEach(h -> headers.add(new RecordHeader(h.getKey(), h.getValue())));
            producer.send(new ProducerRecord<>(target, partition, r.timestamp(), r.key(), r.value(), headers), (md, e) -> {
              if (e != null) {
                sendFailure.compareAndSet(null, new SendFailure(target, partition, e));
              }
            });
            produced++;
          }
          index++;
          if (stop.get() || sendFailure.get() != null) {
            break;
          }
        }
      } catch (IOException e) {
        throw new BackupIoException(new BackupKey(s.entry().key()), "read", e);
      }
    }
    Map<String, Long> groupOffsets = new TreeMap<>();
    for (String group : groupSource.keySet()) {
      groupOffsets.put(group, mapped.getOrDefault(group, base + index));
    }
    if (stop.get() || sendFailure.get() != null) {
      LOG.info("Stopped restoring {}-{} -> {}-{} after {} produced: the restore failed", topic, partition, target, partition, produced);
    } else {
      LOG.info("Restored {}-{} -> {}-{}: {} produced, {} already there, {} after the point in time", topic, partition, target,
          partition, produced, Math.min(already, index), cut);
    }
    return new Produced(new RestoreReport.PartitionRestore(topic, target, partition, produced, Math.min(already, index), cut), groupOffsets);
  }

  private void commitGroups(Admin admin, Map<String, Map<String, Long>> groupTargets)
      throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
    if (groupTargets.isEmpty()) {
      return;
    }
    var described = admin.describeConsumerGroups(groupTargets.keySet()).describedGroups();
    for (Map.Entry<String, Map<String, Long>> g : groupTargets.entrySet()) {
      ConsumerGroupDescription d;
      try {
        d = described.get(g.getKey()).get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
          throw e;
        }
        d = null; // the group does not exist on the target yet
      }
      if (d != null && !d.members().isEmpty()) {
        throw new ConflictException("consumer group", g.getKey(),
            "Consumer group '%s' has %d active member(s) on the target; stop its consumers, then run the restore again to set its offsets"
                .formatted(g.getKey(), d.members().size()));
      }
      if (d != null && d.groupState() != GroupState.EMPTY && d.groupState() != GroupState.DEAD && d.groupState() != GroupState.UNKNOWN) {
        throw new ConflictException("consumer group", g.getKey(), "Consumer group '%s' is %s on the target; it must be empty to set its offsets"
            .formatted(g.getKey(), d.groupState()));
      }
      Map<TopicPartition, OffsetAndMetadata> current = admin.listConsumerGroupOffsets(Map.of(g.getKey(), new ListConsumerGroupOffsetsSpec()))
          .partitionsToOffsetAndMetadata(g.getKey()).get(60, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetAndMetadata> update = new HashMap<>();
      for (Map.Entry<String, Long> e : g.getValue().entrySet()) {
        int dash = e.getKey().lastIndexOf('-');
        TopicPartition tp = new TopicPartition(e.getKey().substring(0, dash), Integer.parseInt(e.getKey().substring(dash + 1)));
        OffsetAndMetadata existing = current.get(tp);
        long to = existing != null ? Math.max(existing.offset(), e.getValue()) : e.getValue();
        e.setValue(to);
        update.put(tp, new OffsetAndMetadata(to, "restored by StreamDR"));
      }
      admin.alterConsumerGroupOffsets(g.getKey(), update).all().get(60, TimeUnit.SECONDS);
    }
  }

  /** Builder for {@link TopicRestore}. */
  public static final class Builder {
    static final int DEFAULT_PARALLELISM = 8;
    private final BackupTarget source;
    private final Map<String, Object> clientConfig;
    private final String backupId;
    private final Map<String, String> renames = new LinkedHashMap<>();
    private Set<String> topics = Set.of();
    private Instant pointInTime;
    private Integer replicationFactor;
    private boolean restoreGroups = true;
    private int parallelism = DEFAULT_PARALLELISM;

    private Builder(BackupTarget source, Map<String, Object> clientConfig, String backupId) {
      this.source = Checks.requireNonNull(source, "source");
      this.clientConfig = new HashMap<>(Checks.requireNonNull(clientConfig, "client config"));
      if (!this.clientConfig.containsKey("bootstrap.servers")) {
        throw new InvalidRequestException("Kafka client config has no 'bootstrap.servers'; add the target cluster's bootstrap servers");
      }
      this.backupId = Checks.requireNonBlank(backupId, "backup id");
    }

    /** Restore {@code from} as {@code to}. */
    public Builder rename(String from, String to) {
      renames.put(Checks.requireNonBlank(from, "topic"), Checks.requireNonBlank(to, "new topic name"));
      return this;
    }

    /** Restore only these topics (default: all in the backup). */
    public Builder topics(Set<String> topics) {
      this.topics = Set.copyOf(topics);
      return this;
    }

    /** Leave out, per partition, everything from the first record stamped after this instant. */
    public Builder pointInTime(Instant instant) {
      this.pointInTime = instant;
      return this;
    }

    /** Replication factor of topics the restore creates (default: the captured one). */
    public Builder replicationFactor(int rf) {
      this.replicationFactor = rf;
      return this;
    }

    /** Whether to commit stored consumer group offsets on the target (default true). */
    public Builder restoreGroups(boolean restore) {
      this.restoreGroups = restore;
      return this;
    }

    /**
     * How many partitions are produced at once (default 8). One producer carries them
     * all, so with more partitions in flight each produce request holds more batches and more leader brokers are
     * written at the same time: what bounds a restore over a network with real round trips. Each partition in flight
     * holds one open segment reader.
     */
    public Builder parallelism(int partitions) {
      if (partitions < 1) {
        throw new InvalidRequestException("restore parallelism", String.valueOf(partitions),
            "Restore parallelism must be at least 1 partition at a time, was %d".formatted(partitions));
      }
      this.parallelism = partitions;
      return this;
    }

    public TopicRestore build() {
      return new TopicRestore(this);
    }
  }
}
