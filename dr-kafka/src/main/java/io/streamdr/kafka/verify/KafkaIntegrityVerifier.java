package io.streamdr.kafka.verify;

import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.progress.ProgressListener;
import io.streamdr.core.progress.ProgressTracker;
import io.streamdr.core.verify.AfterCut;
import io.streamdr.core.verify.Comparison;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.IntegrityVerifier;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.kafka.KafkaClientFactory;
import io.streamdr.kafka.internal.Bootstrap;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

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
  private volatile ProgressListener progress = ProgressListener.NONE;
  private volatile KafkaClientFactory clients = KafkaClientFactory.DEFAULT;

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

  /** Where the verification's admin clients and consumers come from (default: kafka-clients' own). Returns this. */
  public KafkaIntegrityVerifier clients(KafkaClientFactory clients) {
    this.clients = Checks.requireNonNull(clients, "client factory");
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
    List<PartitionJob> jobs = new ArrayList<>();
    try (Consumer<ByteBuffer, ByteBuffer> sc = ClusterCalls.consumer(source, clients); Consumer<ByteBuffer, ByteBuffer> tc = ClusterCalls.consumer(target, clients);
         Admin sourceAdmin = clients.admin(source); Admin targetAdmin = clients.admin(target)) {
      for (String topic : request.topics()) {
        String targetTopic = request.naming().targetTopic(topic);
        String sn = request.source();
        String tn = request.target();
        List<TopicPartition> sps = ClusterCalls.ask(sn, source, () -> ClusterCalls.partitions(sc, topic, sn, ClusterCalls.apiTimeout(source)));
        List<TopicPartition> tps = ClusterCalls.ask(tn, target, () -> ClusterCalls.partitions(tc, targetTopic, tn, ClusterCalls.apiTimeout(target)));
        Map<TopicPartition, Long> sourceStart = ClusterCalls.ask(sn, source, () -> sc.beginningOffsets(sps, ClusterCalls.apiTimeout(source)));
        Map<TopicPartition, Long> sourceEnd = ClusterCalls.ask(sn, source, () -> ClusterCalls.cut(sc, sps, request, ClusterCalls.apiTimeout(source)));
        Map<TopicPartition, Long> targetEnd = ClusterCalls.ask(tn, target, () -> tc.endOffsets(tps, ClusterCalls.apiTimeout(target)));
        Map<TopicPartition, Long> targetStart = ClusterCalls.ask(tn, target, () -> tc.beginningOffsets(tps, ClusterCalls.apiTimeout(target)));
        Map<String, Map<Integer, Long>> sourceGroups = ClusterCalls.groups(sourceAdmin, request.groups(), topic);
        Map<String, Map<Integer, Long>> targetGroups = ClusterCalls.groups(targetAdmin, request.groups(), targetTopic);
        Comparison comparison = request.comparison() != Comparison.AUTO ? request.comparison()
            : ClusterCalls.compacted(sourceAdmin, topic) || ClusterCalls.compacted(targetAdmin, targetTopic) ? Comparison.LATEST_PER_KEY : Comparison.RECORDS;
        for (TopicPartition sp : sps) {
          TopicPartition tp = new TopicPartition(targetTopic, sp.partition());
          jobs.add(new PartitionJob(topic, sp, tp, sourceStart.get(sp), sourceEnd.get(sp), targetStart.getOrDefault(tp, 0L),
              targetEnd.getOrDefault(tp, -1L), sourceGroups, targetGroups, comparison));
        }
      }
    }
    SideReader sourceSide = new SideReader(source, clients);
    SideReader targetSide = new SideReader(target, clients);
    for (PartitionJob job : jobs) {
      boolean keyed = job.comparison() == Comparison.LATEST_PER_KEY;
      sourceSide.add(job.sp(), job.sourceStart(), job.sourceEnd(), keyed);
      if (job.targetEnd() >= 0) {
        targetSide.add(job.tp(), job.targetStart(), job.targetEnd(), keyed);
      }
    }
    List<Supplier<ComparedPartition>> tasks = new ArrayList<>();
    for (PartitionJob job : jobs) {
      tasks.add(() -> {
        try (RangeReader after = new RangeReader(source, clients, job.sp(), job.sourceEnd(), job.comparison() == Comparison.LATEST_PER_KEY)) {
          return job.compare(sourceSide.records(job.sp()),
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
    return ComparisonRun.run(request.source(), request.target(), cut, started, tasks, List.of(sourceSide, targetSide), clock);
  }

}
