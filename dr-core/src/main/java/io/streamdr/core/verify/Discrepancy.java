package io.streamdr.core.verify;

/**
 * One difference found between source and target, located in both. A run of adjacent records of the same kind is
 * one discrepancy with a {@link #count()}.
 *
 * @param kind         what is wrong
 * @param topic        source topic
 * @param partition    partition
 * @param sourceOffset first source offset concerned, or -1 if none (EXTRA)
 * @param targetOffset first target offset concerned (for MISSING: the target record they should precede), or -1
 *                     if none (LAG)
 * @param count        how many records the run covers
 * @param detail       a readable explanation
 */
public record Discrepancy(Kind kind, String topic, int partition, long sourceOffset, long targetOffset, long count,
    String detail) {

  /** Kinds of discrepancy. */
  public enum Kind {
    /** Records present in the source and absent in the target, between records that are present: loss. */
    MISSING,
    /** Records in the target that are not in the source: duplicates or foreign writes. */
    EXTRA,
    /** A record whose content differs (key, value, headers or timestamp). */
    ALTERED,
    /** Two records present on both sides in a different order. */
    REORDERED,
    /** Source records after the target's last record: not yet replicated (in-flight), not counted as loss. */
    LAG,
    /** A consumer group's committed position on the target does not correspond to its source position. */
    GROUP_OFFSET,
    /** Compacted topics ({@link Comparison#LATEST_PER_KEY}): a key live in the source has no live value in the target. */
    KEY_MISSING,
    /** Compacted topics: a key live in the target is absent (or deleted) in the source. */
    KEY_EXTRA,
    /** Compacted topics: a key's latest record differs between the sides. */
    KEY_ALTERED
  }

  /** Whether the discrepancy means data is wrong (everything but LAG). */
  public boolean isLoss() {
    return kind != Kind.LAG;
  }
}
