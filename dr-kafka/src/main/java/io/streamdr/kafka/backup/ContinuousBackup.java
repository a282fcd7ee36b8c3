package io.streamdr.kafka.backup;

import io.streamdr.core.ConflictException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.UnreachableException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Checks;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backup written continuously, partition by partition, by writers that may stop, move and resume at any time (the
 * sink connector of {@code streamdr-connect-backup}). Its segments are those of {@link TopicBackup}, kept under
 * {@code continuous-backups/<name>/data/<topic>/<partition>/}; a segment is published whole or not at all, and a
 * writer resumes one past the last record its partition's published segments hold ({@link #resumeOffset}), so what
 * is published holds every record once.
 *
 * <p>A <em>checkpoint</em> is a restorable point: an ordinary topic-backup manifest, id {@code <name>@<instant>}, that
 * lists per partition the segments published when it was taken, with the topics' metadata and the chosen groups'
 * offsets. Restore, verification and the catalog treat it as any full backup; {@link #checkpointAt} picks the one
 * for a point in time, {@link #prune} thins them.
 *
 * <p>Writing segments and reading what is published are safe from any thread and process; an instance remembers what
 * its last checkpoint listed, so one thread takes an instance's checkpoints.
 */
public final class ContinuousBackup {
  private static final Logger LOG = LoggerFactory.getLogger(ContinuousBackup.class);
  /** The instant in a checkpoint's id: sortable, and valid in a file name and an object key. */
  private static final DateTimeFormatter INSTANT = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern CHECKPOINT_ID = Pattern.compile("[^@/]+@\\d{8}T\\d{6}\\.\\d{3}Z");
  private final BackupTarget target;
  private final String name;
  private final Clock clock;
  /** Per partition, the segments the last checkpoint listed: a checkpoint reads only the stats of newer ones. */
  private final Map<TopicPartition, List<BackupManifest.SegmentEntry>> listed = new HashMap<>();
  /** Per topic, the topic id the checkpoints recorded: a topic recreated under the same name has another. */
  private final Map<String, String> topicIds = new HashMap<>();
  private boolean seeded;

  public ContinuousBackup(BackupTarget target, String name) {
    this(target, name, Clock.systemUTC());
  }

  public ContinuousBackup(BackupTarget target, String name, Clock clock) {
    this.target = Checks.requireNonNull(target, "target");
    this.name = Checks.requireNonBlank(name, "continuous backup name");
    if (name.contains("@")) {
      throw new InvalidRequestException(ResourceType.BACKUP, name,
          "Continuous backup name '%s' contains '@', which separates a checkpoint's name from its instant; choose a name without it".formatted(name));
    }
    BackupKey.of("continuous-backups", name); // validates the name as a key segment
    this.clock = Checks.requireNonNull(clock, "clock");
  }

  public String name() {
    return name;
  }

  /** The id of this backup's checkpoint taken at {@code at}. */
  public String checkpointId(Instant at) {
    return name + "@" + INSTANT.format(at);
  }

  /** The instant in a checkpoint id of this backup, or empty if {@code backupId} is not one. */
  public Optional<Instant> checkpointInstant(String backupId) {
    if (!backupId.startsWith(name + "@")) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.from(INSTANT.parse(backupId.substring(name.length() + 1))));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private String prefix(TopicPartition tp) {
    return PublishedSegments.dataPrefix("continuous-backups/" + name, tp);
  }

  /**
   * The offset a writer of {@code tp} resumes at: one past the last record of its newest published segment, whoever
   * wrote it; empty if none is published. Segments are named by their first offset, so only the newest one's stats
   * are read.
   */
  public OptionalLong resumeOffset(TopicPartition tp) {
    BackupKey newest = null;
    for (BackupObject o : target.list(prefix(tp))) {
      if (o.key().value().endsWith(".seg") && (newest == null || o.key().value().compareTo(newest.value()) > 0)) {
        newest = o.key();
      }
    }
    return newest == null ? OptionalLong.empty() : OptionalLong.of(PublishedSegments.stats(target, newest).lastOffset() + 1);
  }

  /** Starts the segment of {@code tp} whose first record has {@code firstOffset}. */
  public Segment startSegment(TopicPartition tp, long firstOffset, int compressionLevel) {
    BackupKey key = PublishedSegments.segmentKey(prefix(tp), firstOffset);
    return new Segment(target, tp, key, new SegmentFile(target, key, compressionLevel));
  }

  /**
   * One segment being written: records appended in offset order, then published atomically (with its SHA-256 and
   * stats beside it) or aborted, leaving nothing. Not thread-safe.
   */
  public static final class Segment {
    private final BackupTarget target;
    private final TopicPartition tp;
    private final BackupKey key;
    private final SegmentFile file;
    private final long startedNanos = System.nanoTime();

    private Segment(BackupTarget target, TopicPartition tp, BackupKey key, SegmentFile file) {
      this.target = target;
      this.tp = tp;
      this.key = key;
      this.file = file;
    }

    /** Appends a record; {@code key} and {@code value} may be null, kept distinct from empty. */
    public void write(long offset, long timestamp, byte timestampType, byte[] key, byte[] value,
        List<Map.Entry<String, byte[]>> headers) {
      file.write(offset, timestamp, timestampType, key == null ? null : ByteBuffer.wrap(key),
          value == null ? null : ByteBuffer.wrap(value), headers);
    }

    /** Bytes appended before compression. */
    public long uncompressedBytes() {
      return file.uncompressedBytes();
    }

    /** How long ago the segment was started. */
    public Duration age() {
      return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /**
     * Publishes the segment, unless a segment of its partition starting at the same offset is published already: then
     * another writer holds the partition (or held it and kept running after it moved), and this one is abandoned.
     *
     * @throws ConflictException if such a segment exists; resume at {@link #resumeOffset} of the partition
     */
    public Published publish() {
      if (target.exists(key)) {
        file.abort();
        throw new ConflictException(ResourceType.BACKUP, key.value(), ("Segment %s of %s was published by another writer while "
            + "this one wrote it; this one is abandoned: resume the partition where its published segments end").formatted(key, tp));
      }
      SegmentStats stats = file.publish();
      return new Published(stats.lastOffset() + 1, stats.records(), stats.bytes());
    }

    /** Abandons the segment: nothing of it is published. */
    public void abort() {
      file.abort();
    }
  }

  /**
   * A published segment.
   *
   * @param nextOffset the offset its partition resumes at: one past its last record
   * @param records    records in it
   * @param bytes      its size as stored
   */
  public record Published(long nextOffset, long records, long bytes) {}

  /**
   * Takes a checkpoint: reads the topics' metadata, their partitions' log start and the groups' committed offsets,
   * lists per partition the segments published now, and writes the manifest. A partition's segments are listed in
   * offset order from the oldest the source still holds (those wholly below its log start are left out); a segment
   * inside the ones before it is skipped and one overlapping the one before it ends the partition's list there,
   * logged, so no checkpoint holds a record twice. A topic deleted, or deleted and recreated, is left out (see the log).
   *
   * @throws NotFoundException if none of the topics can be checkpointed; nothing is written
   * @param admin  a client of the cluster the records come from
   * @param topics the topics backed up
   * @param groups consumer groups whose committed offsets the checkpoint records
   */
  public BackupManifest checkpoint(Admin admin, Collection<String> topics, List<String> groups, Duration timeout) {
    Instant started = clock.instant();
    String id = checkpointId(started);
    List<String> names = topics.stream().sorted().distinct().toList();
    long wait = timeout.toMillis();
    try {
      String clusterId = admin.describeCluster().clusterId().get(wait, TimeUnit.MILLISECONDS);
      Map<String, TopicDescription> descriptions = describe(admin, names, wait);
      names = names.stream().filter(descriptions::containsKey).toList();
      if (names.isEmpty()) {
        throw new NotFoundException(ResourceType.TOPIC, String.valueOf(topics), ("None of the topics %s of continuous backup %s can be "
            + "checkpointed (see the log for each); no checkpoint was written").formatted(topics, name));
      }
      Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
          .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get(wait, TimeUnit.MILLISECONDS);
      Map<String, Map<String, Map<Integer, Long>>> offsets = BackupPlanner.groupOffsets(admin, groups, Set.copyOf(names), timeout);
      Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
      descriptions.values().forEach(d -> d.partitions().forEach(p -> earliest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.earliest())));
      Map<TopicPartition, Long> logStarts = new HashMap<>();
      admin.listOffsets(earliest).all().get(wait, TimeUnit.MILLISECONDS).forEach((tp, o) -> logStarts.put(tp, o.offset()));
      List<BackupManifest.TopicEntry> entries = new ArrayList<>();
      for (String topic : names) {
        TopicDescription d = descriptions.get(topic);
        entries.add(new BackupManifest.TopicEntry(topic, d.topicId().toString(), d.partitions().size(),
            d.partitions().get(0).replicas().size(), BackupPlanner.explicitConfigs(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic))),
            List.of()));
      }
      return checkpoint(started, clusterId, entries, logStarts, offsets);
    } catch (ExecutionException e) {
      throw new UnreachableException(ResourceType.CLUSTER, String.valueOf(names),
          "Could not read the metadata of %s for checkpoint %s: %s; check that the source cluster's brokers are up and reachable"
              .formatted(names, id, e.getCause().getMessage()), e.getCause());
    } catch (InterruptedException e) {
      throw new DrInterruptedException("taking checkpoint " + id, e);
    } catch (TimeoutException e) {
      throw new DrTimeoutException(ResourceType.BACKUP, id, timeout,
          "The source cluster did not answer metadata requests for checkpoint %s of %s within %s; check that its brokers are up"
              .formatted(id, names, timeout));
    }
  }

  /**
   * The topics of {@code names} a checkpoint can hold, described. Left out, and logged: a topic that does not exist
   * (deleted: the checkpoints before keep what it held), and one whose topic id differs from the one the newest
   * checkpoint recorded (deleted and recreated: its segments hold the old topic's records, which a checkpoint must
   * not pass off as the new one's; give the new topic another continuous backup).
   */
  private Map<String, TopicDescription> describe(Admin admin, List<String> names, long wait)
      throws ExecutionException, InterruptedException, TimeoutException {
    seed();
    Map<String, TopicDescription> out = new HashMap<>();
    var futures = admin.describeTopics(names).topicNameValues();
    for (String topic : names) {
      try {
        TopicDescription d = futures.get(topic).get(wait, TimeUnit.MILLISECONDS);
        String known = topicIds.get(topic);
        if (known != null && !known.equals(d.topicId().toString())) {
          LOG.error("Continuous backup {}: topic '{}' was deleted and recreated (topic id {}, now {}); its segments hold the old "
              + "topic's records, so checkpoints leave it out from now on. Back the new topic up under another backup.name, or "
              + "remove it from this connector's topics", name, topic, known, d.topicId());
          continue;
        }
        out.put(topic, d);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
          throw e;
        }
        LOG.warn("Continuous backup {}: topic '{}' does not exist on the source cluster; this checkpoint leaves it out (the "
            + "checkpoints before keep what it held)", name, topic);
      }
    }
    return out;
  }

  /**
   * Writes the checkpoint taken at {@code started} of {@code topics} (their partitions are listed here, from the
   * published segments; those wholly below a partition's log start, deleted from the source by then, are left out).
   */
  BackupManifest checkpoint(Instant started, String clusterId, List<BackupManifest.TopicEntry> topics,
      Map<TopicPartition, Long> logStarts, Map<String, Map<String, Map<Integer, Long>>> groups) {
    seed();
    String id = checkpointId(started);
    List<BackupManifest.TopicEntry> entries = new ArrayList<>();
    for (BackupManifest.TopicEntry t : topics) {
      topicIds.put(t.name(), t.topicId());
      List<BackupManifest.PartitionEntry> partitions = new ArrayList<>();
      for (int p = 0; p < t.partitionCount(); p++) {
        TopicPartition tp = new TopicPartition(t.name(), p);
        partitions.add(partition(tp, logStarts.getOrDefault(tp, 0L)));
      }
      entries.add(new BackupManifest.TopicEntry(t.name(), t.topicId(), t.partitionCount(), t.replicationFactor(), t.configs(), partitions));
    }
    BackupManifest m = new BackupManifest(BackupManifest.FORMAT, BackupManifest.VERSION, id, BackupManifest.Type.FULL, null,
        clusterId, started, clock.instant(), entries, groups);
    target.put(BackupManifest.key(id), m.toJson());
    return m;
  }

  /** Fills what is known listed from the newest checkpoint, once: a checkpointer that restarted reads no old stats. */
  private void seed() {
    if (seeded) {
      return;
    }
    seeded = true;
    newestCheckpoint().ifPresent(m -> m.topics().forEach(t -> {
      topicIds.put(t.name(), t.topicId());
      t.partitions().forEach(p -> listed.put(new TopicPartition(t.name(), p.partition()), p.segments()));
    }));
  }

  /** The published segments of {@code tp}, in offset order, with what each holds. */
  public List<BackupManifest.SegmentEntry> segments(TopicPartition tp) {
    return segments(tp, Map.of());
  }

  /** The same, taking the stats of the segments in {@code known} from there. */
  private List<BackupManifest.SegmentEntry> segments(TopicPartition tp, Map<String, BackupManifest.SegmentEntry> known) {
    List<BackupManifest.SegmentEntry> all = new ArrayList<>();
    for (BackupObject o : target.list(prefix(tp))) {
      if (o.key().value().endsWith(".seg")) {
        BackupManifest.SegmentEntry s = known.get(o.key().value());
        if (s == null || s.bytes() != o.size()) {
          SegmentStats stats = PublishedSegments.stats(target, o.key());
          // a sidecar that does not describe the segment beside it (another writer published one of the two): read it
          s = (stats.bytes() == o.size() ? stats : PublishedSegments.statsByReading(target, o.key())).entry();
        }
        all.add(s);
      }
    }
    all.sort(Comparator.comparingLong(BackupManifest.SegmentEntry::firstOffset));
    return all;
  }

  private BackupManifest.PartitionEntry partition(TopicPartition tp, long logStart) {
    Map<String, BackupManifest.SegmentEntry> known = new HashMap<>();
    listed.getOrDefault(tp, List.of()).forEach(s -> known.put(s.key(), s));
    List<BackupManifest.SegmentEntry> all = segments(tp, known);
    List<BackupManifest.SegmentEntry> chain = new ArrayList<>();
    long last = -1;
    for (BackupManifest.SegmentEntry s : all) {
      if (s.lastOffset() < logStart) {
        continue; // deleted from the source by its retention: the topic as it is now no longer holds it
      }
      if (s.lastOffset() <= last) {
        continue; // wholly inside the segments before it: the same records written again
      }
      if (s.firstOffset() <= last) {
        LOG.warn("Continuous backup {}: segment {} of {} overlaps the one before it (offsets {}..{} after {}); this checkpoint "
            + "lists {} up to offset {}", name, s.key(), tp, s.firstOffset(), s.lastOffset(), last, tp, last);
        break;
      }
      chain.add(s);
      last = s.lastOffset();
    }
    listed.put(tp, chain);
    long start = chain.isEmpty() ? 0 : chain.get(0).firstOffset();
    return new BackupManifest.PartitionEntry(tp.partition(), start, last + 1 > start ? last + 1 : start,
        chain.stream().mapToLong(BackupManifest.SegmentEntry::records).sum(),
        chain.stream().mapToLong(BackupManifest.SegmentEntry::bytes).sum(), chain);
  }

  /** The ids of this backup's checkpoints and their instants, oldest first; read from the keys alone. */
  public TreeMap<Instant, String> checkpointIds() {
    TreeMap<Instant, String> out = new TreeMap<>();
    for (BackupObject o : target.list("topic-backups/" + name + "@")) {
      List<String> segs = o.key().segments();
      if (segs.size() == 3 && segs.get(2).equals("manifest.json")) {
        checkpointInstant(segs.get(1)).ifPresent(at -> out.put(at, segs.get(1)));
      }
    }
    return out;
  }

  /** The newest checkpoint, read and checked. */
  public Optional<BackupManifest> newestCheckpoint() {
    var last = checkpointIds().lastEntry();
    return last == null ? Optional.empty() : Optional.of(BackupManifest.read(target, last.getValue()));
  }

  /**
   * The checkpoint that holds the backup's records up to {@code pointInTime}: the oldest taken at or after it (every
   * record published before it is there; a restore cuts the records stamped later), or the newest if none was taken
   * after it yet. Empty if there is no checkpoint.
   */
  public Optional<String> checkpointAt(Instant pointInTime) {
    TreeMap<Instant, String> ids = checkpointIds();
    var at = ids.ceilingEntry(pointInTime);
    if (at == null) {
      at = ids.lastEntry();
    }
    return at == null ? Optional.empty() : Optional.of(at.getValue());
  }

  /** Whether {@code backupId} is a checkpoint's id: {@code <name>@<instant>}. */
  public static boolean isCheckpoint(String backupId) {
    return CHECKPOINT_ID.matcher(backupId).matches();
  }

  /** The continuous backup a checkpoint id belongs to. */
  public static String nameOf(String checkpointId) {
    return checkpointId.substring(0, checkpointId.lastIndexOf('@'));
  }

  /**
   * Which checkpoints are kept as they age: every one for {@code every}, the first of each hour (UTC) until
   * {@code hourly}, the first of each day until {@code daily}; none older. The newest is always kept.
   */
  public record Thinning(Duration every, Duration hourly, Duration daily) {
    public Thinning {
      Checks.requirePositive(every, "every");
      Checks.requirePositive(hourly, "hourly");
      Checks.requirePositive(daily, "daily");
      if (hourly.compareTo(every) < 0 || daily.compareTo(hourly) < 0) {
        throw new InvalidRequestException("Checkpoint thinning must keep every checkpoint no longer than hourly ones, and hourly "
            + "no longer than daily ones; got every %s, hourly %s, daily %s".formatted(every, hourly, daily));
      }
    }

    /** Every checkpoint for a day, hourly for a week, daily for 30 days. */
    public static Thinning defaults() {
      return new Thinning(Duration.ofDays(1), Duration.ofDays(7), Duration.ofDays(30));
    }
  }

  /**
   * The outcome of {@link #prune}.
   *
   * @param backup          the continuous backup
   * @param deleted         checkpoints deleted (or, in a dry run, that would be)
   * @param kept            checkpoints kept
   * @param segmentsDeleted segments deleted because no kept checkpoint lists them (or would be)
   * @param bytesFreed      their size
   * @param dryRun          whether nothing was deleted
   */
  public record PruneResult(String backup, List<String> deleted, List<String> kept, int segmentsDeleted, long bytesFreed,
      boolean dryRun) {}

  /**
   * Thins the checkpoints by {@code thinning} as of {@code now}, then deletes the segments no kept checkpoint lists
   * and none taken later will (those ending before where the newest checkpoint's partition ends). Checkpoints go
   * first, so a checkpoint never names a deleted segment. Segments of a topic no kept checkpoint lists are left.
   */
  public PruneResult prune(Thinning thinning, Instant now, boolean dryRun) {
    return prune(thinning, now, dryRun, Map.of());
  }

  /** The same, taking the manifests already read (by the catalog) from {@code read}. */
  PruneResult prune(Thinning thinning, Instant now, boolean dryRun, Map<String, BackupManifest> read) {
    TreeMap<Instant, String> ids = checkpointIds();
    if (ids.isEmpty()) {
      return new PruneResult(name, List.of(), List.of(), 0, 0, dryRun);
    }
    List<String> kept = new ArrayList<>();
    List<String> deleted = new ArrayList<>();
    Set<Long> hours = new java.util.HashSet<>();
    Set<Long> days = new java.util.HashSet<>();
    ids.forEach((at, id) -> { // oldest first: the first of each hour or day is the one kept, run after run
      Duration age = Duration.between(at, now);
      boolean keep;
      if (age.compareTo(thinning.every()) <= 0) {
        keep = true;
      } else if (age.compareTo(thinning.hourly()) <= 0) {
        keep = hours.add(at.getEpochSecond() / 3600);
      } else if (age.compareTo(thinning.daily()) <= 0) {
        keep = days.add(at.getEpochSecond() / 86400);
      } else {
        keep = false;
      }
      (keep || id.equals(ids.lastEntry().getValue()) ? kept : deleted).add(id);
    });
    Set<String> needed = new java.util.HashSet<>();
    Map<TopicPartition, Long> ends = new HashMap<>();
    for (String id : kept) {
      BackupManifest m = read.containsKey(id) ? read.get(id) : BackupManifest.read(target, id);
      for (BackupManifest.TopicEntry t : m.topics()) {
        for (BackupManifest.PartitionEntry p : t.partitions()) {
          p.segments().forEach(seg -> needed.add(seg.key()));
          if (id.equals(ids.lastEntry().getValue())) {
            ends.put(new TopicPartition(t.name(), p.partition()), p.endOffset());
          }
        }
      }
    }
    if (!dryRun) {
      deleted.forEach(id -> target.delete(BackupManifest.key(id)));
    }
    int segments = 0;
    long bytes = 0;
    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
      for (BackupObject o : target.list(prefix(end.getKey()))) {
        String key = o.key().value();
        if (!key.endsWith(".seg") || needed.contains(key)
            || Long.parseLong(key.substring(key.lastIndexOf('/') + 1, key.length() - 4)) >= end.getValue()
            || PublishedSegments.stats(target, o.key()).lastOffset() >= end.getValue()) {
          continue;
        }
        segments++;
        bytes += o.size();
        if (!dryRun) {
          target.delete(o.key());
          target.delete(PublishedSegments.sidecar(o.key()));
        }
      }
    }
    if (!dryRun && (!deleted.isEmpty() || segments > 0)) {
      LOG.info("Continuous backup {}: deleted {} checkpoint(s) and {} segment(s) ({} bytes), kept {} checkpoint(s)", name,
          deleted.size(), segments, bytes, kept.size());
    }
    return new PruneResult(name, deleted, kept, segments, bytes, dryRun);
  }

  @Override
  public String toString() {
    return "ContinuousBackup[" + name + " in " + target + "]";
  }
}
