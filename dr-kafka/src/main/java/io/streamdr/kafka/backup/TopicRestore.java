package io.streamdr.kafka.backup;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.BackupIoException;
import io.streamdr.core.ConflictException;
import io.streamdr.core.DrException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.OperationFailedException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Json;
import io.streamdr.core.progress.ProgressListener;
import io.streamdr.core.progress.ProgressTracker;
import io.streamdr.kafka.internal.Bootstrap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
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
 */
public final class TopicRestore {
  private static final Logger LOG = LoggerFactory.getLogger(TopicRestore.class);
  private final BackupTarget source;
  private final Map<String, Object> clientConfig;
  private final String backupId;
  private final Map<String, String> renames;
  private final Set<String> topics;
  private final Pattern topicPattern;
  private final Instant pointInTime;
  private final Integer replicationFactor;
  private final boolean restoreGroups;
  private final int parallelism;
  private final boolean append;
  private final boolean pipelined;
  private final ProgressListener progress;

  private TopicRestore(Builder b) {
    this.source = b.source;
    this.clientConfig = Map.copyOf(b.clientConfig);
    this.backupId = b.backupId;
    this.renames = Map.copyOf(b.renames);
    this.topics = Set.copyOf(b.topics);
    this.topicPattern = b.topicPattern;
    this.pointInTime = b.pointInTime;
    this.replicationFactor = b.replicationFactor;
    this.restoreGroups = b.restoreGroups;
    this.parallelism = b.parallelism;
    this.append = b.append;
    this.pipelined = b.pipelined;
    this.progress = b.progress;
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

  private String targetTopic(String topic) {
    return renames.getOrDefault(topic, topic);
  }

  /** The topics of the chain this restore writes, after checking the selection and the renames against the chain. */
  private List<BackupManifest.TopicEntry> select(BackupChain chain) {
    List<String> names = chain.topicNames();
    List<String> unknown = topics.stream().filter(t -> !names.contains(t)).sorted().toList();
    if (!unknown.isEmpty()) {
      throw new InvalidRequestException(ResourceType.TOPIC, unknown.get(0), "Backup %s holds no topic %s; it holds %s; nothing was written"
          .formatted(backupId, unknown.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", ")), names));
    }
    List<BackupManifest.TopicEntry> selected = chain.last().topics().stream()
        .filter(t -> topics.isEmpty() && topicPattern == null || topics.contains(t.name())
            || topicPattern != null && topicPattern.matcher(t.name()).matches())
        .toList();
    if (selected.isEmpty()) {
      throw new InvalidRequestException(ResourceType.TOPIC_PATTERN, String.valueOf(topicPattern), "No topic of backup %s matches '%s'; it holds %s"
          .formatted(backupId, topicPattern, names));
    }
    List<String> chosen = selected.stream().map(BackupManifest.TopicEntry::name).toList();
    for (String from : new TreeMap<>(renames).keySet()) {
      if (!names.contains(from)) {
        throw new InvalidRequestException(ResourceType.TOPIC, from, "Cannot rename '%s' to '%s': backup %s holds no topic '%s' (it holds %s); nothing was written"
            .formatted(from, renames.get(from), backupId, from, names));
      }
      if (!chosen.contains(from)) {
        throw new InvalidRequestException(ResourceType.TOPIC, from, "Cannot rename '%s' to '%s': the topic is not among those chosen to restore %s; nothing was written"
            .formatted(from, renames.get(from), chosen));
      }
    }
    Map<String, String> byTarget = new TreeMap<>();
    for (String t : chosen) {
      String previous = byTarget.put(targetTopic(t), t);
      if (previous != null) {
        throw new InvalidRequestException(ResourceType.TOPIC, targetTopic(t), "Topics '%s' and '%s' would both be restored as '%s'; rename one of them"
            .formatted(previous, t, targetTopic(t)));
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
    return onTarget("planning the restore of", admin -> judge(chain, selected, targets(admin, selected, chain), pointInTime != null));
  }

  /** Runs (or resumes) the restore. */
  public RestoreReport run() {
    long started = System.nanoTime();
    BackupChain chain = BackupChain.resolve(source, backupId);
    List<BackupManifest.TopicEntry> selected = select(chain);
    if (!pipelined) {
      verifyAll(chain, selected);
      LOG.debug("Restore of {}: every segment verified after {} ms", backupId, (System.nanoTime() - started) / 1_000_000);
    }
    return onTarget("restoring", admin -> restore(admin, chain, selected, started));
  }

  /** Judges the targets, refuses a conflict, creates the missing topics, produces and commits the groups. */
  private RestoreReport restore(Admin admin, BackupChain chain, List<BackupManifest.TopicEntry> selected, long started)
      throws ExecutionException, InterruptedException, TimeoutException, IOException {
    Targets targets = targets(admin, selected, chain);
    RestorePlan plan = judge(chain, selected, targets, false);
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
    ensureTopics(admin, selected, targets.existing());
    LOG.debug("Restore of {}: target topics ready after {} ms", backupId, (System.nanoTime() - started) / 1_000_000);
    Map<TopicPartition, Long> bases = new TreeMap<>(BY_NAME);
    bases.putAll(targets.from());
    plan.partitions().stream().filter(p -> p.state() == RestorePlan.TargetState.NEW_TOPIC)
        .forEach(p -> bases.put(new TopicPartition(p.targetTopic(), p.partition()), 0L)); // a topic this restore creates starts at 0
    if (append && (targets.state() == null || !targets.state().baseOffsets().keySet().containsAll(byName(bases).keySet()))) {
      source.put(targets.stateKey(), Json.MAPPER.writeValueAsBytes(new RestoreState(targets.restoreId(), byName(bases), false)));
    }
    ProgressTracker tracker = new ProgressTracker("restore", backupId, progress,
        plan.partitions().stream().mapToLong(RestorePlan.PartitionPlan::toWrite).sum(), plan.partitions().size());
    List<Produced> produced;
    try {
      produced = produceAll(chain, plan, tracker);
    } finally {
      tracker.finish();
    }
    List<RestoreReport.PartitionRestore> results = new ArrayList<>();
    Map<String, Map<TopicPartition, Long>> groupTargets = new TreeMap<>();
    for (Produced p : produced) {
      results.add(p.result());
      p.groupOffsets().forEach((group, offset) -> groupTargets.computeIfAbsent(group, k -> new TreeMap<>(BY_NAME))
          .put(new TopicPartition(p.result().targetTopic(), p.result().partition()), offset));
    }
    LOG.debug("Restore of {}: produced and flushed after {} ms", backupId, (System.nanoTime() - started) / 1_000_000);
    if (restoreGroups) {
      commitGroups(admin, groupTargets);
    }
    if (append) {
      source.put(targets.stateKey(), Json.MAPPER.writeValueAsBytes(new RestoreState(targets.restoreId(), byName(bases), true)));
    }
    Map<String, Map<String, Long>> groupsByName = new TreeMap<>();
    groupTargets.forEach((group, offsets) -> groupsByName.put(group, byName(offsets)));
    RestoreReport report = new RestoreReport(targets.restoreId(), chain.ids(), results, groupsByName, false,
        Duration.ofNanos(System.nanoTime() - started));
    LOG.info("Restore {} of {} complete: {} records produced", targets.restoreId(), backupId, report.produced());
    return report;
  }

  /** What a call on the target cluster may throw, besides StreamDR's own exceptions. */
  @FunctionalInterface
  private interface TargetCall<T> {
    T call(Admin admin) throws ExecutionException, InterruptedException, TimeoutException, IOException;
  }

  /** Runs {@code call} with an admin client of the target cluster, reached first, its failures named in restore terms. */
  private <T> T onTarget(String what, TargetCall<T> call) {
    Bootstrap.check(clientConfig, "the restore's target cluster");
    try (Admin admin = Admin.create(adminConfig())) {
      return call.call(admin);
    } catch (ExecutionException e) {
      throw clusterFailure(e.getCause());
    } catch (InterruptedException e) {
      throw new DrInterruptedException("%s %s".formatted(what, backupId), e);
    } catch (TimeoutException e) {
      throw clusterTimeout(e);
    } catch (IOException e) {
      throw new BackupIoException(backupId, "write restore state of", e);
    }
  }

  private DrException clusterFailure(Throwable cause) {
    return new OperationFailedException(ResourceType.CLUSTER, String.valueOf(clientConfig.get("bootstrap.servers")),
        "Restore of %s failed talking to the target cluster at %s: %s; run it again to resume".formatted(backupId,
            clientConfig.get("bootstrap.servers"), cause.getMessage()), cause, true);
  }

  private DrException clusterTimeout(Exception e) {
    return new DrTimeoutException(ResourceType.CLUSTER, String.valueOf(clientConfig.get("bootstrap.servers")), Duration.ofSeconds(60),
        "Target cluster at %s did not answer within 60 s while restoring %s; check it is reachable, then run the restore again"
            .formatted(clientConfig.get("bootstrap.servers"), backupId), e);
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

  /** Verifies every segment of the chosen partitions, in parallel; the first damaged one fails the restore. */
  private void verifyAll(BackupChain chain, List<BackupManifest.TopicEntry> selected) {
    List<BackupChain.Segment> all = new ArrayList<>();
    selected.forEach(t -> t.partitions().forEach(p -> all.addAll(chain.segments(t.name(), p.partition()))));
    ExecutorService pool = Executors.newFixedThreadPool(
        Math.max(1, Math.min(all.size(), Runtime.getRuntime().availableProcessors())), daemon("streamdr-restore-verify"));
    try {
      List<Future<Long>> checks = new ArrayList<>();
      all.forEach(s -> checks.add(pool.submit(() -> BackupChain.verify(source, s))));
      for (Future<Long> f : checks) {
        getOrThrow(f);
      }
    } finally {
      pool.shutdownNow();
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

  private String restoreId(List<String> chain, String clusterId) {
    MessageDigest sha = TopicBackup.sha256();
    chain.forEach(id -> sha.update(id.getBytes(StandardCharsets.UTF_8)));
    sha.update(clusterId.getBytes(StandardCharsets.UTF_8));
    new TreeMap<>(renames).forEach((k, v) -> sha.update((k + "=" + v).getBytes(StandardCharsets.UTF_8)));
    new TreeSet<>(topics).forEach(t -> sha.update(t.getBytes(StandardCharsets.UTF_8)));
    sha.update(String.valueOf(topicPattern).getBytes(StandardCharsets.UTF_8));
    sha.update(String.valueOf(pointInTime).getBytes(StandardCharsets.UTF_8));
    sha.update((append ? "append" : "").getBytes(StandardCharsets.UTF_8));
    return backupId + "-" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
  }

  /** Where an append started on each target partition ("topic-partition" → offset), recorded before it writes. */
  private record RestoreState(String restoreId, Map<String, Long> baseOffsets, boolean complete) {}

  /** Partitions in the order of their names, as the restore state and the report list them. */
  private static final Comparator<TopicPartition> BY_NAME = Comparator.comparing(TopicPartition::topic)
      .thenComparingInt(TopicPartition::partition);

  /** A partition's name in the restore state and the report: {@code topic-partition}. */
  private static String name(TopicPartition tp) {
    return tp.topic() + "-" + tp.partition();
  }

  private static Map<String, Long> byName(Map<TopicPartition, Long> offsets) {
    Map<String, Long> out = new TreeMap<>();
    offsets.forEach((tp, offset) -> out.put(name(tp), offset));
    return out;
  }

  private RestoreState readState(BackupKey key) {
    try {
      return Json.MAPPER.readValue(source.readAll(key), RestoreState.class);
    } catch (IOException e) {
      throw new BackupCorruptedException(key.value(), "Restore state %s is unreadable: %s".formatted(key, e.getMessage()), e);
    }
  }

  /**
   * The target side: which topics exist, each chosen partition's log start and end offsets, and where the restore's
   * records start there ({@code from}: the log start, or for an append where it started).
   */
  private record Targets(String restoreId, BackupKey stateKey, RestoreState state, Set<String> existing,
      Map<TopicPartition, long[]> offsets, Map<TopicPartition, Long> from) {}

  private Targets targets(Admin admin, List<BackupManifest.TopicEntry> selected, BackupChain chain)
      throws ExecutionException, InterruptedException, TimeoutException {
    String clusterId = admin.describeCluster().clusterId().get(60, TimeUnit.SECONDS);
    String restoreId = restoreId(chain.ids(), clusterId);
    BackupKey stateKey = BackupKey.of("topic-restores", restoreId, "state.json");
    RestoreState state = append && source.exists(stateKey) ? readState(stateKey) : null;
    Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (BackupManifest.TopicEntry t : selected) {
      String name = targetTopic(t.name());
      if (!existing.contains(name)) {
        continue;
      }
      TopicDescription d = admin.describeTopics(List.of(name)).allTopicNames().get(60, TimeUnit.SECONDS).get(name);
      if (d.partitions().size() < t.partitionCount()) {
        throw new ConflictException(ResourceType.TOPIC, name, ("Target topic '%s' has %d partitions but the backup of '%s' has %d; "
            + "records keep their partition, so add partitions or restore under another name (--rename); nothing was written").formatted(
            name, d.partitions().size(), t.name(), t.partitionCount()));
      }
      for (BackupManifest.PartitionEntry p : t.partitions()) {
        earliest.put(new TopicPartition(name, p.partition()), OffsetSpec.earliest());
        latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest());
      }
    }
    Map<TopicPartition, long[]> offsets = new HashMap<>();
    Map<TopicPartition, Long> from = new HashMap<>();
    if (!latest.isEmpty()) {
      var starts = admin.listOffsets(earliest).all().get(60, TimeUnit.SECONDS);
      var ends = admin.listOffsets(latest).all().get(60, TimeUnit.SECONDS);
      for (TopicPartition tp : latest.keySet()) {
        long[] range = {starts.get(tp).offset(), ends.get(tp).offset()};
        offsets.put(tp, range);
        Long recorded = state == null ? null : state.baseOffsets().get(name(tp));
        from.put(tp, append ? (recorded != null ? recorded : range[1]) : range[0]);
      }
    }
    return new Targets(restoreId, stateKey, state, existing, offsets, from);
  }

  /** Judges every chosen target partition against the records the restore would write there, in parallel. */
  private RestorePlan judge(BackupChain chain, List<BackupManifest.TopicEntry> selected, Targets targets, boolean exactCounts) {
    TargetClassifier classifier = new TargetClassifier(clientConfig);
    ExecutorService pool = Executors.newFixedThreadPool(
        Math.max(1, Math.min(parallelism, Runtime.getRuntime().availableProcessors() * 2)), daemon("streamdr-restore-check"));
    try {
      List<Future<RestorePlan.PartitionPlan>> futures = new ArrayList<>();
      for (BackupManifest.TopicEntry t : selected) {
        String target = targetTopic(t.name());
        for (BackupManifest.PartitionEntry p : t.partitions()) {
          futures.add(pool.submit(() -> judge(classifier, chain, t.name(), target, p.partition(), targets, exactCounts)));
        }
      }
      List<RestorePlan.PartitionPlan> out = new ArrayList<>();
      for (Future<RestorePlan.PartitionPlan> f : futures) {
        out.add(getOrThrow(f));
      }
      return new RestorePlan(chain.ids(), pointInTime, append, out);
    } finally {
      pool.shutdownNow();
    }
  }

  private RestorePlan.PartitionPlan judge(TargetClassifier classifier, BackupChain chain, String topic, String target, int partition,
      Targets targets, boolean exactCounts) {
    long stored = chain.records(topic, partition);
    TopicPartition tp = new TopicPartition(target, partition);
    long[] range = targets.offsets().get(tp);
    try (PartitionRecords expected = chain.records(topic, partition, pointInTime)) {
      RestorePlan.TargetState state;
      long held = 0;
      String detail;
      long start = 0;
      long end = 0;
      if (range == null) {
        state = RestorePlan.TargetState.NEW_TOPIC;
        detail = "a new topic";
      } else {
        start = range[0];
        end = range[1];
        long from = targets.from().get(tp);
        TargetClassifier.Judgement j = classifier.judge(tp, from, end, expected);
        state = j.state();
        held = j.held();
        detail = j.detail();
        if (append && state != RestorePlan.TargetState.CONFLICT && state != RestorePlan.TargetState.COMPLETE) {
          state = RestorePlan.TargetState.APPEND;
          detail = "appending after offset %d%s".formatted(from - 1, held > 0 ? ", %d records of this append already there".formatted(held) : "");
        } else if (append && state == RestorePlan.TargetState.CONFLICT) {
          detail = "after offset %d, where this append started, %s".formatted(from - 1, j.detail());
        } else if (state == RestorePlan.TargetState.EMPTY && end > 0) {
          detail = "empty (its records up to offset %d were deleted)".formatted(end - 1);
        }
      }
      long records = stored;
      if (exactCounts && state != RestorePlan.TargetState.CONFLICT) {
        long rest = 0;
        while (expected.hasNext()) {
          expected.next();
          rest++;
        }
        records = held + rest;
      } else if (state == RestorePlan.TargetState.COMPLETE) {
        records = held;
      }
      return new RestorePlan.PartitionPlan(topic, target, partition, state, start, end, held, records, detail);
    }
  }

  private void ensureTopics(Admin admin, List<BackupManifest.TopicEntry> selected, Set<String> existing)
      throws InterruptedException, TimeoutException {
    List<NewTopic> create = new ArrayList<>();
    for (BackupManifest.TopicEntry t : selected) {
      String name = targetTopic(t.name());
      if (existing.contains(name)) {
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
        throw new ConflictException(ResourceType.TOPIC, create.get(0).name(), ("Could not create target topics %s: %s; if the target has fewer "
            + "brokers than the backed-up replication factor, set a smaller one (--replication-factor)")
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
    long pauseMillis = 5; // a topic is usually ready within tens of milliseconds: ask again soon, then less often
    while (true) {
      try {
        admin.listOffsets(request).all().get(10, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException | TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new DrTimeoutException(ResourceType.TOPIC, created.get(0).name(), Duration.ofSeconds(60), "Created topics %s did not become available within 60 s"
              .formatted(created.stream().map(NewTopic::name).toList()), e);
        }
        LockSupport.parkNanos(Duration.ofMillis(pauseMillis).toNanos());
        pauseMillis = Math.min(100, pauseMillis * 2);
      }
    }
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

  /** What producing one partition did, and the offsets its stored group offsets map to on the target. */
  private record Produced(RestoreReport.PartitionRestore result, Map<String, Long> groupOffsets) {}

  /** The first send the producer reported as failed, with the partition it was for. */
  private record SendFailure(String topic, int partition, Exception cause) {}

  /**
   * Produces the partitions, up to {@link Builder#parallelism(int)} at once through one producer, so each produce
   * request carries batches of several partitions and every leader broker is written at the same time. Pipelined,
   * each partition's segments are verified just before it is produced. The first failure stops the others where they
   * are (each resumable); it is thrown once every partition has stopped and the producer has flushed.
   */
  private List<Produced> produceAll(BackupChain chain, RestorePlan plan, ProgressTracker tracker) {
    ExecutorService producers = Executors.newFixedThreadPool(
        Math.max(1, Math.min(parallelism, plan.partitions().size())), daemon("streamdr-restore-produce"));
    AtomicReference<SendFailure> sendFailure = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Future<Produced>> futures = new ArrayList<>();
    RuntimeException first = null;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (RestorePlan.PartitionPlan task : plan.partitions()) {
        futures.add(producers.submit(() -> {
          try {
            if (pipelined) {
              chain.verify(task.sourceTopic(), task.partition());
            }
            if (stop.get()) {
              return null;
            }
            Produced p = produce(producer, chain, task, groupOffsets(chain.last(), task.sourceTopic(), task.partition()), sendFailure, stop, tracker);
            tracker.partitionDone();
            return p;
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
              : new OperationFailedException("Restoring a partition of %s failed: %s".formatted(backupId, e.getCause()), e.getCause());
          first = first == null ? cause : first;
        } catch (InterruptedException e) {
          stop.set(true);
          throw new DrInterruptedException("restoring " + backupId, e);
        }
      }
      producer.flush();
      if (first != null) {
        throw first;
      }
      SendFailure failed = sendFailure.get();
      if (failed != null) {
        throw new OperationFailedException(ResourceType.TOPIC, failed.topic(), "Producing to %s-%d failed: %s; run the same restore again to resume without duplicates"
            .formatted(failed.topic(), failed.partition(), failed.cause().getMessage()), failed.cause(), true);
      }
      return out;
    } finally {
      stop.set(true);
      producers.shutdown();
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private static <T> T getOrThrow(Future<T> f) {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new OperationFailedException("Checking the backup or the target failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      throw new DrInterruptedException("restoring", e);
    }
  }

  /**
   * Produces one partition's records after the {@code held} ones the target already has, in order. Stops early when
   * {@code stop} is set (another partition failed); what it sent stays, and a new run resumes after it.
   */
  private Produced produce(KafkaProducer<byte[], byte[]> producer, BackupChain chain, RestorePlan.PartitionPlan task,
      Map<String, Long> groupSource, AtomicReference<SendFailure> sendFailure, AtomicBoolean stop,
      ProgressTracker tracker) {
    String topic = task.sourceTopic();
    int partition = task.partition();
    String target = task.targetTopic();
    long base = task.state() == RestorePlan.TargetState.NEW_TOPIC ? 0 : startOfRestored(task);
    long already = task.held();
    long index = 0; // position in the restored sequence = target offset - base
    long produced = 0;
    Map<String, Long> mapped = new TreeMap<>();
    long cut;
    try (PartitionRecords records = chain.records(topic, partition, pointInTime)) {
      while (!stop.get() && sendFailure.get() == null && records.hasNext()) {
        BackupRecord r = records.next();
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
          tracker.add(1, (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length));
        }
        index++;
      }
      cut = records.cutByTime();
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

  /** The target offset of the restore's first record in a partition that exists: where the restored sequence starts. */
  private static long startOfRestored(RestorePlan.PartitionPlan task) {
    return switch (task.state()) {
      case EMPTY -> task.targetEnd();
      case PREFIX, COMPLETE -> task.targetStart();
      case APPEND -> task.targetEnd() - task.held();
      default -> task.targetEnd();
    };
  }

  private void commitGroups(Admin admin, Map<String, Map<TopicPartition, Long>> groupTargets)
      throws ExecutionException, InterruptedException, TimeoutException {
    if (groupTargets.isEmpty()) {
      return;
    }
    var described = admin.describeConsumerGroups(groupTargets.keySet()).describedGroups();
    for (Map.Entry<String, Map<TopicPartition, Long>> g : groupTargets.entrySet()) {
      ConsumerGroupDescription d;
      try {
        d = described.get(g.getKey()).get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof GroupIdNotFoundException)) {
          throw e;
        }
        d = null; // the group does not exist on the target yet
      }
      if (d != null && !d.members().isEmpty()) {
        throw new ConflictException(ResourceType.CONSUMER_GROUP, g.getKey(),
            "Consumer group '%s' has %d active member(s) on the target; stop its consumers, then run the restore again to set its offsets"
                .formatted(g.getKey(), d.members().size()));
      }
      if (d != null && d.groupState() != GroupState.EMPTY && d.groupState() != GroupState.DEAD && d.groupState() != GroupState.UNKNOWN) {
        throw new ConflictException(ResourceType.CONSUMER_GROUP, g.getKey(), "Consumer group '%s' is %s on the target; it must be empty to set its offsets"
            .formatted(g.getKey(), d.groupState()));
      }
      Map<TopicPartition, OffsetAndMetadata> current = admin.listConsumerGroupOffsets(Map.of(g.getKey(), new ListConsumerGroupOffsetsSpec()))
          .partitionsToOffsetAndMetadata(g.getKey()).get(60, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetAndMetadata> update = new HashMap<>();
      for (Map.Entry<TopicPartition, Long> e : g.getValue().entrySet()) {
        TopicPartition tp = e.getKey();
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
    private Pattern topicPattern;
    private Instant pointInTime;
    private Integer replicationFactor;
    private boolean restoreGroups = true;
    private int parallelism = DEFAULT_PARALLELISM;
    private boolean append;
    private boolean pipelined;
    private ProgressListener progress = ProgressListener.NONE;

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

    public TopicRestore build() {
      return new TopicRestore(this);
    }
  }
}
