package io.streamdr.core.verify;

/** How the records of a partition are compared. */
public enum Comparison {
  /**
   * {@link #LATEST_PER_KEY} for topics whose {@code cleanup.policy} includes {@code compact} on either side,
   * {@link #RECORDS} for the others.
   */
  AUTO,
  /** Record by record, in order: count, order, content and duplicates. */
  RECORDS,
  /**
   * The latest value of every key, tombstones honoured (a key deleted on one side may be absent on the other): what
   * a compacted topic promises. Records a cleaner removed are not differences; a key whose latest value is absent,
   * different or extra is.
   */
  LATEST_PER_KEY
}
