package io.streamdr.kafka.backup;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.DrException;
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
 * A backup without a manifest (interrupted, not resumed) is not listed: it does not exist yet. Every manifest read is
 * checked (format, version, checksum); a damaged one is reported, never used.
 */
public final class BackupCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(BackupCatalog.class);
  private static final String PREFIX = "topic-backups/";
  private final BackupTarget target;

  public BackupCatalog(BackupTarget target) {
    this.target = Checks.requireNonNull(target, "target");
  }

  /** A backup whose manifest exists but cannot be used: unreadable, of another format, or changed after it was written. */
  public record Damaged(String backupId, String problem) {}

  /** Every backup with a manifest: the intact ones oldest first, and the damaged ones. */
  public record Listing(List<BackupManifest> backups, List<Damaged> damaged) {}

  /** Every backup with a manifest, intact or damaged. */
  public Listing listAll() {
    List<BackupManifest> out = new ArrayList<>();
    List<Damaged> damaged = new ArrayList<>();
    for (BackupObject o : target.list(PREFIX)) {
      List<String> segs = o.key().segments();
      if (segs.size() == 3 && segs.get(2).equals("manifest.json")) {
        try {
          out.add(BackupManifest.read(target, segs.get(1)));
        } catch (BackupCorruptedException e) {
          damaged.add(new Damaged(segs.get(1), e.getMessage()));
        }
      }
    }
    out.sort(Comparator.comparing(BackupManifest::startedAt).thenComparing(BackupManifest::id));
    return new Listing(out, damaged);
  }

  /** Every complete, intact backup, oldest first; damaged manifests are left out (and logged). */
  public List<BackupManifest> list() {
    Listing all = listAll();
    all.damaged().forEach(d -> LOG.warn("Backup {} is damaged and left out: {}", d.backupId(), d.problem()));
    return all.backups();
  }

  /** The newest complete backup, if any. */
  public Optional<BackupManifest> latest() {
    List<BackupManifest> all = list();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /**
   * One backup's manifest.
   *
   * @throws NotFoundException if it does not exist (or is incomplete)
   * @throws BackupCorruptedException if its manifest is damaged
   */
  public BackupManifest describe(String backupId) {
    return BackupManifest.read(target, backupId);
  }

  /**
   * The outcome of {@link #verify}: ok, or every problem found.
   *
   * @param backupId        the backup verified
   * @param chain           the backups verified with it, full backup first (as far as the chain could be followed)
   * @param ok              whether the whole chain is intact and restorable
   * @param segmentsChecked segments read
   * @param recordsChecked  records read
   * @param problems        every problem, each naming the backup and object concerned
   */
  public record VerifyReport(String backupId, List<String> chain, boolean ok, int segmentsChecked, long recordsChecked,
      List<String> problems) {}

  /**
   * Verifies a backup and every backup it continues, down to the full one: each manifest (present, valid, unchanged),
   * the chain (a missing parent makes an incremental unrestorable), and every segment (SHA-256, every frame's CRC,
   * record counts).
   *
   * @throws NotFoundException if the backup itself has no manifest
   */
  public VerifyReport verify(String backupId) {
    BackupChain.Walk walk = BackupChain.walk(target, backupId);
    List<BackupManifest> chain = walk.manifests();
    List<String> problems = new ArrayList<>();
    if (walk.problem() != null) {
      problems.add(walk.problem().getMessage());
    }
    for (BackupManifest m : chain) {
      if (!m.checksummed()) {
        problems.add("Backup %s: its manifest (format version %d) carries no checksum, so changes to it cannot be detected; take a new full backup"
            .formatted(m.id(), m.version()));
      }
    }
    int segments = 0;
    long records = 0;
    for (BackupManifest m : chain) {
      for (BackupManifest.TopicEntry t : m.topics()) {
        for (BackupManifest.PartitionEntry p : t.partitions()) {
          for (BackupManifest.SegmentEntry s : p.segments()) {
            segments++;
            try {
              records += BackupChain.verify(target, new BackupChain.Segment(m.id(), t.name(), p.partition(), s));
            } catch (DrException e) {
              problems.add(e.getMessage());
            }
          }
        }
      }
    }
    return new VerifyReport(backupId, chain.stream().map(BackupManifest::id).toList(), problems.isEmpty(), segments, records, problems);
  }

  /**
   * The outcome of {@link #prune}.
   *
   * @param deleted      backups deleted (or, in a dry run, that would be)
   * @param kept         backups kept
   * @param dryRun       whether nothing was deleted
   * @param abandoned    what was removed of writes abandoned by killed backups (none in a dry run)
   * @param continuous   per continuous backup, its checkpoints thinned and the segments no kept one needs
   */
  public record PruneResult(List<String> deleted, List<String> kept, boolean dryRun, BackupTarget.CleanUp abandoned,
      List<ContinuousBackup.PruneResult> continuous) {}

  /**
   * Deletes backups the policy no longer keeps: never the newest full backup, never a backup a kept incremental
   * depends on. Checkpoints of continuous backups are thinned by {@link ContinuousBackup.Thinning#defaults()}. A backup is deleted manifest first, so it stops existing before its data goes. Also removes the
   * temporary objects of writes whose process died (see {@link BackupTarget#removeAbandonedWrites()}). Damaged
   * backups are neither kept nor deleted: they are left for a person to look at.
   */
  public PruneResult prune(RetentionPolicy policy, Instant now, boolean dryRun) {
    return prune(policy, ContinuousBackup.Thinning.defaults(), now, dryRun);
  }

  /**
   * The same, with the checkpoints of continuous backups thinned by {@code thinning} (see {@link ContinuousBackup#prune})
   * rather than judged as full backups.
   */
  public PruneResult prune(RetentionPolicy policy, ContinuousBackup.Thinning thinning, Instant now, boolean dryRun) {
    List<BackupManifest> everything = list();
    List<BackupManifest> all = everything.stream().filter(m -> !ContinuousBackup.isCheckpoint(m.id())).toList();
    Map<String, BackupManifest> checkpoints = new HashMap<>();
    everything.stream().filter(m -> ContinuousBackup.isCheckpoint(m.id())).forEach(m -> checkpoints.put(m.id(), m));
    List<ContinuousBackup.PruneResult> continuous = checkpoints.keySet().stream().map(ContinuousBackup::nameOf).distinct().sorted()
        .map(name -> new ContinuousBackup(target, name).prune(thinning, now, dryRun, checkpoints)).toList();
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
    BackupTarget.CleanUp abandoned = dryRun ? BackupTarget.CleanUp.NONE : target.removeAbandonedWrites();
    return new PruneResult(deleted, kept, dryRun, abandoned, continuous);
  }
}
