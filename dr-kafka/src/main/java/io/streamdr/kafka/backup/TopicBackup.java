package io.streamdr.kafka.backup;

import io.streamdr.core.ConflictException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.progress.ProgressListener;
import io.streamdr.core.progress.ProgressTracker;
import io.streamdr.kafka.KafkaClientFactory;
import io.streamdr.kafka.internal.Bootstrap;
import io.streamdr.kafka.internal.Consumers;
import java.nio.ByteBuffer;
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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
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
  private final Duration requestTimeout;
  private final KafkaClientFactory clients;
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
    this.requestTimeout = b.requestTimeout;
    this.clients = b.clients;
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
      requireSame(backupId, type, parentId, existing.type(), existing.parent(),
          existing.topics().stream().map(BackupManifest.TopicEntry::name).toList(), "is complete");
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
    Consumer<ByteBuffer, ByteBuffer> consumer = clients.consumer(consumerConfig(), new ByteBufferDeserializer(), new ByteBufferDeserializer());
    try (Admin admin = clients.admin(adminConfig())) {
      BackupPlan plan = new BackupPlanner(target, topics, topicPattern, groups, requestTimeout, clock, servers())
          .planOrResume(backupId, type, parentId, admin, consumer);
      requireSame(backupId, type, parentId, plan.type(), plan.parent(), plan.topics().stream().map(BackupPlan.TopicPlan::name).toList(),
          "was started");
      Map<TopicPartition, List<SegmentStats>> done = new ConcurrentHashMap<>();
      Map<TopicPartition, Long> next = new HashMap<>();
      Map<TopicPartition, Long> end = new HashMap<>();
      long total = 0;
      long held = 0; // what a resumed backup already holds
      int complete = 0;
      for (BackupPlan.TopicPlan t : plan.topics()) {
        for (Map.Entry<Integer, long[]> r : t.ranges().entrySet()) {
          TopicPartition tp = new TopicPartition(t.name(), r.getKey());
          List<SegmentStats> existing = PublishedSegments.of(target, backupId, tp);
          long from = existing.isEmpty() ? r.getValue()[0] : existing.get(existing.size() - 1).lastOffset() + 1;
          done.put(tp, Collections.synchronizedList(existing));
          next.put(tp, from);
          end.put(tp, r.getValue()[1]);
          total += r.getValue()[1] - r.getValue()[0];
          held += existing.stream().mapToLong(SegmentStats::records).sum();
          complete += from >= r.getValue()[1] ? 1 : 0;
        }
      }
      ProgressTracker tracker = new ProgressTracker("backup", backupId, progress, total, next.size());
      tracker.add(held, 0);
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

  /**
   * A backup run again under its id continues or returns that backup: refused if it was another kind of backup, of
   * another parent, or lacks a topic now named, which a second run would otherwise silently not back up.
   */
  private void requireSame(String backupId, BackupManifest.Type type, String parentId, BackupManifest.Type heldType,
      String heldParent, List<String> heldTopics, String state) {
    List<String> missing = topics.stream().filter(t -> !heldTopics.contains(t)).toList();
    if (heldType == type && Objects.equals(heldParent, parentId) && missing.isEmpty()) {
      return;
    }
    String was = heldType == BackupManifest.Type.FULL ? "a full backup" : "an incremental of " + heldParent;
    String asked = type == BackupManifest.Type.FULL ? "a full backup" : "an incremental of " + parentId;
    throw new ConflictException(ResourceType.BACKUP, backupId, ("Backup %s %s as %s of %s, not %s of %s%s; give the new backup "
        + "another id").formatted(backupId, state, was, heldTopics, asked, topics.isEmpty() ? "the topics matching " + topicPattern
        : topics, missing.isEmpty() ? "" : " (it has no " + String.join(", ", missing) + ")"));
  }

  private String servers() {
    return String.valueOf(clientConfig.get("bootstrap.servers"));
  }

  private Map<String, Object> adminConfig() {
    return Consumers.adminConfig(clientConfig, requestTimeout);
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

  // ---- copying ----

  private void copy(String backupId, Consumer<ByteBuffer, ByteBuffer> consumer, Map<TopicPartition, Long> next,
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
    // serialization, compression and hashing run on writers, each owning a fixed set of partitions (order kept)
    SegmentWriterPool writers = new SegmentWriterPool(target, backupId, todo, threads, maxOpenSegments, segmentBytes,
        compressionLevel, done);
    long lastProgress = System.nanoTime();
    try {
      while (!remaining.isEmpty()) {
        writers.rethrow();
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
            long bytes = 0;
            for (ConsumerRecord<ByteBuffer, ByteBuffer> r : kept) {
              bytes += (r.key() == null ? 0 : r.key().remaining()) + (r.value() == null ? 0 : r.value().remaining());
            }
            writers.write(tp, kept, bytes);
            tracker.add(n, bytes);
          }
        }
        if (!batch.isEmpty()) {
          lastProgress = System.nanoTime();
        }
        for (var it = remaining.iterator(); it.hasNext(); ) {
          TopicPartition tp = it.next();
          if (consumer.position(tp) >= end.get(tp)) {
            writers.close(tp);
            consumer.pause(List.of(tp));
            it.remove();
            tracker.partitionDone();
          }
        }
        if (System.nanoTime() - lastProgress > stallTimeout.toNanos()) {
          throw new DrTimeoutException(ResourceType.BACKUP, backupId, stallTimeout,
              "Backup %s made no progress for %s on partitions %s; check the cluster at %s, then run the same backup again to resume"
                  .formatted(backupId, stallTimeout, remaining, servers()));
        }
      }
      writers.finish();
    } catch (RuntimeException e) {
      writers.abort();
      throw e;
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
    private Duration requestTimeout = Duration.ofSeconds(60);
    private KafkaClientFactory clients = KafkaClientFactory.DEFAULT;
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

    /** How long to wait for each metadata answer of the cluster while taking the cut (default 60 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Checks.requirePositive(timeout, "requestTimeout");
      return this;
    }

    /** Where the backup's admin client and consumer come from (default: kafka-clients' own). */
    public Builder clients(KafkaClientFactory clients) {
      this.clients = Checks.requireNonNull(clients, "client factory");
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
