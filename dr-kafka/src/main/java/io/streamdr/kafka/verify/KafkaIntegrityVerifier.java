package io.streamdr.kafka.verify;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.BackupIoException;
import io.streamdr.core.DrException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.OperationFailedException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.UnreachableException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.progress.ProgressListener;
import io.streamdr.core.progress.ProgressTracker;
import io.streamdr.core.verify.AfterCut;
import io.streamdr.core.verify.Comparison;
import io.streamdr.core.verify.Discrepancy;
import io.streamdr.core.verify.Fingerprinter;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.IntegrityVerifier;
import io.streamdr.core.verify.PartitionComparator;
import io.streamdr.core.verify.PartitionResult;
import io.streamdr.core.verify.RecordFingerprint;
import io.streamdr.core.verify.ReplicationNaming;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.kafka.backup.BackupChain;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.BackupRecord;
import io.streamdr.kafka.internal.Bootstrap;
import io.streamdr.kafka.internal.Consumers;
import io.streamdr.kafka.internal.segment.SegmentReader;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Verifies that a target cluster holds exactly a source cluster's records, topic by topic and partition by partition:
 * counts, offset ranges, an order-sensitive digest over key, value, headers and timestamp, and every discrepancy
 * located (missing, extra, altered, reordered, lag), aligning records by content so MirrorMaker 2's renumbered
 * offsets compare correctly. Consumer groups' committed positions are checked against the same records.
 *
 * <p>The cut: source end offsets (read_committed) are taken when verification starts, or the first offsets after
 * the request's cut-off timestamp; source records after the cut are not compared. Target records after the last
 * compared one are beyond the cut only if the source holds them after the cut, in order (replication that went on
 * while verifying); any other is EXTRA, so a doubled copy or a foreign write fails. Source records the target lacks at
 * its end are lag, not loss. Compacted topics ({@code cleanup.policy} with {@code compact} on either side) are
 * compared by latest value per key unless the request says otherwise ({@link Comparison}). Partitions are
 * verified in parallel; each side is read by one consumer for all its partitions, which hands fingerprint batches to
 * the partitions' comparators through bounded queues. Clusters are named; the request's source and target are
 * looked up by name. Thread-safe.
 */
public final class KafkaIntegrityVerifier implements IntegrityVerifier {
  private final Map<String, Map<String, Object>> clusters;
  private final Clock clock;
  private ProgressListener progress = ProgressListener.NONE;

  /** @param clusters client configuration (bootstrap servers, security) per cluster name, e.g. per region */
  public KafkaIntegrityVerifier(Map<String, Map<String, Object>> clusters, Clock clock) {
    this.clusters = Map.copyOf(Checks.requireNonNull(clusters, "clusters"));
    this.clock = Checks.requireNonNull(clock, "clock");
  }

  /**
   * Tells {@code listener} how the verifications of this verifier advance: records and bytes read from the compared
   * source (the target, when verifying a backup), partitions done. Returns this.
   */
  public KafkaIntegrityVerifier progress(ProgressListener listener) {
    this.progress = Checks.requireNonNull(listener, "progress listener");
    return this;
  }

  public KafkaIntegrityVerifier(Map<String, Map<String, Object>> clusters) {
    this(clusters, Clock.systemUTC());
  }

  private Map<String, Object> config(String name) {
    Map<String, Object> c = clusters.get(name);
    if (c == null) {
      throw new NotFoundException(ResourceType.CLUSTER, name, "No cluster named '%s'; known: %s".formatted(name, clusters.keySet()));
    }
    return c;
  }

  @Override
  public IntegrityReport verify(VerificationRequest request) {
    Instant started = clock.instant();
    Map<String, Object> source = config(request.source());
    Map<String, Object> target = config(request.target());
    Bootstrap.check(source, "source cluster '" + request.source() + "'");
    Bootstrap.check(target, "target cluster '" + request.target() + "'");
    List<Job> jobs = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> sc = consumer(source); KafkaConsumer<byte[], byte[]> tc = consumer(target);
         Admin sourceAdmin = Admin.create(source); Admin targetAdmin = Admin.create(target)) {
      for (String topic : request.topics()) {
        String targetTopic = request.naming().targetTopic(topic);
        String sn = request.source();
        String tn = request.target();
        List<TopicPartition> sps = ask(sn, source, () -> partitions(sc, topic, sn, apiTimeout(source)));
        List<TopicPartition> tps = ask(tn, target, () -> partitions(tc, targetTopic, tn, apiTimeout(target)));
        Map<TopicPartition, Long> sourceStart = ask(sn, source, () -> sc.beginningOffsets(sps, apiTimeout(source)));
        Map<TopicPartition, Long> sourceEnd = ask(sn, source, () -> cut(sc, sps, request, apiTimeout(source)));
        Map<TopicPartition, Long> targetEnd = ask(tn, target, () -> tc.endOffsets(tps, apiTimeout(target)));
        Map<TopicPartition, Long> targetStart = ask(tn, target, () -> tc.beginningOffsets(tps, apiTimeout(target)));
        Map<String, Map<Integer, Long>> sourceGroups = groups(sourceAdmin, request.groups(), topic);
        Map<String, Map<Integer, Long>> targetGroups = groups(targetAdmin, request.groups(), targetTopic);
        Comparison comparison = request.comparison() != Comparison.AUTO ? request.comparison()
            : compacted(sourceAdmin, topic) || compacted(targetAdmin, targetTopic) ? Comparison.LATEST_PER_KEY : Comparison.RECORDS;
        for (TopicPartition sp : sps) {
          TopicPartition tp = new TopicPartition(targetTopic, sp.partition());
          jobs.add(new Job(topic, sp, tp, sourceStart.get(sp), sourceEnd.get(sp), targetStart.getOrDefault(tp, 0L),
              targetEnd.getOrDefault(tp, -1L), sourceGroups, targetGroups, comparison));
        }
      }
    }
    SideReader sourceSide = new SideReader(source);
    SideReader targetSide = new SideReader(target);
    for (Job job : jobs) {
      boolean keyed = job.comparison() == Comparison.LATEST_PER_KEY;
      sourceSide.add(job.sp(), job.sourceStart(), job.sourceEnd(), keyed);
      if (job.targetEnd() >= 0) {
        targetSide.add(job.tp(), job.targetStart(), job.targetEnd(), keyed);
      }
    }
    List<Supplier<Compared>> tasks = new ArrayList<>();
    for (Job job : jobs) {
      tasks.add(() -> {
        try (RangeReader after = new RangeReader(source, job.sp(), job.sourceEnd(), job.comparison() == Comparison.LATEST_PER_KEY)) {
          return run(job, sourceSide.records(job.sp()),
              job.targetEnd() >= 0 ? targetSide.records(job.tp()) : Collections.emptyIterator(), request,
              AfterCut.sourceContinues(after::open));
        }
      });
    }
    String cut = request.cutoff()
        .map(c -> "source records stamped up to %s (the cut-off); target records past them must be the source's later records, in order".formatted(c))
        .orElse("source end offsets read at %s, when verification started; target records past them must be records the source received since, in order".formatted(started));
    sourceSide.track(new ProgressTracker("verify", request.source() + " -> " + request.target(), progress, sourceSide.records(),
        sourceSide.partitions()));
    return execute(request.source(), request.target(), cut, started, tasks, List.of(sourceSide, targetSide));
  }

  private static boolean compacted(Admin admin, String topic) {
    var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try {
      var config = admin.describeConfigs(List.of(resource)).all().get(60, TimeUnit.SECONDS).get(resource);
      var policy = config == null ? null : config.get("cleanup.policy");
      return policy != null && policy.value() != null && policy.value().contains("compact");
    } catch (ExecutionException | TimeoutException e) {
      throw new OperationFailedException(ResourceType.TOPIC, topic, "Could not read the configuration of topic '%s' to choose how to compare it: %s; "
          .formatted(topic, e.getMessage()) + "name the comparison explicitly (--comparison records or latest-per-key)", e, true);
    } catch (InterruptedException e) {
      throw new DrInterruptedException("verifying", e);
    }
  }

  /**
   * Reads one source partition from the cut onwards, up to its end when first asked, as fingerprints; opened only if
   * a target has records past the compared range.
   */
  private static final class RangeReader implements AutoCloseable {
    private final Map<String, Object> config;
    private final TopicPartition tp;
    private final long from;
    private final boolean keyed;
    private KafkaConsumer<byte[], byte[]> consumer;

    RangeReader(Map<String, Object> config, TopicPartition tp, long from, boolean keyed) {
      this.config = config;
      this.tp = tp;
      this.from = from;
      this.keyed = keyed;
    }

    Iterator<RecordFingerprint> open() {
      consumer = consumer(config);
      consumer.assign(List.of(tp));
      long end = consumer.endOffsets(List.of(tp), apiTimeout(config)).get(tp);
      consumer.seek(tp, from);
      Fingerprinter fingerprinter = new Fingerprinter();
      return new Iterator<>() {
        private Iterator<ConsumerRecord<byte[], byte[]>> batch = Collections.emptyIterator();
        private ConsumerRecord<byte[], byte[]> next;
        private long idleSince = System.nanoTime();

        @Override
        public boolean hasNext() {
          while (next == null) {
            if (batch.hasNext()) {
              ConsumerRecord<byte[], byte[]> r = batch.next();
              if (r.offset() < end) {
                next = r;
              }
              continue;
            }
            if (consumer.position(tp) >= end) {
              return false;
            }
            var records = consumer.poll(Duration.ofMillis(200));
            if (records.isEmpty() && System.nanoTime() - idleSince > Duration.ofMinutes(2).toNanos()) {
              throw new DrTimeoutException(ResourceType.TOPIC, tp.toString(), Duration.ofMinutes(2), "No progress reading %s past the cut for 2 minutes".formatted(tp), null);
            }
            idleSince = records.isEmpty() ? idleSince : System.nanoTime();
            batch = records.records(tp).iterator();
          }
          return true;
        }

        @Override
        public RecordFingerprint next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          ConsumerRecord<byte[], byte[]> r = next;
          next = null;
          return fingerprinter.fingerprint(r.offset(), r.key(), r.value(), Consumers.headers(r), r.timestamp(), keyed);
        }
      };
    }

    @Override
    public void close() {
      if (consumer != null) {
        Consumers.closeNow(consumer);
      }
    }
  }

  /**
   * The comparison of {@link BackupIntegrityVerifier}: the backup chain ending at {@code backupId}, its topics in
   * {@code topics} (all when empty), against {@code cluster}.
   */
  IntegrityReport verifyBackup(BackupTarget backups, String backupId, String cluster, ReplicationNaming naming,
      Set<String> topics, Comparison how, int window) {
    Instant started = clock.instant();
    Map<String, Object> target = config(cluster);
    Bootstrap.check(target, "cluster '" + cluster + "'");
    BackupChain chain = BackupChain.resolve(backups, backupId);
    BackupManifest last = chain.last();
    List<String> held = chain.topicNames();
    List<String> unknown = topics.stream().filter(t -> !held.contains(t)).sorted().toList();
    if (!unknown.isEmpty()) {
      throw new InvalidRequestException(ResourceType.TOPIC, unknown.get(0), "Backup %s holds no topic %s; it holds %s"
          .formatted(backupId, String.join(", ", unknown), held));
    }
    List<Supplier<Compared>> tasks = new ArrayList<>();
    SideReader targetSide = new SideReader(target);
    String targetClusterId;
    try (Admin admin = Admin.create(target)) {
      targetClusterId = admin.describeCluster().clusterId().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new UnreachableException(ResourceType.CLUSTER, cluster, "Could not reach cluster '%s' to compare backup %s with it: %s"
          .formatted(cluster, backupId, e.getMessage()), e);
    } catch (InterruptedException e) {
      throw new DrInterruptedException("verifying", e);
    }
    boolean sameCluster = targetClusterId.equals(last.sourceClusterId());
    try (KafkaConsumer<byte[], byte[]> tc = consumer(target); Admin admin = Admin.create(target)) {
      for (BackupManifest.TopicEntry topic : last.topics()) {
        if (!topics.isEmpty() && !topics.contains(topic.name())) {
          continue;
        }
        String targetTopic = naming.targetTopic(topic.name());
        List<TopicPartition> tps = ask(cluster, target, () -> partitions(tc, targetTopic, cluster, apiTimeout(target)));
        String policy = topic.configs() == null ? null : topic.configs().get("cleanup.policy");
        Comparison comparison = how != Comparison.AUTO ? how
            : (policy != null && policy.contains("compact")) || compacted(admin, targetTopic) ? Comparison.LATEST_PER_KEY
            : Comparison.RECORDS;
        Map<TopicPartition, Long> targetStart = ask(cluster, target, () -> tc.beginningOffsets(tps, apiTimeout(target)));
        Map<TopicPartition, Long> targetEnd = ask(cluster, target, () -> tc.endOffsets(tps, apiTimeout(target)));
        for (BackupManifest.PartitionEntry p : topic.partitions()) {
          List<BackupManifest.SegmentEntry> segments = chain.segments(topic.name(), p.partition()).stream()
              .map(BackupChain.Segment::entry).toList();
          TopicPartition tp = new TopicPartition(targetTopic, p.partition());
          long start = targetStart.getOrDefault(tp, 0L);
          long end = targetEnd.getOrDefault(tp, -1L);
          if (end >= 0) {
            targetSide.add(tp, start, end, comparison == Comparison.LATEST_PER_KEY);
          }
          // the backup's own cluster, same topic: offsets past the backup's end were written after its cut; elsewhere
          // only records stamped after the backup started can be later writes
          AfterCut afterCut = sameCluster && targetTopic.equals(topic.name()) ? AfterCut.offsetsFrom(p.endOffset())
              : AfterCut.stampedAfter(last.startedAt());
          tasks.add(() -> {
            Iterator<RecordFingerprint> targetRecords = end >= 0 ? targetSide.records(tp) : Collections.emptyIterator();
            return new Compared(comparison == Comparison.LATEST_PER_KEY
                ? PartitionComparator.compareLatestPerKey(topic.name(), targetTopic, p.partition(), new BackupRecords(backups, segments, comparison == Comparison.LATEST_PER_KEY),
                    targetRecords, afterCut)
                : PartitionComparator.compare(topic.name(), targetTopic, p.partition(), new BackupRecords(backups, segments, comparison == Comparison.LATEST_PER_KEY),
                    targetRecords, window, Set.of(), afterCut), List.of());
          });
        }
      }
    }
    String cut = sameCluster
        ? "backup %s's end offsets (its cut at %s); records the source cluster received after them are beyond the cut".formatted(backupId, last.startedAt())
        : "backup %s's cut at %s; target records past the backup's must be stamped after it".formatted(backupId, last.startedAt());
    targetSide.track(new ProgressTracker("verify", "backup " + backupId + " -> " + cluster, progress, targetSide.records(),
        targetSide.partitions()));
    return execute("backup " + backupId, cluster, cut, started, tasks, List.of(targetSide));
  }

  /**
   * Runs partition comparisons in parallel (a pool of comparators) while one reader per cluster feeds them (a pool
   * of its own, so a comparator never waits for a thread its own pool would have to give). Gathers the report.
   */
  private IntegrityReport execute(String sourceName, String targetName, String cut, Instant started,
      List<Supplier<Compared>> tasks, List<SideReader> sides) {
    // comparators mostly wait for their two queues, so every partition gets one (up to 64 at once) and each reader
    // feeds all of them in one pass; readers never wait for comparators (see SideReader)
    int jobsAtOnce = Math.max(1, Math.min(64, tasks.size()));
    ExecutorService comparators = Executors.newFixedThreadPool(jobsAtOnce, daemon("streamdr-verify-compare"));
    ExecutorService readers = Executors.newFixedThreadPool(Math.max(1, sides.size()), daemon("streamdr-verify-read"));
    sides.forEach(side -> side.start(readers));
    List<PartitionResult> results = new ArrayList<>();
    List<Discrepancy> discrepancies = new ArrayList<>();
    long oldestLag = Long.MAX_VALUE;
    try {
      List<Future<Compared>> outcomes = new ArrayList<>();
      for (var task : tasks) {
        outcomes.add(comparators.submit(task::get));
      }
      for (Future<Compared> f : outcomes) {
        Compared compared = getOrThrow(f);
        PartitionComparator.Outcome outcome = compared.outcome();
        results.add(outcome.result());
        discrepancies.addAll(outcome.discrepancies());
        discrepancies.addAll(compared.groupIssues());
        if (outcome.oldestLagTimestamp().isPresent()) {
          oldestLag = Math.min(oldestLag, outcome.oldestLagTimestamp().getAsLong());
        }
      }
      sides.forEach(SideReader::await); // a reader still closing its consumer is not interrupted
    } finally {
      comparators.shutdownNow();
      readers.shutdownNow();
    }
    Duration rpoTime = oldestLag == Long.MAX_VALUE ? Duration.ZERO : Duration.ofMillis(Math.max(0, started.toEpochMilli() - oldestLag));
    return IntegrityReport.of(sourceName, targetName, cut, results, discrepancies, rpoTime, started, clock.instant());
  }

  /** The records of a partition's backup segments, in order, as fingerprints; one segment open at a time. */
  private static final class BackupRecords implements Iterator<RecordFingerprint> {
    private final BackupTarget backups;
    private final Iterator<BackupManifest.SegmentEntry> segments;
    private final Fingerprinter fingerprinter = new Fingerprinter();
    private SegmentReader reader;
    private final boolean keyed;
    private RecordFingerprint next;

    BackupRecords(BackupTarget backups, List<BackupManifest.SegmentEntry> segments,
        boolean keyed) {
      this.backups = backups;
      this.segments = segments.iterator();
      this.keyed = keyed;
    }

    @Override
    public boolean hasNext() {
      while (next == null) {
        if (reader == null) {
          if (!segments.hasNext()) {
            return false;
          }
          String key = segments.next().key();
          reader = new SegmentReader(backups.open(new BackupKey(key)), key);
        }
        BackupRecord r = reader.next();
        if (r == null) {
          closeReader();
        } else {
          next = fingerprinter.fingerprint(r.offset(), r.key(), r.value(), r.headers(), r.timestamp(), keyed);
        }
      }
      return true;
    }

    @Override
    public RecordFingerprint next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      RecordFingerprint out = next;
      next = null;
      return out;
    }

    private void closeReader() {
      reader.close(); // read to its end frame already
      reader = null;
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** One partition to verify: its cut on both sides and the group positions to check. */
  private record Job(String topic, TopicPartition sp, TopicPartition tp, long sourceStart, long sourceEnd, long targetStart,
      long targetEnd, Map<String, Map<Integer, Long>> sourceGroups, Map<String, Map<Integer, Long>> targetGroups,
      Comparison comparison) {}

  /** One partition compared: the comparison, and what the consumer groups' positions there got wrong. */
  private record Compared(PartitionComparator.Outcome outcome, List<Discrepancy> groupIssues) {}

  private static Compared run(Job job, Iterator<RecordFingerprint> sourceRecords, Iterator<RecordFingerprint> targetRecords,
      VerificationRequest request, AfterCut afterCut) {
    Set<Long> positions = new TreeSet<>();
    job.sourceGroups().values().forEach(m -> {
      Long pos = m.get(job.sp().partition());
      if (pos != null) {
        positions.add(pos);
      }
    });
    if (job.comparison() == Comparison.LATEST_PER_KEY) {
      return new Compared(PartitionComparator.compareLatestPerKey(job.topic(), job.tp().topic(), job.sp().partition(), sourceRecords,
          targetRecords, afterCut), List.of()); // group positions point at records a cleaner may have removed
    }
    PartitionComparator.Outcome o = PartitionComparator.compare(job.topic(), job.tp().topic(), job.sp().partition(),
        sourceRecords, targetRecords, request.window(), positions, afterCut);
    List<Discrepancy> groupIssues = new ArrayList<>();
    for (Map.Entry<String, Map<Integer, Long>> g : job.sourceGroups().entrySet()) {
      Long sourcePos = g.getValue().get(job.sp().partition());
      if (sourcePos == null) {
        continue;
      }
      long expected = o.positions().getOrDefault(sourcePos, 0L);
      Long actual = job.targetGroups().getOrDefault(g.getKey(), Map.of()).get(job.sp().partition());
      if (actual == null || actual != expected) {
        String detail = actual == null
            ? "group '%s' has no committed offset on %s (expected %d)".formatted(g.getKey(), job.tp().topic(), expected)
            : actual > expected
                ? "group '%s' is ahead on the target by %d record(s): it would skip them".formatted(g.getKey(), actual - expected)
                : "group '%s' is behind on the target by %d record(s): it would re-deliver them".formatted(g.getKey(), expected - actual);
        groupIssues.add(new Discrepancy(Discrepancy.Kind.GROUP_OFFSET, job.topic(), job.sp().partition(), sourcePos,
            actual == null ? -1 : actual, 1, detail));
      }
    }
    return new Compared(o, groupIssues);
  }

  private static Compared getOrThrow(Future<Compared> f) {
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof DrException d ? d : new OperationFailedException("Verifying a partition failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      throw new DrInterruptedException("verifying", e);
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> base) {
    Map<String, Object> c = new HashMap<>(base);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    c.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024);
    // each reader reads one partition: large partition fetches keep it from waiting on a round trip per megabyte
    c.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
    c.putIfAbsent(ConsumerConfig.RECEIVE_BUFFER_CONFIG, 1024 * 1024); // the 64 KiB default throttles one reader per cluster
    c.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "streamdr-verify");
    return new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** How long one metadata or offsets call may take: the client's {@code default.api.timeout.ms}, else 60 s. */
  private static Duration apiTimeout(Map<String, Object> config) {
    Object ms = config.get(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
    return ms == null ? Duration.ofSeconds(60) : Duration.ofMillis(Long.parseLong(String.valueOf(ms)));
  }

  /** Runs one call to a cluster, turning Kafka's errors into ones that name the cluster, its address and what to do. */
  private static <T> T ask(String cluster, Map<String, Object> config, Supplier<T> call) {
    Object servers = config.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
    try {
      return call.get();
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new DrTimeoutException(ResourceType.CLUSTER, cluster, apiTimeout(config),
          "Cluster '%s' at %s did not answer within %s (%s); check that its brokers are up and reachable, then verify again"
              .formatted(cluster, servers, apiTimeout(config), e.getMessage()));
    } catch (KafkaException e) {
      throw new UnreachableException(ResourceType.CLUSTER, cluster, "Could not read from cluster '%s' at %s: %s".formatted(cluster, servers, e.getMessage()), e);
    }
  }

  private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> c, String topic, String cluster, Duration timeout) {
    var infos = c.partitionsFor(topic, timeout);
    if (infos == null || infos.isEmpty()) {
      if (cluster != null && c.listTopics(timeout).containsKey(topic)) {
        return List.of();
      }
      throw new NotFoundException(ResourceType.TOPIC, topic, "Topic '%s' does not exist in cluster '%s'".formatted(topic, cluster));
    }
    return infos.stream().map(p -> new TopicPartition(topic, p.partition())).sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
  }

  /** Source end offsets: the LSO now, or the first offset after the cut-off timestamp. */
  private static Map<TopicPartition, Long> cut(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> tps, VerificationRequest request,
      Duration timeout) {
    Map<TopicPartition, Long> end = c.endOffsets(tps, timeout);
    if (request.cutoff().isEmpty()) {
      return end;
    }
    Map<TopicPartition, Long> query = new HashMap<>();
    tps.forEach(tp -> query.put(tp, request.cutoff().get().toEpochMilli() + 1));
    Map<TopicPartition, OffsetAndTimestamp> after = c.offsetsForTimes(query, Duration.ofSeconds(60));
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartition tp : tps) {
      OffsetAndTimestamp o = after.get(tp);
      out.put(tp, o == null ? end.get(tp) : Math.min(o.offset(), end.get(tp)));
    }
    return out;
  }

  private static Map<String, Map<Integer, Long>> groups(Admin admin, List<String> groups, String topic) {
    Map<String, Map<Integer, Long>> out = new TreeMap<>();
    for (String group : groups) {
      try {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(Map.of(group, new ListConsumerGroupOffsetsSpec()))
            .partitionsToOffsetAndMetadata(group).get(60, TimeUnit.SECONDS);
        Map<Integer, Long> byPartition = new TreeMap<>();
        committed.forEach((tp, om) -> {
          if (om != null && tp.topic().equals(topic)) {
            byPartition.put(tp.partition(), om.offset());
          }
        });
        out.put(group, byPartition);
      } catch (Exception e) {
        throw new OperationFailedException(ResourceType.CONSUMER_GROUP, group, "Could not read committed offsets of group '%s': %s".formatted(group, e.getMessage()), e, true);
      }
    }
    return out;
  }

  /**
   * Reads one cluster's side of a verification: every partition range [start, end) with one consumer, fingerprinting
   * records into one bounded queue of batches per partition, each ended by an empty batch. It never waits for a
   * comparator: a partition whose queue is full is paused (its one pending batch kept) and resumed when its comparator
   * has taken from it, so memory stays bounded and a comparator waiting on the other side cannot stall this one.
   */
  private static final class SideReader {
    /**
     * What a side may hold in fingerprints not yet compared: a batch holds at most max.poll.records (2,000)
     * fingerprints of about 48 bytes each (four longs and a boolean with the object header), so 64 MiB spread over
     * the partitions, at least 8 and at most 256 batches each. Deep queues matter: every
     * time a partition's queue is full, its fetching stops and restarts a round trip later.
     */
    private static final long QUEUE_BUDGET_BYTES = 64L * 1024 * 1024;
    private static final long BATCH_BYTES = 2_000L * 48;
    private final Map<String, Object> config;
    private final Map<TopicPartition, long[]> ranges = new LinkedHashMap<>();
    /** Partitions compared by latest value per key, whose fingerprints need the key's digest. */
    private final Set<TopicPartition> keyed = new HashSet<>();
    private final Map<TopicPartition, BlockingQueue<List<RecordFingerprint>>> queues = new ConcurrentHashMap<>();
    private volatile Future<?> done;
    private ProgressTracker tracker;

    SideReader(Map<String, Object> config) {
      this.config = config;
    }

    /** Counts what this side reads into {@code tracker}. */
    void track(ProgressTracker tracker) {
      this.tracker = tracker;
    }

    /** Offsets in the ranges added: the records to read, or an upper bound of them. */
    long records() {
      return ranges.values().stream().mapToLong(r -> Math.max(0, r[1] - r[0])).sum();
    }

    int partitions() {
      return ranges.size();
    }

    void add(TopicPartition tp, long start, long end, boolean keyed) {
      ranges.put(tp, new long[] {start, end});
      if (keyed) {
        this.keyed.add(tp);
      }
    }

    /** The records of a partition, once {@link #start} was called. */
    Iterator<RecordFingerprint> records(TopicPartition tp) {
      return new QueueIterator(queues.get(tp), () -> done);
    }

    /** Starts reading everything added; the queues are sized by the number of partitions. */
    void start(ExecutorService pool) {
      int depth = (int) Math.max(8, Math.min(256, QUEUE_BUDGET_BYTES / BATCH_BYTES / Math.max(1, ranges.size())));
      ranges.keySet().forEach(p -> queues.put(p, new ArrayBlockingQueue<>(depth)));
      done = pool.submit(this::read);
    }

    /** Waits until the reader has finished (closed its consumer); rethrows its failure. */
    void await() {
      join(done);
    }

    private void read() {
      Fingerprinter fingerprinter = new Fingerprinter();
      Map<TopicPartition, List<RecordFingerprint>> pending = new HashMap<>();
      Set<TopicPartition> open = new HashSet<>();
      ranges.forEach((tp, r) -> {
        if (r[0] < r[1]) {
          open.add(tp);
        } else {
          pending.put(tp, List.of()); // nothing to read: only the end batch
        }
      });
      ProgressTracker counted = tracker == null ? new ProgressTracker("verify", "", ProgressListener.NONE, 0, 0) : tracker;
      for (int i = 0; i < ranges.size() - open.size(); i++) {
        counted.partitionDone(); // empty ranges
      }
      KafkaConsumer<byte[], byte[]> c = consumer(config);
      try {
        c.assign(open);
        open.forEach(tp -> c.seek(tp, ranges.get(tp)[0]));
        Set<TopicPartition> paused = new HashSet<>();
        long lastProgress = System.nanoTime();
        while (!open.isEmpty() || !pending.isEmpty()) {
          // hand over what waited, then resume the partitions it freed
          pending.entrySet().removeIf(e -> queues.get(e.getKey()).offer(e.getValue()));
          for (Iterator<TopicPartition> it = paused.iterator(); it.hasNext(); ) {
            TopicPartition tp = it.next();
            if (!pending.containsKey(tp)) {
              c.resume(List.of(tp));
              it.remove();
            }
          }
          if (open.isEmpty()) {
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
            continue;
          }
          var records = c.poll(Duration.ofMillis(paused.size() == open.size() ? 5 : 200));
          if (!records.isEmpty()) {
            lastProgress = System.nanoTime();
          } else if (paused.size() < open.size() && System.nanoTime() - lastProgress > Duration.ofMinutes(2).toNanos()) {
            throw new DrTimeoutException(ResourceType.TOPIC, open.toString(), Duration.ofMinutes(2), "No progress reading %s for 2 minutes".formatted(open), null);
          }
          for (TopicPartition tp : records.partitions()) {
            long end = ranges.get(tp)[1];
            List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
            List<RecordFingerprint> batch = new ArrayList<>(list.size());
            boolean withKey = keyed.contains(tp);
            long bytes = 0;
            for (ConsumerRecord<byte[], byte[]> r : list) {
              if (r.offset() >= end) {
                break;
              }
              batch.add(fingerprinter.fingerprint(r.offset(), r.key(), r.value(), Consumers.headers(r), r.timestamp(), withKey));
              bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
            }
            counted.add(batch.size(), bytes);
            if (!batch.isEmpty() && !queues.get(tp).offer(batch)) {
              pending.put(tp, batch);
              c.pause(List.of(tp));
              paused.add(tp);
            }
          }
          for (Iterator<TopicPartition> it = open.iterator(); it.hasNext(); ) {
            TopicPartition tp = it.next();
            if (!pending.containsKey(tp) && c.position(tp) >= ranges.get(tp)[1]) {
              it.remove();
              counted.partitionDone();
              pending.put(tp, List.of()); // the end batch, handed over with the others
              c.pause(List.of(tp));
            }
          }
        }
      } finally {
        Consumers.closeNow(c);
        counted.finish();
      }
    }
  }

  private static void join(Future<?> f) {
    if (f == null) {
      return;
    }
    try {
      f.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof DrException d ? d : new OperationFailedException("Reading a partition failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      throw new DrInterruptedException("verifying", e);
    }
  }

  /** Iterates the batches a reader thread puts in a queue, up to its empty end batch; surfaces the reader's failure. */
  private static final class QueueIterator implements Iterator<RecordFingerprint> {
    private final BlockingQueue<List<RecordFingerprint>> q;
    private final Supplier<Future<?>> reader;
    private Iterator<RecordFingerprint> current = Collections.emptyIterator();
    private boolean ended;

    QueueIterator(BlockingQueue<List<RecordFingerprint>> q, Supplier<Future<?>> reader) {
      this.q = q;
      this.reader = reader;
    }

    @Override
    public boolean hasNext() {
      while (!current.hasNext()) {
        if (ended) {
          return false;
        }
        try {
          List<RecordFingerprint> batch = q.poll(200, TimeUnit.MILLISECONDS);
          if (batch == null) {
            Future<?> f = reader.get();
            if (f != null && f.isDone()) {
              join(f); // throws if the reader failed
              batch = q.poll();
              if (batch == null) {
                ended = true;
                return false;
              }
            } else {
              continue;
            }
          }
          if (batch.isEmpty()) {
            ended = true;
            return false;
          }
          current = batch.iterator();
        } catch (InterruptedException e) {
          throw new DrInterruptedException("verifying", e);
        }
      }
      return true;
    }

    @Override
    public RecordFingerprint next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return current.next();
    }
  }
}
