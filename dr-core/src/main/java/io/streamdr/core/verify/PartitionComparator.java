package io.streamdr.core.verify;

import io.streamdr.core.verify.Discrepancy.Kind;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares one partition of a source and a target in a single streaming pass over both, aligning records by content
 * rather than offset (MirrorMaker 2 renumbers offsets), with a bounded look-ahead window so memory does not grow
 * with the partition.
 *
 * <p>Where the sides differ, the comparator looks up to {@code window} records ahead on each side to tell a
 * missing record (the target's record appears later in the source), an extra one (the source's record appears later
 * in the target), two adjacent records swapped (reordered) and an altered one (neither appears). Source records after
 * the target's last record are lag. Target records after the source's last compared record are beyond the cut only
 * where the {@link AfterCut} explains them, and EXTRA otherwise, so a doubled copy never passes.
 *
 * <p>{@link #compareLatestPerKey} compares compacted topics by the latest value of every key instead.
 */
public final class PartitionComparator {
  /** Default look-ahead: runs of up to this many missing or extra records are located exactly. */
  public static final int DEFAULT_WINDOW = 10_000;

  private PartitionComparator() {}

  /**
   * The outcome for one partition.
   *
   * @param positions for each source position asked for, the target offset of the same record (the first matched
   *                  record at or after it), or the target's end if no later record matched
   */
  public record Outcome(PartitionResult result, List<Discrepancy> discrepancies, OptionalLong oldestLagTimestamp,
      Map<Long, Long> positions) {}

  /** Compares record by record; every target record past the source's last one is EXTRA. */
  public static Outcome compare(String topic, String targetTopic, int partition, Iterator<RecordFingerprint> source,
      Iterator<RecordFingerprint> target, int window) {
    return compare(topic, targetTopic, partition, source, target, window, Set.of(), AfterCut.none());
  }

  /**
   * Compares record by record, judges target records past the compared range by {@code afterCut}, and maps the
   * given source positions (committed consumer offsets) to target offsets.
   */
  public static Outcome compare(String topic, String targetTopic, int partition, Iterator<RecordFingerprint> source,
      Iterator<RecordFingerprint> target, int window, Set<Long> sourcePositions, AfterCut afterCut) {
    return new Run(topic, targetTopic, partition, source, target, Math.max(2, window), sourcePositions,
        Objects.requireNonNull(afterCut, "afterCut")).execute();
  }

  /**
   * Compares the latest value of every key, tombstones honoured: a key whose latest record is a tombstone counts as
   * absent, so a cleaner that removed it on one side makes no difference. A key live on one side only, or whose latest
   * record differs, is a KEY_MISSING, KEY_EXTRA or KEY_ALTERED discrepancy unless {@code afterCut} explains the
   * target's record. Group positions are not mapped (compaction renumbers nothing but removes the records they
   * point at). Memory grows with the number of keys.
   */
  public static Outcome compareLatestPerKey(String topic, String targetTopic, int partition,
      Iterator<RecordFingerprint> source, Iterator<RecordFingerprint> target, AfterCut afterCut) {
    return new KeyRun(topic, targetTopic, partition, Objects.requireNonNull(afterCut, "afterCut"))
        .execute(source, target);
  }

  private static final class Side {
    final Iterator<RecordFingerprint> it;
    final ArrayDeque<RecordFingerprint> buf = new ArrayDeque<>();
    final MessageDigest digest = sha256();
    final ByteBuffer scratch = ByteBuffer.allocate(Long.BYTES);
    long count;
    long first = -1;
    long last = -1;

    Side(Iterator<RecordFingerprint> it) {
      this.it = it;
    }

    boolean fill(int n) {
      while (buf.size() < n && it.hasNext()) {
        buf.addLast(it.next());
      }
      return buf.size() >= n;
    }

    /** Takes the next record as read but not compared: counted, in the offset range, not in the digest. */
    RecordFingerprint skip() {
      RecordFingerprint r = buf.pollFirst();
      count++;
      if (first < 0) {
        first = r.offset();
      }
      last = r.offset();
      return r;
    }

    RecordFingerprint take() {
      RecordFingerprint r = skip();
      scratch.clear();
      digest.update(scratch.putLong(r.digest()).array(), 0, Long.BYTES);
      return r;
    }

    int indexOf(long d, int from) {
      int i = 0;
      for (RecordFingerprint r : buf) {
        if (i >= from && r.digest() == d) {
          return i;
        }
        i++;
      }
      return -1;
    }

    RecordFingerprint at(int i) {
      int j = 0;
      for (RecordFingerprint r : buf) {
        if (j++ == i) {
          return r;
        }
      }
      return null;
    }

    String hex() {
      return HexFormat.of().formatHex(digest.digest());
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class Run {
    final String topic;
    final String targetTopic;
    final int partition;
    final Side s;
    final Side t;
    final int window;
    final List<Discrepancy> found = new ArrayList<>();
    long lag;
    long beyond;
    long compared;
    Long oldestLag;
    long comparedAtLast = -1;

    final TreeSet<Long> pending;
    final Map<Long, Long> positions = new TreeMap<>();
    final AfterCut afterCut;
    long lastCompared = -1;

    Run(String topic, String targetTopic, int partition, Iterator<RecordFingerprint> source,
        Iterator<RecordFingerprint> target, int window, Set<Long> sourcePositions, AfterCut afterCut) {
      this.afterCut = afterCut;
      this.pending = new TreeSet<>(sourcePositions);
      this.topic = topic;
      this.targetTopic = targetTopic;
      this.partition = partition;
      this.s = new Side(source);
      this.t = new Side(target);
      this.window = window;
    }

    Outcome execute() {
      while (true) {
        boolean hasS = s.fill(1);
        boolean hasT = t.fill(1);
        if (!hasS && !hasT) {
          break;
        }
        if (!hasS) { // target records past the compared range: beyond the cut only if it explains them
          judgeTail();
          break;
        }
        if (!hasT) { // source records the target does not have yet
          while (s.fill(1)) {
            RecordFingerprint r = s.take();
            if (oldestLag == null) {
              oldestLag = r.timestamp();
            }
            lag++;
            add(Kind.LAG, r.offset(), -1, "not yet in " + targetTopic);
          }
          break;
        }
        RecordFingerprint a = s.buf.peekFirst();
        RecordFingerprint b = t.buf.peekFirst();
        if (a.digest() == b.digest()) {
          mapPositions(a.offset(), b.offset());
          s.take();
          lastCompared = t.take().offset();
          compared++;
          continue;
        }
        s.fill(2);
        t.fill(2);
        RecordFingerprint a2 = s.at(1);
        RecordFingerprint b2 = t.at(1);
        if (a2 != null && b2 != null && a2.digest() == b.digest() && b2.digest() == a.digest()) {
          add(Kind.REORDERED, a.offset(), b.offset(),
              "source offsets %d,%d appear in the opposite order at target offsets %d,%d"
                  .formatted(a.offset(), a2.offset(), b.offset(), b2.offset()));
          s.take();
          s.take();
          t.take();
          lastCompared = t.take().offset();
          compared += 2;
          continue;
        }
        s.fill(window);
        t.fill(window);
        int sourceFoundLaterInTarget = t.indexOf(a.digest(), 1);
        int targetFoundLaterInSource = s.indexOf(b.digest(), 1);
        if (sourceFoundLaterInTarget < 0 && targetFoundLaterInSource < 0) {
          add(Kind.ALTERED, a.offset(), b.offset(), "content differs");
          s.take();
          lastCompared = t.take().offset();
          compared++;
        } else if (targetFoundLaterInSource >= 0
            && (sourceFoundLaterInTarget < 0 || targetFoundLaterInSource <= sourceFoundLaterInTarget)) {
          for (int i = 0; i < targetFoundLaterInSource; i++) {
            add(Kind.MISSING, s.take().offset(), b.offset(), "absent in " + targetTopic);
          }
        } else {
          for (int i = 0; i < sourceFoundLaterInTarget; i++) {
            lastCompared = t.take().offset();
            add(Kind.EXTRA, a.offset(), lastCompared, "not in the source");
          }
        }
      }
      PartitionResult result = new PartitionResult(topic, targetTopic, partition, Comparison.RECORDS, s.count, t.count,
          s.first, s.last, t.first, t.last, s.hex(), t.hex(), lag, beyond, 0);
      long targetEnd = lastCompared >= 0 ? lastCompared + 1 : Math.max(0, t.first);
      pending.forEach(p -> positions.put(p, targetEnd)); // no matched record at or after them: the target's end
      return new Outcome(result, found, oldestLag == null ? OptionalLong.empty() : OptionalLong.of(oldestLag), positions);
    }

    /**
     * Target records after the source's last one: those the cut explains are beyond it; every other one is EXTRA
     * ("not in the source"), so duplicates and foreign writes past the source's end fail the comparison.
     */
    void judgeTail() {
      Side after = afterCut instanceof AfterCut.SourceContinues sc && t.fill(1) ? new Side(sc.open()) : null;
      while (t.fill(1)) {
        RecordFingerprint r = t.skip();
        boolean explained;
        if (after != null) {
          after.fill(window);
          int at = after.indexOf(r.digest(), 0);
          explained = at >= 0;
          for (int i = 0; explained && i <= at; i++) {
            after.buf.pollFirst();
          }
        } else if (afterCut instanceof AfterCut.StampedAfter sa) {
          explained = r.timestamp() > sa.cut().toEpochMilli();
        } else if (afterCut instanceof AfterCut.OffsetsFrom of) {
          explained = r.offset() >= of.firstOffsetAfterCut();
        } else {
          explained = false;
        }
        if (explained) {
          beyond++;
        } else {
          add(Kind.EXTRA, -1, r.offset(), "not in the source: past the source's last record and not explained by the cut");
        }
      }
    }

    /** Positions at or before a matched source record map to that record's target offset. */
    void mapPositions(long sourceOffset, long targetOffset) {
      while (!pending.isEmpty() && pending.first() <= sourceOffset) {
        positions.put(pending.pollFirst(), targetOffset);
      }
    }

    /** Adds a discrepancy, merging it into the previous one when no matching record came in between. */
    void add(Kind kind, long sourceOffset, long targetOffset, String detail) {
      boolean mergeable = kind == Kind.MISSING || kind == Kind.EXTRA || kind == Kind.LAG;
      if (mergeable && !found.isEmpty() && compared == comparedAtLast) {
        Discrepancy last = found.get(found.size() - 1);
        if (last.kind() == kind) {
          found.set(found.size() - 1, new Discrepancy(kind, topic, partition, last.sourceOffset(),
              last.targetOffset(), last.count() + 1, last.detail()));
          return;
        }
      }
      comparedAtLast = compared;
      found.add(new Discrepancy(kind, topic, partition, sourceOffset,
          kind == Kind.LAG ? -1 : targetOffset, 1, detail));
    }
  }

  /** A comparison by latest value per key; see {@link #compareLatestPerKey}. */
  private static final class KeyRun {
    final String topic;
    final String targetTopic;
    final int partition;
    final AfterCut afterCut;
    final List<Discrepancy> found = new ArrayList<>();

    KeyRun(String topic, String targetTopic, int partition, AfterCut afterCut) {
      this.topic = topic;
      this.targetTopic = targetTopic;
      this.partition = partition;
      this.afterCut = afterCut;
    }

    /** Every record read of one side, and its latest record per key (tombstones included). */
    private static final class Latest {
      final Map<Long, RecordFingerprint> byKey = new HashMap<>();
      long count;
      long first = -1;
      long last = -1;

      Latest(Iterator<RecordFingerprint> it) {
        while (it.hasNext()) {
          RecordFingerprint r = it.next();
          count++;
          first = first < 0 ? r.offset() : first;
          last = r.offset();
          byKey.put(r.keyDigest(), r);
        }
      }

      RecordFingerprint live(long key) {
        RecordFingerprint r = byKey.get(key);
        return r == null || r.tombstone() ? null : r;
      }

      long liveKeys() {
        return byKey.values().stream().filter(r -> !r.tombstone()).count();
      }

      /** An order-independent digest of the live keys' latest records. */
      String hex() {
        MessageDigest digest = sha256();
        ByteBuffer b = ByteBuffer.allocate(2 * Long.BYTES);
        byKey.values().stream().filter(r -> !r.tombstone()).sorted(Comparator.comparingLong(RecordFingerprint::keyDigest))
            .forEach(r -> digest.update(b.clear().putLong(r.keyDigest()).putLong(r.digest()).array()));
        return HexFormat.of().formatHex(digest.digest());
      }
    }

    Outcome execute(Iterator<RecordFingerprint> source, Iterator<RecordFingerprint> target) {
      Latest s = new Latest(source);
      Latest t = new Latest(target);
      Latest after = null;
      long beyond = 0;
      Set<Long> keys = new HashSet<>(s.byKey.keySet());
      keys.addAll(t.byKey.keySet());
      for (long key : keys) {
        RecordFingerprint sr = s.live(key);
        RecordFingerprint tr = t.live(key);
        if (sr == null && tr == null || sr != null && tr != null && sr.digest() == tr.digest()) {
          continue;
        }
        RecordFingerprint targetLatest = t.byKey.get(key); // the record that makes the target differ, maybe a tombstone
        if (afterCut instanceof AfterCut.SourceContinues sc && after == null) {
          after = new Latest(sc.open());
        }
        if (targetLatest != null && explained(targetLatest, after)) {
          beyond++;
        } else if (sr != null && tr == null) {
          found.add(new Discrepancy(Kind.KEY_MISSING, topic, partition, sr.offset(), targetLatest == null ? -1 : targetLatest.offset(), 1,
              "the key's latest value (source offset %d) is absent in %s".formatted(sr.offset(), targetTopic)));
        } else if (sr == null) {
          found.add(new Discrepancy(Kind.KEY_EXTRA, topic, partition, -1, tr.offset(), 1,
              "the key is live in %s (offset %d) but not in the source".formatted(targetTopic, tr.offset())));
        } else {
          found.add(new Discrepancy(Kind.KEY_ALTERED, topic, partition, sr.offset(), tr.offset(), 1,
              "the key's latest value differs (source offset %d, target offset %d)".formatted(sr.offset(), tr.offset())));
        }
      }
      found.sort(Comparator.comparingLong(Discrepancy::sourceOffset).thenComparingLong(Discrepancy::targetOffset));
      PartitionResult result = new PartitionResult(topic, targetTopic, partition, Comparison.LATEST_PER_KEY, s.count, t.count,
          s.first, s.last, t.first, t.last, s.hex(), t.hex(), 0, beyond, s.liveKeys());
      return new Outcome(result, found, OptionalLong.empty(), Map.of());
    }

    private boolean explained(RecordFingerprint targetLatest, Latest after) {
      if (after != null) {
        RecordFingerprint a = after.byKey.get(targetLatest.keyDigest());
        return a != null && a.digest() == targetLatest.digest();
      }
      if (afterCut instanceof AfterCut.StampedAfter sa) {
        return targetLatest.timestamp() > sa.cut().toEpochMilli();
      }
      if (afterCut instanceof AfterCut.OffsetsFrom of) {
        return targetLatest.offset() >= of.firstOffsetAfterCut();
      }
      return false;
    }
  }
}
