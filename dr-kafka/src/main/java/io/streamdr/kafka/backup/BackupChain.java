package io.streamdr.kafka.backup;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.BackupIoException;
import io.streamdr.core.DrException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Sha256;
import io.streamdr.kafka.internal.segment.SegmentReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A backup and the backups it continues, full backup first: what a restore or a verification reads. Resolving a
 * chain reads and checks every manifest in it (format, version, checksum); a missing parent or a chain that does not
 * start with a full backup is refused, naming the backup concerned. Segments are verified here for restore, catalog
 * and verifier alike.
 */
public final class BackupChain {
  private final BackupTarget target;
  private final List<BackupManifest> manifests;

  private BackupChain(BackupTarget target, List<BackupManifest> manifests) {
    this.target = target;
    this.manifests = List.copyOf(manifests);
  }

  /**
   * The chain ending at {@code backupId}.
   *
   * @throws NotFoundException if the backup, or a backup it continues, has no manifest
   * @throws BackupCorruptedException if a manifest is damaged or changed, or the chain does not start with a full backup
   */
  public static BackupChain resolve(BackupTarget target, String backupId) {
    Walk walk = walk(target, backupId);
    if (walk.problem() != null) {
      throw walk.problem();
    }
    return new BackupChain(target, walk.manifests());
  }

  /**
   * The chain from {@code backupId} as far as it could be followed, full backup first, and why it is not restorable if
   * it is not (a missing or damaged backup in it, or no full backup at its start).
   */
  record Walk(List<BackupManifest> manifests, DrException problem) {}

  /** @throws NotFoundException if {@code backupId} itself has no manifest */
  static Walk walk(BackupTarget target, String backupId) {
    Checks.requireNonNull(target, "target");
    Checks.requireNonBlank(backupId, "backup id");
    List<BackupManifest> chain = new ArrayList<>();
    for (String id = backupId; id != null; ) {
      BackupManifest m;
      try {
        m = BackupManifest.read(target, id);
      } catch (NotFoundException e) {
        if (id.equals(backupId)) {
          throw e;
        }
        return new Walk(chain, new NotFoundException(ResourceType.BACKUP, id, ("Backup %s continues %s, which is missing (no manifest): %s cannot "
            + "be restored; restore an older complete chain, or take a new full backup").formatted(chain.get(0).id(), id, backupId)));
      } catch (BackupCorruptedException e) {
        return new Walk(chain, id.equals(backupId) ? e : new BackupCorruptedException(e.resourceName().orElse(id),
            "Backup %s continues %s, which is damaged: %s".formatted(chain.get(0).id(), id, e.getMessage()), e));
      }
      chain.add(0, m);
      id = m.parent();
      if (chain.size() > 10_000) {
        return new Walk(chain, new BackupCorruptedException(backupId, "Backup chain of %s does not end in a full backup".formatted(backupId)));
      }
    }
    if (chain.get(0).type() != BackupManifest.Type.FULL) {
      return new Walk(chain, new BackupCorruptedException(chain.get(0).id(), "Backup chain of %s starts with %s, which is not a full backup"
          .formatted(backupId, chain.get(0).id())));
    }
    return new Walk(chain, null);
  }

  /** The same chain, its segments read from {@code other} (a local copy of some of them, say), its manifests not read again. */
  public BackupChain readingFrom(BackupTarget other) {
    return new BackupChain(Checks.requireNonNull(other, "target"), manifests);
  }

  /** The manifests, full backup first. */
  public List<BackupManifest> manifests() {
    return manifests;
  }

  /** The backup the chain ends at: the one asked for. */
  public BackupManifest last() {
    return manifests.get(manifests.size() - 1);
  }

  /** The backup ids, full backup first. */
  public List<String> ids() {
    return manifests.stream().map(BackupManifest::id).toList();
  }

  /** Names of the topics the chain's last backup holds. */
  public List<String> topicNames() {
    return last().topics().stream().map(BackupManifest.TopicEntry::name).toList();
  }

  /** Records the chain stores for one partition, all backups together. */
  public long records(String topic, int partition) {
    return segments(topic, partition).stream().mapToLong(s -> s.entry().records()).sum();
  }

  /** A segment of the chain and the backup it belongs to. */
  public record Segment(String backupId, String topic, int partition, BackupManifest.SegmentEntry entry) {}

  /** The segments of one partition, in order through the chain. */
  public List<Segment> segments(String topic, int partition) {
    List<Segment> out = new ArrayList<>();
    for (BackupManifest m : manifests) {
      m.topic(topic).ifPresent(t -> t.partitions().stream().filter(p -> p.partition() == partition)
          .forEach(p -> p.segments().forEach(s -> out.add(new Segment(m.id(), topic, partition, s)))));
    }
    return out;
  }

  /** Verifies every segment of one partition; see {@link #verify(BackupTarget, Segment)}. */
  public long verify(String topic, int partition) {
    long records = 0;
    for (Segment s : segments(topic, partition)) {
      records += verify(target, s);
    }
    return records;
  }

  /**
   * Reads a segment once, checking its SHA-256 against the manifest, every frame's CRC and its record count.
   *
   * @return the records it holds
   * @throws BackupCorruptedException naming backup, topic-partition, segment and frame
   */
  public static long verify(BackupTarget target, Segment s) {
    BackupKey key = new BackupKey(s.entry().key());
    MessageDigest sha = Sha256.digest();
    long records = 0;
    try (InputStream raw = target.open(key); DigestInputStream in = new DigestInputStream(raw, sha);
         SegmentReader reader = new SegmentReader(in, s.entry().key())) {
      while (reader.skip()) {
        records++;
      }
      in.transferTo(OutputStream.nullOutputStream());
    } catch (BackupCorruptedException e) {
      throw new BackupCorruptedException(s.entry().key(), "Backup %s, %s-%d: %s".formatted(s.backupId(), s.topic(), s.partition(),
          e.getMessage()), e);
    } catch (NotFoundException e) {
      throw new BackupCorruptedException(s.entry().key(), "Backup %s, %s-%d: segment '%s' is missing; the backup is damaged — restore from another backup"
          .formatted(s.backupId(), s.topic(), s.partition(), s.entry().key()), e);
    } catch (IOException e) {
      throw new BackupIoException(key, "read", e);
    }
    String actual = HexFormat.of().formatHex(sha.digest());
    if (!actual.equals(s.entry().sha256())) {
      throw new BackupCorruptedException(s.entry().key(), ("Backup %s, %s-%d: segment '%s' has SHA-256 %s but its manifest records %s; "
          + "it was altered — restore from another backup").formatted(s.backupId(), s.topic(), s.partition(), s.entry().key(), actual,
          s.entry().sha256()));
    }
    if (records != s.entry().records()) {
      throw new BackupCorruptedException(s.entry().key(), "Backup %s, %s-%d: segment '%s' holds %d records but its manifest records %d"
          .formatted(s.backupId(), s.topic(), s.partition(), s.entry().key(), records, s.entry().records()));
    }
    return records;
  }

  /** The records of one partition through the chain, in order, cut at a point in time; one segment open at a time. */
  public PartitionRecords records(String topic, int partition, Instant pointInTime) {
    return new PartitionRecords(target, segments(topic, partition), pointInTime);
  }
}
