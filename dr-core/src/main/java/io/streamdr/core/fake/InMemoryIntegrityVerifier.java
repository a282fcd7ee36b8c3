package io.streamdr.core.fake;

import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.verify.AfterCut;
import io.streamdr.core.verify.Comparison;
import io.streamdr.core.verify.Discrepancy;
import io.streamdr.core.verify.Fingerprinter;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.IntegrityVerifier;
import io.streamdr.core.verify.PartitionComparator;
import io.streamdr.core.verify.PartitionResult;
import io.streamdr.core.verify.RecordFingerprint;
import io.streamdr.core.verify.VerificationRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link IntegrityVerifier} over in-memory clusters, using the same streaming comparison as the Kafka verifier.
 * Tests append records to named clusters (differently on each side to inject loss, duplicates, alteration,
 * reordering or lag) and commit group offsets, then verify. Thread-safe.
 *
 * <pre>{@code
 * var verifier = new InMemoryIntegrityVerifier();
 * verifier.cluster("us-east-1").append("orders", 0, "k1", "v1", 1000L);
 * verifier.cluster("us-west-2").append("orders", 0, "k1", "v1", 1000L);
 * assertThat(verifier.verify(VerificationRequest.builder("us-east-1", "us-west-2").topics("orders").build()).passed()).isTrue();
 * }</pre>
 */
public final class InMemoryIntegrityVerifier implements IntegrityVerifier {
  private final Clock clock;
  private final Map<String, Cluster> clusters = new ConcurrentHashMap<>();

  public InMemoryIntegrityVerifier() {
    this(Clock.systemUTC());
  }

  public InMemoryIntegrityVerifier(Clock clock) {
    this.clock = Checks.requireNonNull(clock, "clock");
  }

  /** The named cluster, created empty on first use. */
  public Cluster cluster(String name) {
    return clusters.computeIfAbsent(Checks.requireNonBlank(name, "cluster name"), Cluster::new);
  }

  /** An in-memory cluster: topics of partitions of fingerprinted records, and committed group offsets. */
  public static final class Cluster {
    private final String name;
    private final Map<String, Map<Integer, List<RecordFingerprint>>> topics = new TreeMap<>();
    private final Map<String, Map<String, Long>> groupOffsets = new TreeMap<>();
    private final Map<String, Long> nextOffset = new TreeMap<>();
    private final Fingerprinter fingerprinter = new Fingerprinter();

    private Cluster(String name) {
      this.name = name;
    }

    /** Appends a record with UTF-8 key and value (either may be null) and returns its offset. */
    public long append(String topic, int partition, String key, String value, long timestamp) {
      return append(topic, partition, bytes(key), bytes(value), List.of(), timestamp);
    }

    /** Appends a record and returns its offset. */
    public synchronized long append(String topic, int partition, byte[] key, byte[] value,
        List<Map.Entry<String, byte[]>> headers, long timestamp) {
      List<RecordFingerprint> log = topics.computeIfAbsent(topic, t -> new TreeMap<>())
          .computeIfAbsent(partition, p -> new ArrayList<>());
      long offset = nextOffset.getOrDefault(topic + "/" + partition, 0L);
      nextOffset.put(topic + "/" + partition, offset + 1);
      log.add(fingerprinter.fingerprint(offset, key, value, headers, timestamp));
      return offset;
    }

    /** Leaves a gap of {@code count} offsets in a partition, as compaction or transaction markers do. */
    public synchronized void skipOffsets(String topic, int partition, int count) {
      nextOffset.merge(topic + "/" + partition, (long) count, Long::sum);
    }

    /** Commits a group's offset (the next offset to consume) for a partition. */
    public synchronized void commit(String group, String topic, int partition, long offset) {
      groupOffsets.computeIfAbsent(group, g -> new TreeMap<>()).put(topic + "/" + partition, offset);
    }

    synchronized List<RecordFingerprint> snapshot(String topic, int partition) {
      return List.copyOf(topics.getOrDefault(topic, Map.of()).getOrDefault(partition, List.of()));
    }

    synchronized List<Integer> partitions(String topic) {
      Map<Integer, List<RecordFingerprint>> t = topics.get(topic);
      if (t == null) {
        throw new NotFoundException(ResourceType.TOPIC, topic, "Topic '%s' does not exist in cluster '%s'".formatted(topic, name));
      }
      return List.copyOf(t.keySet());
    }

    synchronized Map<String, Long> offsets(String group) {
      return Map.copyOf(groupOffsets.getOrDefault(group, Map.of()));
    }

    private static byte[] bytes(String s) {
      return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
  }

  @Override
  public IntegrityReport verify(VerificationRequest request) {
    Instant started = clock.instant();
    Cluster source = existing(request.source());
    Cluster target = existing(request.target());
    List<PartitionResult> results = new ArrayList<>();
    List<Discrepancy> discrepancies = new ArrayList<>();
    long oldestLag = Long.MAX_VALUE;
    for (String topic : request.topics()) {
      String targetTopic = request.naming().targetTopic(topic);
      for (int p : source.partitions(topic)) {
        List<RecordFingerprint> s = source.snapshot(topic, p);
        AfterCut afterCut = AfterCut.none(); // no cut-off: the snapshot of both sides is taken at once
        if (request.cutoff().isPresent()) {
          long cut = request.cutoff().get().toEpochMilli();
          int end = 0;
          while (end < s.size() && s.get(end).timestamp() <= cut) {
            end++;
          }
          List<RecordFingerprint> after = s.subList(end, s.size());
          afterCut = AfterCut.sourceContinues(after::iterator);
          s = s.subList(0, end);
        }
        List<RecordFingerprint> t = target.snapshot(targetTopic, p);
        Set<Long> positions = new TreeSet<>();
        for (String group : request.groups()) {
          Long pos = source.offsets(group).get(topic + "/" + p);
          if (pos != null) {
            positions.add(pos);
          }
        }
        PartitionComparator.Outcome o = request.comparison() == Comparison.LATEST_PER_KEY
            ? PartitionComparator.compareLatestPerKey(topic, targetTopic, p, s.iterator(), t.iterator(), afterCut)
            : PartitionComparator.compare(topic, targetTopic, p, s.iterator(), t.iterator(), request.window(), positions, afterCut);
        results.add(o.result());
        discrepancies.addAll(o.discrepancies());
        OptionalLong lagTs = o.oldestLagTimestamp();
        if (lagTs.isPresent()) {
          oldestLag = Math.min(oldestLag, lagTs.getAsLong());
        }
        for (String group : request.groups()) {
          compareGroup(group, topic, targetTopic, p, source, target, o.positions()).ifPresent(discrepancies::add);
        }
      }
    }
    Duration rpoTime = oldestLag == Long.MAX_VALUE ? Duration.ZERO
        : Duration.ofMillis(Math.max(0, started.toEpochMilli() - oldestLag));
    String cut = request.cutoff().map(c -> "source records stamped up to " + c + "; target records past them must be the source's later records")
        .orElse("both sides as they were at " + started + " (taken at once); every target record past the source's last is extra");
    return IntegrityReport.of(request.source(), request.target(), cut, results, discrepancies, rpoTime, started, clock.instant());
  }

  /** A group's target position must point at the same record (by content) as its source position. */
  private static Optional<Discrepancy> compareGroup(String group, String topic, String targetTopic, int p,
      Cluster source, Cluster target, Map<Long, Long> positions) {
    Long sourcePos = source.offsets(group).get(topic + "/" + p);
    if (sourcePos == null) {
      return Optional.empty();
    }
    Long targetPos = target.offsets(group).get(targetTopic + "/" + p);
    long expected = positions.getOrDefault(sourcePos, 0L);
    if (targetPos != null && targetPos == expected) {
      return Optional.empty();
    }
    String detail = targetPos == null
        ? "group '%s' has no committed offset on the target (expected %d)".formatted(group, expected)
        : targetPos > expected
            ? "group '%s' is ahead on the target by %d record(s): would skip data".formatted(group, targetPos - expected)
            : "group '%s' is behind on the target by %d record(s): would re-deliver".formatted(group, expected - targetPos);
    return Optional.of(new Discrepancy(Discrepancy.Kind.GROUP_OFFSET, topic, p, sourcePos,
        targetPos == null ? -1 : targetPos, 1, detail));
  }

  private Cluster existing(String name) {
    Cluster c = clusters.get(name);
    if (c == null) {
      throw new NotFoundException(ResourceType.CLUSTER, name,
          "No in-memory cluster '%s'; known: %s — create it with cluster(\"%s\")".formatted(name, clusters.keySet(), name));
    }
    return c;
  }
}
