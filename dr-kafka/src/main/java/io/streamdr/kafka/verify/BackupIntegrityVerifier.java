package io.streamdr.kafka.verify;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.progress.ProgressListener;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.IntegrityVerifier;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.kafka.backup.BackupChain;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Map;

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
  private final KafkaIntegrityVerifier clusters;

  /** @param clusters Kafka client settings by cluster name, as {@link KafkaIntegrityVerifier} takes them */
  public BackupIntegrityVerifier(BackupTarget backups, Map<String, Map<String, Object>> clusters) {
    this(backups, clusters, Clock.systemUTC());
  }

  public BackupIntegrityVerifier(BackupTarget backups, Map<String, Map<String, Object>> clusters, Clock clock) {
    this.backups = Checks.requireNonNull(backups, "backups");
    this.clusters = new KafkaIntegrityVerifier(clusters, clock);
  }

  /** Told how the comparison advances (records read on the cluster's side). */
  public BackupIntegrityVerifier progress(ProgressListener listener) {
    clusters.progress(listener);
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
    return clusters.verifyBackup(backups, request.source(), request.target(), request.naming(),
        new LinkedHashSet<>(request.topics()), request.comparison(), request.window());
  }
}
