package io.streamdr.kafka.replication;

import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.failover.Metrics;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal.Status;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.http.Sleeper;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.verify.ReplicationNaming;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.mirror.DefaultReplicationPolicy;

/**
 * How far MirrorMaker 2 replication from a source cluster to a target cluster is behind, per partition, measured on
 * the data itself: the last record of each replicated partition is looked up in the source (by timestamp, then by
 * key, value and timestamp), so the lag is the exact number of source offsets after it, and its age is how long ago
 * the oldest of them was written — the RPO if the source were lost now. Also reports how old MirrorMaker's latest
 * checkpoint is ({@code <alias>.checkpoints.internal} in the target). When the last replicated record cannot be
 * found (it was compacted or rewritten), the lag is estimated from record counts and marked so.
 *
 * <p>As a {@link HealthProbe} it reports {@link Metrics#REPLICATION_LAG_RECORDS} and
 * {@link Metrics#REPLICATION_LAG_SECONDS}; HEALTHY however large the lag (the policy decides), DEGRADED when a source
 * topic has no replica yet, UNKNOWN when a cluster does not answer. Thread-safe (calls are serialized).
 */
public final class MirrorMakerReplicationProbe implements HealthProbe, AutoCloseable {
  private static final int SCAN_LIMIT = 10_000;

  /**
   * Lag of one partition.
   *
   * @param sourceEnd     end offset in the source
   * @param replicatedTo  source offset up to which (exclusive) the target holds copies
   * @param records       source offsets not yet replicated
   * @param age           how long ago the oldest unreplicated record was written (zero when caught up)
   * @param exact         false when estimated from record counts
   */
  public record PartitionLag(String topic, int partition, long sourceEnd, long replicatedTo, long records, Duration age,
      boolean exact) {}

  /** Lag of every partition, and the age of MirrorMaker's latest checkpoint if it writes any. */
  public record ReplicationLag(List<PartitionLag> partitions, List<String> missingTopics, Optional<Duration> checkpointAge,
      Instant at) {
    public long totalRecords() {
      return partitions.stream().mapToLong(PartitionLag::records).sum();
    }

    public Duration maxAge() {
      return partitions.stream().map(PartitionLag::age).max(Duration::compareTo).orElse(Duration.ZERO);
    }
  }

  private final String name;
  private final Map<String, Object> sourceConfig;
  private final Map<String, Object> targetConfig;
  private final String sourceAlias;
  private final ReplicationNaming naming;
  private final List<String> topics;
  private final Duration timeout;
  private final Clock clock;
  private final Sleeper sleeper;
  private KafkaConsumer<byte[], byte[]> source;
  private KafkaConsumer<byte[], byte[]> target;

  private MirrorMakerReplicationProbe(Builder b) {
    this.sourceAlias = b.sourceAlias;
    this.name = "replication from " + sourceAlias;
    this.sourceConfig = config(b.sourceConfig, "source");
    this.targetConfig = config(b.targetConfig, "target");
    this.naming = b.naming;
    this.topics = b.topics;
    this.timeout = b.timeout;
    this.clock = b.clock;
    this.sleeper = b.sleeper;
  }

  private Map<String, Object> config(Map<String, Object> base, String role) {
    Map<String, Object> c = new HashMap<>(Checks.requireNonNull(base, role + " config"));
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "streamdr-replication-" + role + "-" + sourceAlias);
    c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    return c;
  }

  /**
   * Measures the lag until every watched topic has a copy and no record is behind, or {@code timeout} passes; a
   * cluster that does not answer (yet: one just back) is asked again. Returns the last lag measured, caught up or not.
   *
   * @throws DrTimeoutException if no measurement succeeded within the timeout, naming the last failure
   */
  public ReplicationLag awaitCaughtUp(Duration timeout) {
    Checks.requirePositive(timeout, "timeout");
    Instant deadline = clock.instant().plus(timeout);
    ReplicationLag lag = null;
    RuntimeException unanswered = null;
    while (true) {
      try {
        lag = lag();
        unanswered = null;
        if (lag.totalRecords() == 0 && lag.missingTopics().isEmpty()) {
          return lag;
        }
      } catch (RuntimeException e) {
        unanswered = e;
      }
      if (!clock.instant().isBefore(deadline)) {
        break;
      }
      try {
        sleeper.sleep(Duration.ofMillis(250));
      } catch (InterruptedException e) {
        throw new DrInterruptedException("waiting for the " + name + " to catch up", e);
      }
    }
    if (unanswered != null || lag == null) {
      throw new DrTimeoutException(ResourceType.REPLICATION, name, timeout, "Could not measure the %s of %s within %s: %s"
          .formatted(name, topics, timeout, unanswered == null ? "no answer" : unanswered.getMessage()));
    }
    return lag;
  }

  /** Measures the lag now. @throws org.apache.kafka.common.KafkaException if a cluster does not answer */
  public synchronized ReplicationLag lag() {
    try {
      if (source == null) {
        source = new KafkaConsumer<>(sourceConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        target = new KafkaConsumer<>(targetConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      }
      Instant now = clock.instant();
      List<PartitionLag> out = new ArrayList<>();
      List<String> missing = new ArrayList<>();
      for (String topic : topics) {
        List<PartitionInfo> parts = source.partitionsFor(topic, timeout);
        String remote = naming.targetTopic(topic);
        List<PartitionInfo> remoteParts = target.partitionsFor(remote, timeout);
        boolean absent = remoteParts == null || remoteParts.isEmpty();
        if (absent) {
          missing.add(topic); // and every record of it is behind
        }
        List<TopicPartition> src = parts.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        List<TopicPartition> dst = src.stream().map(tp -> new TopicPartition(remote, tp.partition())).toList();
        Map<TopicPartition, Long> srcBegin = source.beginningOffsets(src, timeout);
        Map<TopicPartition, Long> srcEnd = source.endOffsets(src, timeout);
        Map<TopicPartition, Long> dstBegin = absent ? Map.of() : target.beginningOffsets(dst, timeout);
        Map<TopicPartition, Long> dstEnd = absent ? Map.of() : target.endOffsets(dst, timeout);
        for (int i = 0; i < src.size(); i++) {
          TopicPartition s = src.get(i);
          TopicPartition d = dst.get(i);
          out.add(partition(s, d, srcBegin.get(s), srcEnd.get(s), dstBegin.getOrDefault(d, 0L), dstEnd.getOrDefault(d, 0L), now));
        }
      }
      return new ReplicationLag(out, missing, checkpointAge(now), now);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private PartitionLag partition(TopicPartition src, TopicPartition dst, long srcBegin, long srcEnd, long dstBegin,
      long dstEnd, Instant now) {
    long replicatedTo = srcBegin;
    boolean exact = true;
    if (dstEnd > dstBegin) {
      ConsumerRecord<byte[], byte[]> lastCopy = last(target, dst, dstBegin, dstEnd);
      long found = lastCopy == null ? -1 : find(src, lastCopy, srcEnd);
      if (found >= 0) {
        replicatedTo = found + 1;
      } else {
        replicatedTo = Math.min(srcEnd, srcBegin + (dstEnd - dstBegin));
        exact = false;
      }
    }
    long records = Math.max(0, srcEnd - replicatedTo);
    Duration age = Duration.ZERO;
    if (records > 0) {
      ConsumerRecord<byte[], byte[]> oldest = first(source, src, replicatedTo, srcEnd);
      if (oldest != null) {
        age = Duration.ofMillis(Math.max(0, now.toEpochMilli() - oldest.timestamp()));
      }
    }
    return new PartitionLag(src.topic(), src.partition(), srcEnd, replicatedTo, records, age, exact);
  }

  /** Offset in the source of the record the target's last copy was made from, or -1. */
  private long find(TopicPartition src, ConsumerRecord<byte[], byte[]> copy, long srcEnd) {
    Map<TopicPartition, OffsetAndTimestamp> at = source.offsetsForTimes(Map.of(src, copy.timestamp()), timeout);
    OffsetAndTimestamp start = at.get(src);
    if (start == null) {
      return -1;
    }
    source.assign(List.of(src));
    source.seek(src, start.offset());
    int scanned = 0;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (scanned < SCAN_LIMIT && source.position(src, timeout) < srcEnd && System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : source.poll(Duration.ofMillis(100))) {
        scanned++;
        if (r.timestamp() == copy.timestamp() && Arrays.equals(r.key(), copy.key()) && Arrays.equals(r.value(), copy.value())) {
          return r.offset();
        }
      }
    }
    return -1;
  }

  private ConsumerRecord<byte[], byte[]> last(KafkaConsumer<byte[], byte[]> c, TopicPartition tp, long begin, long end) {
    for (long back : new long[] {1, 100}) {
      List<ConsumerRecord<byte[], byte[]>> records = read(c, tp, Math.max(begin, end - back), end);
      if (!records.isEmpty()) {
        return records.get(records.size() - 1);
      }
    }
    return null;
  }

  private ConsumerRecord<byte[], byte[]> first(KafkaConsumer<byte[], byte[]> c, TopicPartition tp, long from, long end) {
    c.assign(List.of(tp));
    c.seek(tp, from);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (c.position(tp, timeout) < end && System.nanoTime() < deadline) {
      var records = c.poll(Duration.ofMillis(100));
      if (!records.isEmpty()) {
        return records.iterator().next();
      }
    }
    return null;
  }

  private List<ConsumerRecord<byte[], byte[]>> read(KafkaConsumer<byte[], byte[]> c, TopicPartition tp, long from, long end) {
    c.assign(List.of(tp));
    c.seek(tp, from);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (c.position(tp, timeout) < end && System.nanoTime() < deadline) {
      c.poll(Duration.ofMillis(100)).forEach(out::add);
    }
    return out;
  }

  private Optional<Duration> checkpointAge(Instant now) {
    String topic = new DefaultReplicationPolicy().checkpointsTopic(sourceAlias);
    List<PartitionInfo> parts = target.partitionsFor(topic, timeout);
    if (parts == null || parts.isEmpty()) {
      return Optional.empty();
    }
    long newest = -1;
    for (PartitionInfo p : parts) {
      TopicPartition tp = new TopicPartition(topic, p.partition());
      long begin = target.beginningOffsets(List.of(tp), timeout).get(tp);
      long end = target.endOffsets(List.of(tp), timeout).get(tp);
      if (end > begin) {
        ConsumerRecord<byte[], byte[]> r = last(target, tp, begin, end);
        if (r != null) {
          newest = Math.max(newest, r.timestamp());
        }
      }
    }
    return newest < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(Math.max(0, now.toEpochMilli() - newest)));
  }

  @Override
  public HealthSignal probe() {
    try {
      ReplicationLag lag = lag();
      Map<String, Double> metrics = new LinkedHashMap<>();
      metrics.put(Metrics.REPLICATION_LAG_RECORDS, (double) lag.totalRecords());
      metrics.put(Metrics.REPLICATION_LAG_SECONDS, lag.maxAge().toMillis() / 1000.0);
      lag.checkpointAge().ifPresent(a -> metrics.put("checkpoint_age_seconds", a.toMillis() / 1000.0));
      String detail = "%d records not yet replicated from %s (oldest %d ms old)%s%s".formatted(lag.totalRecords(), sourceAlias,
          lag.maxAge().toMillis(), lag.checkpointAge().map(a -> "; latest checkpoint " + a.toMillis() + " ms old").orElse(""),
          lag.missingTopics().isEmpty() ? "" : "; not replicated at all: " + lag.missingTopics());
      return new HealthSignal(name, lag.missingTopics().isEmpty() ? Status.HEALTHY : Status.DEGRADED, detail, metrics,
          clock.instant());
    } catch (RuntimeException e) {
      return new HealthSignal(name, Status.UNKNOWN, "Replication lag from %s unknown: a cluster did not answer within %s (%s)"
          .formatted(sourceAlias, timeout, e.getClass().getSimpleName()), Map.of(), clock.instant());
    }
  }

  @Override
  public synchronized void close() {
    if (source != null) {
      source.close(CloseOptions.timeout(Duration.ZERO));
      target.close(CloseOptions.timeout(Duration.ZERO));
      source = null;
      target = null;
    }
  }

  /**
   * @param sourceAlias  the source cluster's MirrorMaker alias (its region name)
   * @param sourceConfig client configuration of the source cluster
   * @param targetConfig client configuration of the target cluster
   */
  public static Builder builder(String sourceAlias, Map<String, Object> sourceConfig, Map<String, Object> targetConfig) {
    return new Builder(sourceAlias, sourceConfig, targetConfig);
  }

  /** Builder for {@link MirrorMakerReplicationProbe}. */
  public static final class Builder {
    private final String sourceAlias;
    private final Map<String, Object> sourceConfig;
    private final Map<String, Object> targetConfig;
    private ReplicationNaming naming;
    private List<String> topics = List.of();
    private Duration timeout = Duration.ofSeconds(10);
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.SYSTEM;

    private Builder(String sourceAlias, Map<String, Object> sourceConfig, Map<String, Object> targetConfig) {
      this.sourceAlias = Checks.requireNonBlank(sourceAlias, "source alias");
      this.sourceConfig = Checks.requireNonNull(sourceConfig, "source config");
      this.targetConfig = Checks.requireNonNull(targetConfig, "target config");
      this.naming = ReplicationNaming.prefixed(sourceAlias);
    }

    /** How source topics are named in the target (default MirrorMaker's: {@code ReplicationNaming.prefixed(alias)}). */
    public Builder naming(ReplicationNaming naming) {
      this.naming = Checks.requireNonNull(naming, "replication naming");
      return this;
    }

    /** Source topics to watch. */
    public Builder topics(List<String> topics) {
      this.topics = List.copyOf(Checks.requireNonNull(topics, "topics"));
      return this;
    }

    /** How long each cluster may take to answer (default 10 s). */
    public Builder timeout(Duration timeout) {
      this.timeout = Checks.requirePositive(timeout, "timeout");
      return this;
    }

    /** Dates the signals and times {@link #awaitCaughtUp} (default: the system's clock). */
    public Builder clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    /** How {@link #awaitCaughtUp} pauses between measurements (default: sleeping). */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Checks.requireNonNull(sleeper, "sleeper");
      return this;
    }

    public MirrorMakerReplicationProbe build() {
      return new MirrorMakerReplicationProbe(this);
    }
  }
}
