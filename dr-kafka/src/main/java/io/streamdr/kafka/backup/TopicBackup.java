package io.streamdr.kafka.backup;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.BackupIoException;
import io.streamdr.core.ConflictException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.UnreachableException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.backup.BackupOutputStream;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Json;
import io.streamdr.core.progress.ProgressListener;
import io.streamdr.core.progress.ProgressTracker;
import io.streamdr.kafka.internal.Bootstrap;
import io.streamdr.kafka.internal.Consumers;
import io.streamdr.kafka.internal.segment.SegmentReader;
import io.streamdr.kafka.internal.segment.SegmentWriter;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backs up Kafka topics into a {@link BackupTarget}: full or incremental, finite (a consistent cut of end offsets
 * taken at the start), faithful (key and value with null distinct from empty, headers in order with duplicates,
 * timestamp and its type, original offsets with their gaps), and restartable.
 *
 * <p>Records are read with {@code isolation.level=read_committed}: aborted transactional records and control
 * markers are never stored. Each partition is written as segments (docs/backup-format.md: CRC32C per frame, zstd),
 * each published atomically with its SHA-256; the manifest ({@link BackupManifest}) is written last — a backup exists
 * only when its manifest does. Memory is bounded whatever the topic size: fetch sizes are capped, record batches
 * handed to the writer threads are bounded in bytes, and at most {@link Builder#maxOpenSegments(int)} segments are
 * open at once. One consumer fetches all partitions; {@link Builder#threads(int)} writers serialize, compress and
 * hash them in parallel, each owning a fixed set of partitions so every partition is written in order.
 *
 * <p>Resuming: the cut is recorded first ({@code plan.json}); running a backup again with the same id after a crash
 * continues from the last published segment of each partition and never publishes a partial backup. Running it
 * again after it completed returns the existing manifest.
 *
 * <pre>{@code
 * TopicBackup backup = TopicBackup.builder(Map.of("bootstrap.servers", "east:9092"), target)
 *     .topics(List.of("raw-business-events")).groups(List.of("billing")).build();
 * BackupManifest full = backup.full("2026-11-24-full");
 * BackupManifest incr = backup.incremental("2026-11-24T06-incr", full.id());
 * }</pre>
 */
public final class TopicBackup {
  private static final Logger LOG = LoggerFactory.getLogger(TopicBackup.class);
  private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private final Map<String, Object> clientConfig;
  private final BackupTarget target;
  private final List<String> topics;
  private final Pattern topicPattern;
  private final List<String> groups;
  private final long segmentBytes;
  private final int maxOpenSegments;
  private final int compressionLevel;
  private final Duration stallTimeout;
  private final int threads;
  private final Clock clock;
  private final ProgressListener progress;

  private TopicBackup(Builder b) {
    this.clientConfig = Map.copyOf(b.clientConfig);
    this.target = b.target;
    this.topics = List.copyOf(b.topics);
    this.topicPattern = b.topicPattern;
    this.groups = List.copyOf(b.groups);
    this.segmentBytes = b.segmentBytes;
    this.maxOpenSegments = b.maxOpenSegments;
    this.compressionLevel = b.compressionLevel;
    this.stallTimeout = b.stallTimeout;
    this.threads = b.threads;
    this.clock = b.clock;
    this.progress = b.progress;
  }

  /**
   * @param clientConfig Kafka client settings for the source cluster (bootstrap servers, security); consumer and
   *                     admin settings StreamDR needs are added
   * @param target       where the backup goes
   */
  public static Builder builder(Map<String, Object> clientConfig, BackupTarget target) {
    return new Builder(clientConfig, target);
  }

  /** A full backup with an id made from the current time. */
  public BackupManifest full() {
    return full(ID.format(clock.instant()) + "-full");
  }

  /** A full backup of the configured topics, under {@code backupId}. */
  public BackupManifest full(String backupId) {
    return run(backupId, BackupManifest.Type.FULL, null);
  }

  /** An incremental backup continuing {@code parentId} (itself full or incremental). */
  public BackupManifest incremental(String backupId, String parentId) {
    return run(backupId, BackupManifest.Type.INCREMENTAL, Checks.requireNonBlank(parentId, "parent backup id"));
  }

  private BackupManifest run(String backupId, BackupManifest.Type type, String parentId) {
    Checks.requireNonBlank(backupId, "backup id");
    BackupKey.of("topic-backups", backupId); // validates the id as a key segment
    if (target.exists(BackupManifest.key(backupId))) {
      BackupManifest existing = BackupManifest.read(target, backupId);
      LOG.info("Backup {} already complete ({} records); nothing to do", backupId, existing.records());
      return existing;
    }
    Bootstrap.check(clientConfig, "the cluster to back up");
    BackupTarget.CleanUp abandoned = target.removeAbandonedWrites();
    if (abandoned.objects() > 0) {
      LOG.info("Removed {} temporary object(s), {} bytes, left by backups that were killed", abandoned.objects(), abandoned.bytes());
    }
    // keys and values stay views into the fetched batches until the writer copies them into a frame: one copy, and no
    // per-record arrays kept alive across garbage collections while they wait for a writer
    KafkaConsumer<ByteBuffer, ByteBuffer> consumer = new KafkaConsumer<>(consumerConfig(), new ByteBufferDeserializer(), new ByteBufferDeserializer());
    try (Admin admin = Admin.create(adminConfig())) {
      BackupPlan plan = target.exists(BackupPlan.key(backupId)) ? readPlan(backupId) : plan(backupId, type, parentId, admin, consumer);
      Map<TopicPartition, List<SegmentStats>> done = new ConcurrentHashMap<>();
      Map<TopicPartition, Long> next = new HashMap<>();
      Map<TopicPartition, Long> end = new HashMap<>();
      for (BackupPlan.TopicPlan t : plan.topics()) {
        for (Map.Entry<Integer, long[]> r : t.ranges().entrySet()) {
          TopicPartition tp = new TopicPartition(t.name(), r.getKey());
          List<SegmentStats> existing = existingSegments(backupId, tp);
          done.put(tp, Collections.synchronizedList(existing));
          next.put(tp, existing.isEmpty() ? r.getValue()[0] : existing.get(existing.size() - 1).lastOffset() + 1);
          end.put(tp, r.getValue()[1]);
        }
      }
      long total = 0;
      long held = 0;
      int complete = 0;
      for (BackupPlan.TopicPlan t : plan.topics()) {
        for (Map.Entry<Integer, long[]> r : t.ranges().entrySet()) {
          TopicPartition tp = new TopicPartition(t.name(), r.getKey());
          total += r.getValue()[1] - r.getValue()[0];
          held += done.get(tp).stream().mapToLong(SegmentStats::records).sum();
          complete += next.get(tp) >= end.get(tp) ? 1 : 0;
        }
      }
      ProgressTracker tracker = new ProgressTracker("backup", backupId, progress, total, next.size());
      tracker.add(held, 0); // what a resumed backup already holds
      for (int i = 0; i < complete; i++) {
        tracker.partitionDone();
      }
      try {
        copy(backupId, consumer, next, end, done, tracker);
      } finally {
        tracker.finish();
      }
      BackupManifest manifest = manifest(plan, done, clock.instant());
      target.put(BackupManifest.key(backupId), manifest.toJson());
      LOG.info("Backup {} ({}) complete: {} records, {} bytes in {} topic(s)", backupId, type, manifest.records(),
          manifest.bytes(), manifest.topics().size());
      return manifest;
    } finally {
      Consumers.closeNow(consumer);
    }
  }

  private Map<String, Object> adminConfig() {
    Map<String, Object> c = new HashMap<>(clientConfig);
    c.putIfAbsent("default.api.timeout.ms", 60_000);
    return c;
  }

  private Map<String, Object> consumerConfig() {
    Map<String, Object> c = new HashMap<>(clientConfig);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.remove(ConsumerConfig.GROUP_ID_CONFIG); // assign(), never a group: a backup must not disturb consumers
    c.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024);
    c.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * 1024 * 1024);
    c.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    c.putIfAbsent(ConsumerConfig.RECEIVE_BUFFER_CONFIG, 1024 * 1024);
    c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "streamdr-backup");
    return c;
  }

  // ---- the cut ----

  private BackupPlan plan(String backupId, BackupManifest.Type type, String parentId, Admin admin,
      KafkaConsumer<ByteBuffer, ByteBuffer> consumer) {
    Instant started = clock.instant();
    try {
      String clusterId = admin.describeCluster().clusterId().get(60, TimeUnit.SECONDS);
      List<String> names = resolveTopics(admin);
      Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get(60, TimeUnit.SECONDS);
      Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
          .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get(60, TimeUnit.SECONDS);
      BackupManifest parent = parentId == null ? null : BackupManifest.read(target, parentId);
      List<TopicPartition> all = new ArrayList<>();
      descriptions.values().forEach(d -> d.partitions().forEach(p -> all.add(new TopicPartition(d.name(), p.partition()))));
      Map<TopicPartition, Long> ends = consumer.endOffsets(all, Duration.ofSeconds(60)); // the LSO under read_committed
      Map<TopicPartition, Long> starts = consumer.beginningOffsets(all, Duration.ofSeconds(60));
      List<BackupPlan.TopicPlan> topicPlans = new ArrayList<>();
      for (String name : names) {
        TopicDescription d = descriptions.get(name);
        String topicId = d.topicId().toString();
        BackupManifest.TopicEntry previous = parent == null ? null : parent.topic(name).orElse(null);
        if (previous != null && !previous.topicId().equals(topicId)) {
          throw new ConflictException(ResourceType.TOPIC, name,
              ("Topic '%s' was deleted and recreated since backup %s (topic id %s, now %s); an incremental would mix two "
                  + "different topics — take a full backup").formatted(name, parentId, previous.topicId(), topicId));
        }
        Map<Integer, long[]> ranges = new TreeMap<>();
        for (var p : d.partitions()) {
          TopicPartition tp = new TopicPartition(name, p.partition());
          long logStart = starts.get(tp);
          long from = logStart;
          if (previous != null) {
            long parentEnd = previous.partitions().stream().filter(e -> e.partition() == p.partition())
                .mapToLong(BackupManifest.PartitionEntry::endOffset).findFirst().orElse(logStart);
            if (parentEnd < logStart) {
              throw new ConflictException(ResourceType.TOPIC, name,
                  ("Partition %s starts at offset %d but backup %s ended at %d: records %d..%d were deleted by retention "
                      + "before this incremental; take a full backup").formatted(tp, logStart, parentId, parentEnd, parentEnd, logStart - 1));
            }
            from = parentEnd;
          }
          ranges.put(p.partition(), new long[] {from, Math.max(from, ends.get(tp))});
        }
        Map<String, String> explicit = new TreeMap<>();
        for (ConfigEntry e : configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name)).entries()) {
          if (e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG && !e.isSensitive()) {
            explicit.put(e.name(), e.value());
          }
        }
        topicPlans.add(new BackupPlan.TopicPlan(name, topicId, d.partitions().size(),
            d.partitions().get(0).replicas().size(), explicit, ranges));
      }
      BackupPlan plan = new BackupPlan(backupId, type, parentId, clusterId, started, topicPlans, groupOffsets(admin, Set.copyOf(names)));
      target.put(BackupPlan.key(backupId), Json.MAPPER.writeValueAsBytes(plan));
      return plan;
    } catch (ExecutionException e) {
      String servers = String.valueOf(clientConfig.get("bootstrap.servers"));
      throw new UnreachableException(ResourceType.CLUSTER, servers,
          "Could not read topic metadata from the cluster at %s for backup %s: %s; check that its brokers are up and reachable, then run the same backup again"
              .formatted(servers, backupId, e.getCause().getMessage()), e.getCause());
    } catch (InterruptedException e) {
      throw new DrInterruptedException("planning backup " + backupId, e);
    } catch (TimeoutException e) {
      String servers = String.valueOf(clientConfig.get("bootstrap.servers"));
      throw new DrTimeoutException(ResourceType.CLUSTER, servers, Duration.ofSeconds(60),
          "The cluster at %s did not answer metadata requests for backup %s within 60 s; check that its brokers are up and reachable"
              .formatted(servers, backupId));
    } catch (IOException e) {
      throw new BackupIoException(BackupPlan.key(backupId), "write", e);
    }
  }

  private List<String> resolveTopics(Admin admin) throws ExecutionException, InterruptedException, TimeoutException {
    Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
    List<String> names = new ArrayList<>();
    for (String t : topics) {
      if (!existing.contains(t)) {
        throw new NotFoundException(ResourceType.TOPIC, t, "Topic '%s' does not exist on %s; check the name or use a pattern"
            .formatted(t, clientConfig.get("bootstrap.servers")));
      }
      names.add(t);
    }
    if (topicPattern != null) {
      existing.stream().filter(t -> topicPattern.matcher(t).matches() && !names.contains(t)).sorted().forEach(names::add);
    }
    if (names.isEmpty()) {
      throw new InvalidRequestException("No topic matches %s on %s; nothing to back up".formatted(
          topicPattern == null ? topics : topicPattern.pattern(), clientConfig.get("bootstrap.servers")));
    }
    return names;
  }

  private Map<String, Map<String, Map<Integer, Long>>> groupOffsets(Admin admin, Set<String> topicNames)
      throws ExecutionException, InterruptedException, TimeoutException {
    Map<String, Map<String, Map<Integer, Long>>> out = new TreeMap<>();
    for (String group : groups) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(Map.of(group, new ListConsumerGroupOffsetsSpec()))
          .partitionsToOffsetAndMetadata(group).get(60, TimeUnit.SECONDS);
      Map<String, Map<Integer, Long>> byTopic = new TreeMap<>();
      committed.forEach((tp, om) -> {
        if (om != null && topicNames.contains(tp.topic())) {
          byTopic.computeIfAbsent(tp.topic(), t -> new TreeMap<>()).put(tp.partition(), om.offset());
        }
      });
      out.put(group, byTopic);
    }
    return out;
  }

  private BackupPlan readPlan(String backupId) {
    try {
      BackupPlan plan = Json.MAPPER.readValue(target.readAll(BackupPlan.key(backupId)), BackupPlan.class);
      LOG.info("Resuming backup {} from its recorded cut of {}", backupId, plan.startedAt());
      return plan;
    } catch (IOException e) {
      throw new BackupCorruptedException(BackupPlan.key(backupId).value(),
          "Plan of backup %s is unreadable (%s); delete topic-backups/%s/ and run the backup again".formatted(backupId, e.getMessage(), backupId), e);
    }
  }

  // ---- copying ----

  static String segmentPrefix(String backupId, TopicPartition tp) {
    return "topic-backups/" + backupId + "/data/" + tp.topic() + "/" + tp.partition() + "/";
  }

  /** Published segments of a partition, in offset order, with their stats (from sidecars, or read if missing). */
  private List<SegmentStats> existingSegments(String backupId, TopicPartition tp) {
    List<SegmentStats> out = new ArrayList<>();
    for (BackupObject o : target.list(segmentPrefix(backupId, tp))) {
      if (!o.key().value().endsWith(".seg")) {
        continue;
      }
      BackupKey sidecar = new BackupKey(o.key().value() + ".json");
      SegmentStats stats = null;
      if (target.exists(sidecar)) {
        try {
          stats = Json.MAPPER.readValue(target.readAll(sidecar), SegmentStats.class);
        } catch (IOException e) {
          stats = null;
        }
      }
      out.add(stats != null ? stats : statsByReading(o.key()));
    }
    return out;
  }

  private SegmentStats statsByReading(BackupKey key) {
    try (InputStream raw = target.open(key)) {
      MessageDigest sha = sha256();
      java.security.DigestInputStream in = new java.security.DigestInputStream(raw, sha);
      long[] counting = new long[1];
      InputStream counted = new FilterInputStream(in) {
        @Override
        public int read() throws IOException {
          int b = super.read();
          if (b >= 0) {
            counting[0]++;
          }
          return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          int n = super.read(b, off, len);
          if (n > 0) {
            counting[0] += n;
          }
          return n;
        }
      };
      long first = -1;
      long last = -1;
      long records = 0;
      long firstTs = -1;
      long maxTs = -1;
      try (SegmentReader reader = new SegmentReader(counted, key.value())) {
        for (BackupRecord r; (r = reader.next()) != null; ) {
          if (first < 0) {
            first = r.offset();
            firstTs = r.timestamp();
          }
          last = r.offset();
          maxTs = Math.max(maxTs, r.timestamp());
          records++;
        }
        counted.transferTo(OutputStream.nullOutputStream());
      }
      return new SegmentStats(key.value(), first, last, records, firstTs, maxTs, counting[0], HexFormat.of().formatHex(sha.digest()));
    } catch (IOException e) {
      throw new BackupIoException(key, "read", e);
    }
  }

  private void copy(String backupId, KafkaConsumer<ByteBuffer, ByteBuffer> consumer, Map<TopicPartition, Long> next,
      Map<TopicPartition, Long> end, Map<TopicPartition, List<SegmentStats>> done, ProgressTracker tracker) {
    List<TopicPartition> todo = new ArrayList<>();
    next.forEach((tp, n) -> {
      if (n < end.get(tp)) {
        todo.add(tp);
      }
    });
    if (todo.isEmpty()) {
      return;
    }
    consumer.assign(todo);
    todo.forEach(tp -> consumer.seek(tp, next.get(tp)));
    Set<TopicPartition> remaining = new HashSet<>(todo);
    // serialization, compression and hashing run on workers, each owning a fixed set of partitions (order kept)
    int workerCount = Math.max(1, Math.min(threads, todo.size()));
    List<Worker> workers = new ArrayList<>();
    for (int i = 0; i < workerCount; i++) {
      workers.add(new Worker(new OpenSegments(backupId, done, Math.max(1, maxOpenSegments / workerCount))));
    }
    Map<TopicPartition, Worker> owner = new HashMap<>();
    for (int i = 0; i < todo.size(); i++) {
      owner.put(todo.get(i), workers.get(i % workerCount));
    }
    long lastProgress = System.nanoTime();
    try {
      while (!remaining.isEmpty()) {
        Worker.rethrow(workers);
        ConsumerRecords<ByteBuffer, ByteBuffer> batch = consumer.poll(Duration.ofMillis(500));
        for (TopicPartition tp : batch.partitions()) {
          long stop = end.get(tp);
          List<ConsumerRecord<ByteBuffer, ByteBuffer>> records = batch.records(tp);
          int n = records.size();
          while (n > 0 && records.get(n - 1).offset() >= stop) {
            n--;
          }
          if (n > 0) {
            List<ConsumerRecord<ByteBuffer, ByteBuffer>> kept = records.subList(0, n);
            owner.get(tp).write(tp, kept);
            long bytes = 0;
            for (ConsumerRecord<ByteBuffer, ByteBuffer> r : kept) {
              bytes += (r.key() == null ? 0 : r.key().remaining()) + (r.value() == null ? 0 : r.value().remaining());
            }
            tracker.add(n, bytes);
          }
        }
        if (!batch.isEmpty()) {
          lastProgress = System.nanoTime();
        }
        for (var it = remaining.iterator(); it.hasNext(); ) {
          TopicPartition tp = it.next();
          if (consumer.position(tp) >= end.get(tp)) {
            owner.get(tp).close(tp);
            consumer.pause(List.of(tp));
            it.remove();
            tracker.partitionDone();
          }
        }
        if (System.nanoTime() - lastProgress > stallTimeout.toNanos()) {
          throw new DrTimeoutException(ResourceType.BACKUP, backupId, stallTimeout,
              "Backup %s made no progress for %s on partitions %s; check the cluster at %s, then run the same backup again to resume"
                  .formatted(backupId, stallTimeout, remaining, clientConfig.get("bootstrap.servers")));
        }
      }
      for (Worker w : workers) {
        w.finish();
      }
      Worker.rethrow(workers);
    } catch (RuntimeException e) {
      workers.forEach(Worker::abort);
      throw e;
    }
  }

  /** Bytes of record batches handed to workers and not yet written: bounds memory whatever the topic. */
  private static final int IN_FLIGHT_KIB = 64 * 1024;

  /** A single thread that writes the segments of the partitions it owns, fed in order by the polling thread. */
  private static final class Worker {
    private final OpenSegments open;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "streamdr-backup-writer");
      t.setDaemon(true);
      return t;
    });
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT_KIB);
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

    Worker(OpenSegments open) {
      this.open = open;
    }

    void write(TopicPartition tp, List<ConsumerRecord<ByteBuffer, ByteBuffer>> records) {
      long bytes = 0;
      for (ConsumerRecord<ByteBuffer, ByteBuffer> r : records) {
        bytes += r.serializedKeySize() + Math.max(0, r.serializedValueSize()) + 64;
      }
      int permits = (int) Math.min(IN_FLIGHT_KIB, Math.max(1, bytes >> 10));
      inFlight.acquireUninterruptibly(permits);
      submit(() -> {
        try {
          for (ConsumerRecord<ByteBuffer, ByteBuffer> r : records) {
            open.write(tp, r);
          }
        } finally {
          inFlight.release(permits);
        }
      });
    }

    void close(TopicPartition tp) {
      submit(() -> open.close(tp));
    }

    private void submit(Runnable task) {
      thread.execute(() -> {
        if (failure.get() != null) {
          return;
        }
        try {
          task.run();
        } catch (RuntimeException e) {
          failure.compareAndSet(null, e);
        }
      });
    }

    void finish() {
      submit(open::closeAll);
      thread.shutdown();
      try {
        if (!thread.awaitTermination(1, TimeUnit.HOURS)) {
          throw new DrTimeoutException(ResourceType.BACKUP, "writer", Duration.ofHours(1), "Backup writer did not finish within an hour");
        }
      } catch (InterruptedException e) {
        throw new DrInterruptedException("finishing a backup", e);
      }
    }

    void abort() {
      thread.shutdownNow();
      try {
        thread.awaitTermination(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      open.abortAll();
    }

    static void rethrow(List<Worker> workers) {
      for (Worker w : workers) {
        RuntimeException e = w.failure.get();
        if (e != null) {
          throw e;
        }
      }
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Segments being written by one worker, at most {@code limit} at once (least recently used is published early). */
  private final class OpenSegments {
    private final String backupId;
    private final Map<TopicPartition, List<SegmentStats>> done;
    private final int limit;
    private final LinkedHashMap<TopicPartition, Open> open = new LinkedHashMap<>(16, 0.75f, true);

    OpenSegments(String backupId, Map<TopicPartition, List<SegmentStats>> done, int limit) {
      this.backupId = backupId;
      this.done = done;
      this.limit = limit;
    }

    void write(TopicPartition tp, ConsumerRecord<ByteBuffer, ByteBuffer> r) {
      Open o = open.get(tp);
      if (o == null) {
        if (open.size() >= limit) {
          TopicPartition eldest = open.keySet().iterator().next();
          close(eldest);
        }
        o = new Open(segmentKey(tp, r.offset()));
        open.put(tp, o);
      }
      o.write(r);
      if (o.writer.uncompressedBytes() >= segmentBytes) {
        close(tp);
      }
    }

    private BackupKey segmentKey(TopicPartition tp, long firstOffset) {
      return new BackupKey(segmentPrefix(backupId, tp) + String.format("%020d", firstOffset) + ".seg");
    }

    void close(TopicPartition tp) {
      Open o = open.remove(tp);
      if (o != null) {
        done.get(tp).add(o.publish());
      }
    }

    void closeAll() {
      for (TopicPartition tp : new ArrayList<>(open.keySet())) {
        close(tp);
      }
    }

    void abortAll() {
      open.values().forEach(Open::abort);
      open.clear();
    }
  }

  private final class Open {
    private final BackupKey key;
    private final BackupOutputStream out;
    private final MessageDigest sha = sha256();
    private final long[] bytes = new long[1];
    private final SegmentWriter writer;
    private long firstTs = -1;
    private long maxTs = -1;

    Open(BackupKey key) {
      this.key = key;
      this.out = target.create(key);
      // a target that hashes what it writes reports the SHA-256 itself: the bytes are hashed once
      OutputStream hashed = out.computesSha256() ? out : new DigestOutputStream(out, sha);
      OutputStream counted = new FilterOutputStream(hashed) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
          bytes[0] += len;
        }

        @Override
        public void write(int b) throws IOException {
          out.write(b);
          bytes[0]++;
        }
      };
      this.writer = new SegmentWriter(counted, key.value(), compressionLevel);
    }

    void write(ConsumerRecord<ByteBuffer, ByteBuffer> r) {
      writer.write(r.offset(), r.timestamp(), (byte) r.timestampType().id, r.key(), r.value(), Consumers.headers(r));
      if (firstTs < 0) {
        firstTs = r.timestamp();
      }
      maxTs = Math.max(maxTs, r.timestamp());
    }

    SegmentStats publish() {
      try {
        writer.close();
      } catch (BackupIoException e) {
        out.abort();
        throw e;
      }
      out.close();
      String sha256 = out.computesSha256()
          ? out.sha256().orElseThrow(() -> new IllegalStateException("target " + target + " did not report the SHA-256 of " + key))
          : HexFormat.of().formatHex(sha.digest());
      SegmentStats stats = new SegmentStats(key.value(), writer.firstOffset(), writer.lastOffset(), writer.records(), firstTs,
          maxTs, bytes[0], sha256);
      try {
        target.put(new BackupKey(key.value() + ".json"), Json.MAPPER.writeValueAsBytes(stats));
      } catch (IOException e) {
        throw new BackupIoException(key, "write stats of", e);
      }
      return stats;
    }

    void abort() {
      out.abort(); // first: a writer still blocked writing to the target is released by the abort
      writer.discard();
    }
  }

  private static BackupManifest manifest(BackupPlan plan, Map<TopicPartition, List<SegmentStats>> done, Instant completedAt) {
    List<BackupManifest.TopicEntry> topics = new ArrayList<>();
    for (BackupPlan.TopicPlan t : plan.topics()) {
      List<BackupManifest.PartitionEntry> partitions = new ArrayList<>();
      t.ranges().forEach((p, range) -> {
        Collection<SegmentStats> segs = done.getOrDefault(new TopicPartition(t.name(), p), List.of());
        partitions.add(new BackupManifest.PartitionEntry(p, range[0], range[1], segs.stream().mapToLong(SegmentStats::records).sum(),
            segs.stream().mapToLong(SegmentStats::bytes).sum(), segs.stream().map(SegmentStats::entry).toList()));
      });
      topics.add(new BackupManifest.TopicEntry(t.name(), t.topicId(), t.partitionCount(), t.replicationFactor(), t.configs(), partitions));
    }
    return new BackupManifest(BackupManifest.FORMAT, BackupManifest.VERSION, plan.id(), plan.type(), plan.parent(),
        plan.sourceClusterId(), plan.startedAt(), completedAt, topics, plan.groups());
  }

  /** Builder for {@link TopicBackup}. */
  public static final class Builder {
    private final Map<String, Object> clientConfig;
    private final BackupTarget target;
    private List<String> topics = List.of();
    private Pattern topicPattern;
    private List<String> groups = List.of();
    private long segmentBytes = 64L * 1024 * 1024;
    private int maxOpenSegments = 16;
    private int compressionLevel = 1;
    private int threads = Runtime.getRuntime().availableProcessors();
    private Duration stallTimeout = Duration.ofMinutes(2);
    private Clock clock = Clock.systemUTC();
    private ProgressListener progress = ProgressListener.NONE;

    private Builder(Map<String, Object> clientConfig, BackupTarget target) {
      this.clientConfig = new HashMap<>(Checks.requireNonNull(clientConfig, "client config"));
      if (!this.clientConfig.containsKey("bootstrap.servers")) {
        throw new InvalidRequestException("Kafka client config has no 'bootstrap.servers'; add the source cluster's bootstrap servers");
      }
      this.target = Checks.requireNonNull(target, "target");
    }

    public Builder topics(List<String> topics) {
      this.topics = List.copyOf(topics);
      return this;
    }

    /** Also back up every topic whose whole name matches (evaluated when each backup starts). */
    public Builder topicPattern(Pattern pattern) {
      this.topicPattern = pattern;
      return this;
    }

    /** Consumer groups whose committed offsets (on the backed-up topics) are stored with each backup. */
    public Builder groups(List<String> groups) {
      this.groups = List.copyOf(groups);
      return this;
    }

    /** Uncompressed size at which a segment is closed and a new one started (default 64 MiB). */
    public Builder segmentBytes(long bytes) {
      this.segmentBytes = Checks.requireAtLeast(bytes, 1024, "segment bytes");
      return this;
    }

    /** How many partitions' segments may be open at once, bounding memory (default 16). */
    public Builder maxOpenSegments(int n) {
      this.maxOpenSegments = Checks.requirePositive(n, "max open segments");
      return this;
    }

    /**
     * zstd level (default 1: zstd's fast mode, still compressing JSON change events ~30 to 1; level 3 compresses
     * incompressible data at a third of the speed).
     */
    public Builder compressionLevel(int level) {
      int min = com.github.luben.zstd.Zstd.minCompressionLevel();
      int max = com.github.luben.zstd.Zstd.maxCompressionLevel();
      if (level < min || level > max) {
        throw new InvalidRequestException(ResourceType.SETTING, "compression level",
            "zstd compression level must be between %d and %d, was %d".formatted(min, max, level));
      }
      this.compressionLevel = level;
      return this;
    }

    /** Threads that serialize, compress and hash segments, each owning some partitions (default: one per core). */
    public Builder threads(int threads) {
      this.threads = Checks.requirePositive(threads, "backup threads");
      return this;
    }

    /** Told how the backup advances: records and bytes read, partitions done (see {@link ProgressListener}). */
    public Builder progress(ProgressListener listener) {
      this.progress = Checks.requireNonNull(listener, "progress listener");
      return this;
    }

    /** Fail if no record arrives for this long while partitions are unfinished (default 2 minutes). */
    public Builder stallTimeout(Duration timeout) {
      this.stallTimeout = Checks.requirePositive(timeout, "stallTimeout");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    public TopicBackup build() {
      if (topics.isEmpty() && topicPattern == null) {
        throw new InvalidRequestException("A topic backup needs topics to back up: name them (--topics) or give a pattern (--pattern)");
      }
      return new TopicBackup(this);
    }
  }
}
