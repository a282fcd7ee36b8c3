package io.streamdr.core.verify;

import io.streamdr.core.verify.Discrepancy.Kind;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;

/**
 * Compares one partition of a source and a target in a single streaming pass over both, aligning records by content
 * rather than offset (MirrorMaker 2 renumbers offsets), with a bounded look-ahead window so memory does not grow
 * with the partition.
 *
 * <p>Where the sides differ, the comparator looks up to {@code window} records ahead on each side to tell a
 * missing record (the target's record appears later in the source), an extra one (the source's record appears later
 * in the target), two adjacent records swapped (reordered) and an altered one (neither appears). Source records after
 * the target's last record are lag; target records after the source's last record are beyond the cut-off.
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
      java.util.Map<Long, Long> positions) {}

  public static Outcome compare(String topic, String targetTopic, int partition, Iterator<RecordFingerprint> source,
      Iterator<RecordFingerprint> target, int window) {
    return compare(topic, targetTopic, partition, source, target, window, java.util.Set.of());
  }

  /** Compares, and maps the given source positions (committed consumer offsets) to target offsets. */
  public static Outcome compare(String topic, String targetTopic, int partition, Iterator<RecordFingerprint> source,
      Iterator<RecordFingerprint> target, int window, java.util.Set<Long> sourcePositions) {
    return new Run(topic, targetTopic, partition, source, target, Math.max(2, window), sourcePositions).execute();
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

    RecordFingerprint take() {
      RecordFingerprint r = buf.pollFirst();
      count++;
      if (first < 0) {
        first = r.offset();
      }
      last = r.offset();
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
      return java.util.HexFormat.of().formatHex(digest.digest());
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

    final java.util.TreeSet<Long> pending;
    final java.util.Map<Long, Long> positions = new java.util.TreeMap<>();

    Run(String topic, String targetTopic, int partition, Iterator<RecordFingerprint> source,
        Iterator<RecordFingerprint> target, int window, java.util.Set<Long> sourcePositions) {
      this.pending = new java.util.TreeSet<>(sourcePositions);
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
        if (!hasS) { // target records after the cut: written after the source snapshot
          while (t.fill(1)) {
            t.buf.pollFirst();
            beyond++;
          }
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
          t.take();
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
          t.take();
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
          t.take();
          compared++;
        } else if (targetFoundLaterInSource >= 0
            && (sourceFoundLaterInTarget < 0 || targetFoundLaterInSource <= sourceFoundLaterInTarget)) {
          for (int i = 0; i < targetFoundLaterInSource; i++) {
            add(Kind.MISSING, s.take().offset(), b.offset(), "absent in " + targetTopic);
          }
        } else {
          for (int i = 0; i < sourceFoundLaterInTarget; i++) {
            add(Kind.EXTRA, a.offset(), t.take().offset(), "not in the source");
          }
        }
      }
      PartitionResult result = new PartitionResult(topic, targetTopic, partition, s.count, t.count, s.first, s.last,
          t.first, t.last, s.hex(), t.hex(), lag, beyond);
      long targetEnd = t.last < 0 ? 0 : t.last + 1;
      pending.forEach(p -> positions.put(p, targetEnd)); // no matched record at or after them: the target's end
      return new Outcome(result, found, oldestLag == null ? OptionalLong.empty() : OptionalLong.of(oldestLag), positions);
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
}
