package io.streamdr.kafka.restore;

import io.streamdr.core.ConflictException;
import io.streamdr.core.DrException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.OperationFailedException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.fake.InMemoryBackupTarget;
import io.streamdr.core.http.Sleeper;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Concurrency;
import io.streamdr.core.progress.ProgressListener;
import io.streamdr.core.progress.ProgressTracker;
import io.streamdr.kafka.KafkaClientFactory;
import io.streamdr.kafka.backup.BackupCatalog;
import io.streamdr.kafka.backup.BackupChain;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.kafka.internal.Bootstrap;
import io.streamdr.kafka.internal.Consumers;
import java.time.Clock;
import java.time.Duration;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores topics from a backup chain (a full backup and the incrementals after it, up to a chosen one) into the
 * same or another cluster, optionally renamed, selected and cut at a point in time.
 *
 * <p>Before anything is written (no topic created, no record produced):
 * <ul>
 *   <li>the selection is checked: every named topic and every {@link Builder#rename renamed} topic must be in the
 *       chain, and two topics may not be restored under one name;</li>
 *   <li>every segment of the chosen partitions is verified (SHA-256 and every frame's CRC), so a damaged backup writes
 *       nothing at all (unless {@link Builder#pipelined(boolean) pipelined}, where each partition is verified just
 *       before it is produced and a damaged one leaves the partitions before it restored);</li>
 *   <li>each target partition is judged by content ({@link RestorePlan.TargetState}): empty, or holding exactly
 *       the first records this restore would write (an interrupted restore, or a shorter chain or earlier point in
 *       time restored before, whatever its id) — the restore continues after them; holding all of them — nothing is
 *       written; anything else is refused, naming topic, partition and what it holds, unless
 *       {@link Builder#append(boolean) appending}.</li>
 * </ul>
 * Then missing topics are created with the captured partition count and configs (replication factor overridable),
 * with {@code message.timestamp.type=CreateTime} so original timestamps are kept, and every record goes to its
 * original partition with its key, value, headers and timestamp, through an idempotent {@code acks=all} producer.
 * A target partition therefore never holds a record twice unless the restore appends. Consumer group offsets stored
 * with the backup are mapped to the new offset of the same record; a group's committed offset is never moved
 * backwards, and groups with active members are refused. The target partitions must not receive other writes during
 * the restore.
 *
 * <p>Each segment is read from the store twice, to verify and then to produce, unless the restore is given a
 * {@link Builder#localCopyDirectory(Path) local copy directory}: then it keeps a copy of each segment it verified
 * there and produces from it, so a backup in S3 is downloaded once. The copies are deleted when the restore ends.
 */
public final class TopicRestore {
  private static final Logger LOG = LoggerFactory.getLogger(TopicRestore.class);
  private final BackupTarget source;
  private final Map<String, Object> clientConfig;
  private final String backupId;
  private final RestoreRequest request;
  private final KafkaClientFactory clients;
  private final Clock clock;
  private final Sleeper sleeper;
  private final ProgressListener progress;
  private final Path localCopyDirectory;

  private TopicRestore(Builder b) {
    this.source = b.source;
    this.clientConfig = Map.copyOf(b.clientConfig);
    this.backupId = b.backupId;
    this.request = new RestoreRequest(b.backupId, Map.copyOf(b.renames), Set.copyOf(b.topics), b.topicPattern, b.pointInTime,
        b.replicationFactor, b.restoreGroups, b.parallelism, b.append, b.pipelined, b.requestTimeout);
    this.clients = b.clients;
    this.clock = b.clock;
    this.sleeper = b.sleeper;
    this.progress = b.progress;
    this.localCopyDirectory = b.localCopyDirectory;
  }

  /**
   * The arguments come in {@link TopicBackup#builder}'s order: the cluster, then the backups.
   *
   * @param clientConfig Kafka client settings of the target cluster (bootstrap servers, security)
   * @param source       the backup target holding the backups
   * @param backupId     the last backup of the chain to restore
   */
  public static Builder builder(Map<String, Object> clientConfig, BackupTarget source, String backupId) {
    return new Builder(source, clientConfig, backupId);
  }

  /** The topics of the chain this restore writes, after checking the selection and the renames against the chain. */
  private List<BackupManifest.TopicEntry> select(BackupChain chain) {
    List<String> names = chain.topicNames();
    List<String> unknown = request.topics().stream().filter(t -> !names.contains(t)).sorted().toList();
    if (!unknown.isEmpty()) {
      throw new InvalidRequestException(ResourceType.TOPIC, unknown.get(0), "Backup %s holds no topic %s; it holds %s; nothing was written"
          .formatted(backupId, unknown.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", ")), names));
    }
    List<BackupManifest.TopicEntry> selected = chain.last().topics().stream()
        .filter(t -> request.topics().isEmpty() && request.topicPattern() == null || request.topics().contains(t.name())
            || request.topicPattern() != null && request.topicPattern().matcher(t.name()).matches())
        .toList();
    if (selected.isEmpty()) {
      throw new InvalidRequestException(ResourceType.TOPIC_PATTERN, String.valueOf(request.topicPattern()), "No topic of backup %s matches '%s'; it holds %s"
          .formatted(backupId, request.topicPattern(), names));
    }
    List<String> chosen = selected.stream().map(BackupManifest.TopicEntry::name).toList();
    for (String from : new TreeMap<>(request.renames()).keySet()) {
      if (!names.contains(from)) {
        throw new InvalidRequestException(ResourceType.TOPIC, from, "Cannot rename '%s' to '%s': backup %s holds no topic '%s' (it holds %s); nothing was written"
            .formatted(from, request.renames().get(from), backupId, from, names));
      }
      if (!chosen.contains(from)) {
        throw new InvalidRequestException(ResourceType.TOPIC, from, "Cannot rename '%s' to '%s': the topic is not among those chosen to restore %s; nothing was written"
            .formatted(from, request.renames().get(from), chosen));
      }
    }
    Map<String, String> byTarget = new TreeMap<>();
    for (String t : chosen) {
      String previous = byTarget.put(request.targetTopic(t), t);
      if (previous != null) {
        throw new InvalidRequestException(ResourceType.TOPIC, request.targetTopic(t), "Topics '%s' and '%s' would both be restored as '%s'; rename one of them"
            .formatted(previous, t, request.targetTopic(t)));
      }
    }
    return selected;
  }

  /**
   * Decides what the restore would do, writing nothing: the chain and selection checked, every target partition
   * judged. With a point in time the records are counted exactly (the chain's segments are read). Segments are not
   * verified here: {@link BackupCatalog#verify} does that.
   */
  public RestorePlan plan() {
    BackupChain chain = BackupChain.resolve(source, backupId);
    List<BackupManifest.TopicEntry> selected = select(chain);
    return onTarget("planning the restore of", admin -> judge().judge(chain, selected, RestoreTargets.read(admin, source, request, selected, chain),
        request.pointInTime() != null));
  }

  /** Runs (or resumes) the restore. */
  public RestoreReport run() {
    long started = System.nanoTime();
    BackupChain chain = BackupChain.resolve(source, backupId);
    List<BackupManifest.TopicEntry> selected = select(chain);
    SegmentSpool spool = request.pipelined() ? null : spool(chain, selected);
    BackupChain reading = spool == null ? chain : chain.readingFrom(spool.target());
    // every segment is checked while the targets are judged (both only read); nothing is written before it passed
    Verification verified = new Verification(chain, spool, request.pipelined() ? List.of() : selected, started);
    try {
      return onTarget("restoring", admin -> restore(admin, reading, selected, verified, started));
    } catch (RuntimeException e) {
      verified.await(); // a damaged backup is what to fix first: it is reported rather than a target's failure
      throw e;
    } finally {
      verified.close();
      if (spool != null) {
        spool.close();
      }
    }
  }

  /** Whether a store is on this machine: a directory, or memory. */
  private static boolean local(BackupTarget store) {
    return store instanceof FileSystemBackupTarget || store instanceof InMemoryBackupTarget;
  }

  /** A local copy of the segments to verify, where asked for; else null. */
  private SegmentSpool spool(BackupChain chain, List<BackupManifest.TopicEntry> selected) {
    if (localCopyDirectory == null) {
      return null;
    }
    long bytes = 0;
    for (BackupManifest.TopicEntry t : selected) {
      for (BackupManifest.PartitionEntry p : t.partitions()) {
        bytes += chain.segments(t.name(), p.partition()).stream().mapToLong(s -> s.entry().bytes()).sum();
      }
    }
    return bytes == 0 ? null : SegmentSpool.open(source, localCopyDirectory, bytes, backupId);
  }

  /**
   * Judges the targets, refuses a conflict, creates the missing topics, produces and commits the groups; writes
   * nothing before {@code verified} passed.
   */
  private RestoreReport restore(Admin admin, BackupChain chain, List<BackupManifest.TopicEntry> selected, Verification verified,
      long started) throws ExecutionException, InterruptedException, TimeoutException {
    RestoreTargets targets = RestoreTargets.read(admin, source, request, selected, chain);
    RestorePlan plan = judge().judge(chain, selected, targets, false);
    verified.await();
    if (!plan.conflicts().isEmpty()) {
      throw conflicts(plan);
    }
    if (plan.partitions().stream().allMatch(p -> p.state() == RestorePlan.TargetState.COMPLETE)) {
      LOG.info("Restore {} of {}: every target partition already holds every record; nothing written", targets.restoreId(), backupId);
      return new RestoreReport(targets.restoreId(), chain.ids(), plan.partitions().stream().map(p -> new RestoreReport.PartitionRestore(
          p.sourceTopic(), p.targetTopic(), p.partition(), 0, p.held(), 0)).toList(), Map.of(), true,
          Duration.ofNanos(System.nanoTime() - started));
    }
    LOG.debug("Restore of {}: targets judged after {} ms", backupId, (System.nanoTime() - started) / 1_000_000);
    // the producer starts (connection, producer id) while the topics are created
    try (Producer<byte[], byte[]> producer = clients.producer(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
      new TargetTopics(request, clock, sleeper).ensure(admin, selected, targets.existing());
      LOG.debug("Restore of {}: target topics ready after {} ms", backupId, (System.nanoTime() - started) / 1_000_000);
      return produce(admin, producer, chain, plan, targets, selected, started);
    }
  }

  /** Produces into the ready targets and commits the groups. */
  private RestoreReport produce(Admin admin, Producer<byte[], byte[]> producer, BackupChain chain, RestorePlan plan, RestoreTargets targets,
      List<BackupManifest.TopicEntry> selected, long started) throws ExecutionException, InterruptedException, TimeoutException {
    Map<TopicPartition, Long> bases = new TreeMap<>(RestoreTargets.BY_NAME);
    bases.putAll(targets.from());
    plan.partitions().stream().filter(p -> p.state() == RestorePlan.TargetState.NEW_TOPIC)
        .forEach(p -> bases.put(new TopicPartition(p.targetTopic(), p.partition()), 0L)); // a topic this restore creates starts at 0
    if (request.append() && !targets.recorded(bases)) {
      targets.record(source, bases, false);
    }
    ProgressTracker tracker = new ProgressTracker("restore", backupId, progress,
        plan.partitions().stream().mapToLong(RestorePlan.PartitionPlan::toWrite).sum(), plan.partitions().size());
    List<RestoreProducer.Produced> produced;
    try {
      produced = new RestoreProducer(request).produceAll(producer, chain, plan, tracker);
    } finally {
      tracker.finish();
    }
    List<RestoreReport.PartitionRestore> results = new ArrayList<>();
    Map<String, Map<TopicPartition, Long>> groupTargets = new TreeMap<>();
    for (RestoreProducer.Produced p : produced) {
      results.add(p.result());
      p.groupOffsets().forEach((group, offset) -> groupTargets.computeIfAbsent(group, k -> new TreeMap<>(RestoreTargets.BY_NAME))
          .put(new TopicPartition(p.result().targetTopic(), p.result().partition()), offset));
    }
    LOG.debug("Restore of {}: produced and flushed after {} ms", backupId, (System.nanoTime() - started) / 1_000_000);
    if (request.restoreGroups()) {
      GroupOffsetCommit.commit(admin, groupTargets, request.requestTimeout());
    }
    if (request.append()) {
      targets.record(source, bases, true);
    }
    Map<String, Map<String, Long>> groupsByName = new TreeMap<>();
    groupTargets.forEach((group, offsets) -> groupsByName.put(group, RestoreTargets.byName(offsets)));
    RestoreReport report = new RestoreReport(targets.restoreId(), chain.ids(), results, groupsByName, false,
        Duration.ofNanos(System.nanoTime() - started));
    LOG.info("Restore {} of {} complete: {} records produced", targets.restoreId(), backupId, report.produced());
    return report;
  }

  private RestoreJudge judge() {
    return new RestoreJudge(request, new TargetClassifier(clientConfig, clients));
  }

  /** What a call on the target cluster may throw, besides StreamDR's own exceptions. */
  @FunctionalInterface
  private interface TargetCall<T> {
    T call(Admin admin) throws ExecutionException, InterruptedException, TimeoutException;
  }

  /** Runs {@code call} with an admin client of the target cluster, reached first, its failures named in restore terms. */
  private <T> T onTarget(String what, TargetCall<T> call) {
    Bootstrap.check(clientConfig, "the restore's target cluster");
    try (Admin admin = clients.admin(adminConfig())) {
      return call.call(admin);
    } catch (ExecutionException e) {
      throw clusterFailure(e.getCause());
    } catch (InterruptedException e) {
      throw new DrInterruptedException("%s %s".formatted(what, backupId), e);
    } catch (TimeoutException e) {
      throw clusterTimeout(e);
    }
  }

  private DrException clusterFailure(Throwable cause) {
    return new OperationFailedException(ResourceType.CLUSTER, String.valueOf(clientConfig.get("bootstrap.servers")),
        "Restore of %s failed talking to the target cluster at %s: %s; run it again to resume".formatted(backupId,
            clientConfig.get("bootstrap.servers"), cause.getMessage()), cause, true);
  }

  private DrException clusterTimeout(Exception e) {
    return new DrTimeoutException(ResourceType.CLUSTER, String.valueOf(clientConfig.get("bootstrap.servers")), request.requestTimeout(),
        "Target cluster at %s did not answer within %s while restoring %s; check it is reachable, then run the restore again"
            .formatted(clientConfig.get("bootstrap.servers"), request.requestTimeout(), backupId), e);
  }

  private ConflictException conflicts(RestorePlan plan) {
    List<RestorePlan.PartitionPlan> c = plan.conflicts();
    StringBuilder sb = new StringBuilder("Restore of %s refused, nothing was written: %d target partition(s) hold records that are not this backup's"
        .formatted(backupId, c.size()));
    c.stream().limit(10).forEach(p -> sb.append("; ").append(p.targetTopic()).append('-').append(p.partition()).append(' ').append(p.detail()));
    if (c.size() > 10) {
      sb.append("; and ").append(c.size() - 10).append(" more");
    }
    sb.append(". Restore under another name (--rename FROM=TO), delete those topics first, or write after what they hold (--append)");
    return new ConflictException(ResourceType.TOPIC, c.get(0).targetTopic() + "-" + c.get(0).partition(), sb.toString());
  }

  /**
   * Every segment of the chosen partitions checked on a pool of its own (SHA-256 and every frame), started at once;
   * {@link #await()} returns when all passed or throws the first damage found. With no partitions (a pipelined
   * restore checks each as it starts), nothing.
   */
  private final class Verification implements AutoCloseable {
    private final ExecutorService pool;
    private final List<Future<Long>> checks = new ArrayList<>();
    private final long started;
    private boolean done;

    /** @param spool where to keep a copy of each segment that passed, or null */
    Verification(BackupChain chain, SegmentSpool spool, List<BackupManifest.TopicEntry> selected, long started) {
      this.started = started;
      List<BackupChain.Segment> all = new ArrayList<>();
      selected.forEach(t -> t.partitions().forEach(p -> all.addAll(chain.segments(t.name(), p.partition()))));
      // checking is CPU work on a local store (one check per core); reading a remote one waits on the network, so as
      // many segments are fetched at once as partitions are produced at once
      int threads = Math.max(Runtime.getRuntime().availableProcessors(), local(source) ? 1 : request.parallelism());
      pool = all.isEmpty() ? null : Executors.newFixedThreadPool(Math.min(all.size(), threads),
          Concurrency.daemon("streamdr-restore-verify"));
      all.forEach(seg -> checks.add(pool.submit(() -> spool == null ? BackupChain.verify(source, seg) : spool.verify(seg))));
    }

    void await() {
      if (done || pool == null) {
        return;
      }
      for (Future<Long> f : checks) {
        Concurrency.await(f, "checking a segment of backup " + backupId);
      }
      done = true;
      LOG.debug("Restore of {}: every segment verified after {} ms", backupId, (System.nanoTime() - started) / 1_000_000);
    }

    /** Stops the checks still running (a restore that failed) and waits a little for them, so none outlives its spool. */
    @Override
    public void close() {
      if (pool != null) {
        pool.shutdownNow();
        try {
          pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private Map<String, Object> adminConfig() {
    Map<String, Object> c = Consumers.adminConfig(clientConfig, request.requestTimeout());
    // The admin client retries an offset request for a partition whose leader is not yet known after
    // retry.backoff.ms, 100 ms by default: most of the wait for a new topic. Start at 5 ms; the backoff still doubles
    // on every retry up to retry.backoff.max.ms (1 s by default), so a slow cluster is not asked more often.
    c.putIfAbsent(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 5);
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

  /** Builder for {@link TopicRestore}. */
  public static final class Builder {
    static final int DEFAULT_PARALLELISM = 8;
    private final BackupTarget source;
    private final Map<String, Object> clientConfig;
    private final String backupId;
    private final Map<String, String> renames = new LinkedHashMap<>();
    private Set<String> topics = Set.of();
    private Pattern topicPattern;
    private Instant pointInTime;
    private Integer replicationFactor;
    private boolean restoreGroups = true;
    private int parallelism = DEFAULT_PARALLELISM;
    private boolean append;
    private boolean pipelined;
    private Duration requestTimeout = Duration.ofSeconds(60);
    private KafkaClientFactory clients = KafkaClientFactory.DEFAULT;
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.SYSTEM;
    private ProgressListener progress = ProgressListener.NONE;
    private Path localCopyDirectory;

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

    /** Restore only these topics of the backup (default: all); a name the backup lacks is refused. */
    public Builder topics(Set<String> topics) {
      this.topics = Set.copyOf(topics);
      return this;
    }

    /** Restore (also) the topics of the backup whose whole name matches this pattern. */
    public Builder topicPattern(Pattern pattern) {
      this.topicPattern = pattern;
      return this;
    }

    /**
     * Write the backup's records after whatever the target partitions hold (default false: a partition holding
     * anything but a prefix of the restore's own records is refused). Where the append starts is recorded with the
     * backups, so an interrupted append resumes without duplicates.
     */
    public Builder append(boolean append) {
      this.append = append;
      return this;
    }

    /**
     * Verify each partition's segments just before producing it instead of all of them before the first record
     * (default false). For restores too large to read twice in a row; a damaged segment then stops the restore with
     * the partitions before it written: a partial restore.
     */
    public Builder pipelined(boolean pipelined) {
      this.pipelined = pipelined;
      return this;
    }

    /**
     * Keep a copy of each segment in a new directory under {@code directory} as it is verified, and produce from it:
     * each segment is then read from the store once instead of twice (for a backup in S3, half the download: what
     * matters over a metered or slow link; over a fast one the local disk's writes cost about what the second
     * download saves, see docs/benchmarks.md). The copies need the chosen segments' size free, plus a tenth; where
     * the directory lacks it, or for a {@link #pipelined(boolean) pipelined} restore, the store is read twice. They
     * are deleted when the restore ends, however it ends. Default: no copy.
     */
    public Builder localCopyDirectory(Path directory) {
      this.localCopyDirectory = Checks.requireNonNull(directory, "local copy directory");
      return this;
    }

    /** Leave out, per partition, everything from the first record stamped after this instant. */
    public Builder pointInTime(Instant instant) {
      this.pointInTime = instant;
      return this;
    }

    /** Replication factor of topics the restore creates (default: the captured one). */
    public Builder replicationFactor(int rf) {
      if (rf < 1) {
        throw new InvalidRequestException(ResourceType.SETTING, String.valueOf(rf), "Replication factor must be at least 1, was %d".formatted(rf));
      }
      this.replicationFactor = rf;
      return this;
    }

    /** Whether to commit stored consumer group offsets on the target (default true). */
    public Builder restoreGroups(boolean restore) {
      this.restoreGroups = restore;
      return this;
    }

    /** Told how the restore advances: records and bytes produced of those to write, partitions done. */
    public Builder progress(ProgressListener listener) {
      this.progress = Checks.requireNonNull(listener, "progress listener");
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
        throw new InvalidRequestException(ResourceType.SETTING, String.valueOf(partitions),
            "Restore parallelism must be at least 1 partition at a time, was %d".formatted(partitions));
      }
      this.parallelism = partitions;
      return this;
    }

    /** How long to wait for each answer of the target cluster's admin API (default 60 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Checks.requirePositive(timeout, "requestTimeout");
      return this;
    }

    /** Where the restore's admin client, producer and checking consumers come from (default: kafka-clients' own). */
    public Builder clients(KafkaClientFactory clients) {
      this.clients = Checks.requireNonNull(clients, "client factory");
      return this;
    }

    /** The clock and the pauses of the wait for created topics to become available (default: the system's). */
    public Builder clock(Clock clock, Sleeper sleeper) {
      this.clock = Checks.requireNonNull(clock, "clock");
      this.sleeper = Checks.requireNonNull(sleeper, "sleeper");
      return this;
    }

    public TopicRestore build() {
      return new TopicRestore(this);
    }
  }
}
