package io.streamdr.kafka.backup;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Checks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topic backups in a {@link BackupTarget}: list, describe, verify without restoring, prune by retention.
 * A backup without a manifest (interrupted, not resumed) is not listed: it does not exist yet.
 */
public final class BackupCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(BackupCatalog.class);
  private static final String PREFIX = "topic-backups/";
  private final BackupTarget target;

  public BackupCatalog(BackupTarget target) {
    this.target = Checks.requireNonNull(target, "target");
  }

  /** Every complete backup, oldest first. */
  public List<BackupManifest> list() {
    List<BackupManifest> out = new ArrayList<>();
    for (BackupObject o : target.list(PREFIX)) {
      List<String> segs = o.key().segments();
      if (segs.size() == 3 && segs.get(2).equals("manifest.json")) {
        out.add(BackupManifest.read(target, segs.get(1)));
      }
    }
    out.sort(Comparator.comparing(BackupManifest::startedAt).thenComparing(BackupManifest::id));
    return out;
  }

  /** The newest complete backup, if any. */
  public Optional<BackupManifest> latest() {
    List<BackupManifest> all = list();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** One backup's manifest. @throws NotFoundException if it does not exist (or is incomplete) */
  public BackupManifest describe(String backupId) {
    if (!target.exists(BackupManifest.key(backupId))) {
      throw new NotFoundException("backup", backupId,
          "No complete backup '%s' in the target; list backups with BackupCatalog.list()".formatted(backupId));
    }
    return BackupManifest.read(target, backupId);
  }

  /** The outcome of {@link #verify}: ok, or every problem found. */
  public record VerifyReport(String backupId, boolean ok, int segmentsChecked, long recordsChecked, List<String> problems) {}

  /** Re-reads every segment of a backup and checks its SHA-256, every frame's CRC and the record counts. */
  public VerifyReport verify(String backupId) {
    BackupManifest m = describe(backupId);
    List<String> problems = new ArrayList<>();
    int segments = 0;
    long records = 0;
    for (BackupManifest.TopicEntry t : m.topics()) {
      for (BackupManifest.PartitionEntry p : t.partitions()) {
        for (BackupManifest.SegmentEntry s : p.segments()) {
          segments++;
          try {
            records += TopicRestore.verifySegment(target, backupId, s);
          } catch (BackupCorruptedException | NotFoundException e) {
            problems.add(e.getMessage());
          }
        }
      }
    }
    return new VerifyReport(backupId, problems.isEmpty(), segments, records, problems);
  }

  /** The outcome of {@link #prune}. */
  public record PruneResult(List<String> deleted, List<String> kept, boolean dryRun) {}

  /**
   * Deletes backups the policy no longer keeps: never the newest full backup, never a backup a kept incremental
   * depends on. A backup is deleted manifest first, so it stops existing before its data goes.
   */
  public PruneResult prune(RetentionPolicy policy, Instant now, boolean dryRun) {
    List<BackupManifest> all = list();
    Map<String, BackupManifest> byId = new HashMap<>();
    all.forEach(m -> byId.put(m.id(), m));
    Set<String> keep = new HashSet<>();
    all.stream().filter(m -> m.type() == BackupManifest.Type.FULL).reduce((a, b) -> b).ifPresent(m -> keep.add(m.id()));
    for (BackupManifest m : all) {
      var maxAge = m.type() == BackupManifest.Type.FULL ? policy.fullMaxAge() : policy.incrementalMaxAge();
      if (!m.startedAt().isBefore(now.minus(maxAge))) {
        keep.add(m.id());
      }
    }
    for (String id : new ArrayList<>(keep)) { // everything a kept backup depends on
      for (String p = byId.get(id).parent(); p != null && byId.containsKey(p); p = byId.get(p).parent()) {
        keep.add(p);
      }
    }
    List<String> deleted = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    for (BackupManifest m : all) {
      if (keep.contains(m.id())) {
        kept.add(m.id());
        continue;
      }
      deleted.add(m.id());
      if (!dryRun) {
        target.delete(BackupManifest.key(m.id()));
        for (BackupObject o : target.list(PREFIX + m.id() + "/")) {
          target.delete(o.key());
        }
        LOG.info("Pruned backup {} ({}, started {})", m.id(), m.type(), m.startedAt());
      }
    }
    return new PruneResult(deleted, kept, dryRun);
  }
}
