package io.streamdr.kafka.verify;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.UnreachableException;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.progress.ProgressListener;
import io.streamdr.core.progress.ProgressTracker;
import io.streamdr.core.verify.AfterCut;
import io.streamdr.core.verify.Comparison;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.IntegrityVerifier;
import io.streamdr.core.verify.PartitionComparator;
import io.streamdr.core.verify.RecordFingerprint;
import io.streamdr.core.verify.ReplicationNaming;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.kafka.KafkaClientFactory;
import io.streamdr.kafka.backup.BackupChain;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.internal.Bootstrap;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Compares a backup with a cluster: the records of the backup chain ending at the request's {@linkplain
 * VerificationRequest#source() source} (a backup id), read from its segments with every frame's CRC checked, against
 * the same topics in the cluster named by its {@linkplain VerificationRequest#target() target}, renamed by its
 * {@linkplain VerificationRequest#naming() naming} (a restore may have renamed them). Records are aligned by content,
 * so a restore into new offsets compares correctly: that the source still holds what was backed up, or that a
 * restore holds exactly the backup's records. Records of the backup absent in the middle of the cluster's partition
 * are MISSING; absent at its end, LAG (a restore still running, or stopped early); altered or reordered ones are
 * named as such. Against the backup's own cluster, records past the backup's end offsets are beyond its cut;
 * against another cluster, only records stamped after the backup started are.
 *
 * <p>The request's topics are the backup's topics to compare ({@link #requestFor} names all of them); its comparison
 * and window apply as to two clusters. A backup's cut is the one it was taken at, and it holds no consumer-group
 * positions to compare: a request with a cutoff or groups is refused.
 *
 * <pre>{@code
 * var verifier = new BackupIntegrityVerifier(backups, Map.of("us-west-2", westConfig));
 * IntegrityReport report = verifier.verify(verifier.requestFor("orders-2026-11-24", "us-west-2").build());
 * }</pre>
 */
public final class BackupIntegrityVerifier implements IntegrityVerifier {
  private final BackupTarget backups;
  private final Map<String, Map<String, Object>> clusters;
  private final Clock clock;
  private volatile ProgressListener progress = ProgressListener.NONE;
  private volatile KafkaClientFactory clients = KafkaClientFactory.DEFAULT;

  /** @param clusters Kafka client settings by cluster name, as {@link KafkaIntegrityVerifier} takes them */
  public BackupIntegrityVerifier(BackupTarget backups, Map<String, Map<String, Object>> clusters) {
    this(backups, clusters, Clock.systemUTC());
  }

  public BackupIntegrityVerifier(BackupTarget backups, Map<String, Map<String, Object>> clusters, Clock clock) {
    this.backups = Checks.requireNonNull(backups, "backups");
    this.clusters = Map.copyOf(Checks.requireNonNull(clusters, "clusters"));
    this.clock = Checks.requireNonNull(clock, "clock");
  }

  /** Told how the comparison advances (records read on the cluster's side). */
  public BackupIntegrityVerifier progress(ProgressListener listener) {
    this.progress = Checks.requireNonNull(listener, "progress listener");
    return this;
  }

  /** Where the comparison's admin client and consumers come from (default: kafka-clients' own). Returns this. */
  public BackupIntegrityVerifier clients(KafkaClientFactory clients) {
    this.clients = Checks.requireNonNull(clients, "client factory");
    return this;
  }

  /** A request comparing every topic of the backup with {@code cluster}, to adjust (naming, comparison) and build. */
  public VerificationRequest.Builder requestFor(String backupId, String cluster) {
    return VerificationRequest.builder(backupId, cluster).topics(BackupChain.resolve(backups, backupId).topicNames());
  }

  /**
   * @throws io.streamdr.core.BackupCorruptedException if a segment is damaged (named, with its frame)
   * @throws io.streamdr.core.NotFoundException if the backup, the cluster or a topic does not exist
   * @throws InvalidRequestException for a topic the backup does not hold, a cutoff or consumer groups
   */
  @Override
  public IntegrityReport verify(VerificationRequest request) {
    if (request.cutoff().isPresent()) {
      throw new InvalidRequestException(ResourceType.BACKUP, request.source(),
          "A cutoff does not apply to backup " + request.source() + ": a backup's cut is the one it was taken at");
    }
    if (!request.groups().isEmpty()) {
      throw new InvalidRequestException(ResourceType.CONSUMER_GROUP, request.groups().get(0),
          "Consumer groups %s are not compared with backup %s: it holds no positions of theirs; compare them between two clusters"
              .formatted(request.groups(), request.source()));
    }
    return compare(request.source(), request.target(), request.naming(),
        new LinkedHashSet<>(request.topics()), request.comparison(), request.window());
  }

  /** The backup chain ending at {@code backupId}, its topics in {@code topics} (all when empty), against {@code cluster}. */
  private IntegrityReport compare(String backupId, String cluster, ReplicationNaming naming,
      Set<String> topics, Comparison how, int window) {
    Instant started = clock.instant();
    Map<String, Object> target = clusters.get(cluster);
    if (target == null) {
      throw new NotFoundException(ResourceType.CLUSTER, cluster, "No cluster named '%s'; known: %s".formatted(cluster, clusters.keySet()));
    }
    Bootstrap.check(target, "cluster '" + cluster + "'");
    BackupChain chain = BackupChain.resolve(backups, backupId);
    BackupManifest last = chain.last();
    List<String> held = chain.topicNames();
    List<String> unknown = topics.stream().filter(t -> !held.contains(t)).sorted().toList();
    if (!unknown.isEmpty()) {
      throw new InvalidRequestException(ResourceType.TOPIC, unknown.get(0), "Backup %s holds no topic %s; it holds %s"
          .formatted(backupId, String.join(", ", unknown), held));
    }
    List<Supplier<ComparedPartition>> tasks = new ArrayList<>();
    SideReader targetSide = new SideReader(target, clients);
    String targetClusterId;
    try (Admin admin = clients.admin(target)) {
      targetClusterId = admin.describeCluster().clusterId().get(ClusterCalls.apiTimeout(target).toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new UnreachableException(ResourceType.CLUSTER, cluster, "Could not reach cluster '%s' to compare backup %s with it: %s"
          .formatted(cluster, backupId, e.getMessage()), e);
    } catch (InterruptedException e) {
      throw new DrInterruptedException("verifying", e);
    }
    boolean sameCluster = targetClusterId.equals(last.sourceClusterId());
    try (Consumer<ByteBuffer, ByteBuffer> tc = ClusterCalls.consumer(target, clients); Admin admin = clients.admin(target)) {
      for (BackupManifest.TopicEntry topic : last.topics()) {
        if (!topics.isEmpty() && !topics.contains(topic.name())) {
          continue;
        }
        String targetTopic = naming.targetTopic(topic.name());
        List<TopicPartition> tps = ClusterCalls.ask(cluster, target, () -> ClusterCalls.partitions(tc, targetTopic, cluster, ClusterCalls.apiTimeout(target)));
        String policy = topic.configs() == null ? null : topic.configs().get("cleanup.policy");
        Comparison comparison = how != Comparison.AUTO ? how
            : (policy != null && policy.contains("compact")) || ClusterCalls.compacted(admin, targetTopic) ? Comparison.LATEST_PER_KEY
            : Comparison.RECORDS;
        Map<TopicPartition, Long> targetStart = ClusterCalls.ask(cluster, target, () -> tc.beginningOffsets(tps, ClusterCalls.apiTimeout(target)));
        Map<TopicPartition, Long> targetEnd = ClusterCalls.ask(cluster, target, () -> tc.endOffsets(tps, ClusterCalls.apiTimeout(target)));
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
            return new ComparedPartition(comparison == Comparison.LATEST_PER_KEY
                ? PartitionComparator.compareLatestPerKey(topic.name(), targetTopic, p.partition(), new BackupFingerprints(backups, segments, comparison == Comparison.LATEST_PER_KEY),
                    targetRecords, afterCut)
                : PartitionComparator.compare(topic.name(), targetTopic, p.partition(), new BackupFingerprints(backups, segments, comparison == Comparison.LATEST_PER_KEY),
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
    return ComparisonRun.run("backup " + backupId, cluster, cut, started, tasks, List.of(targetSide), clock);
  }
}
