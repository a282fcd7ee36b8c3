package io.streamdr.kafka.region;

/**
 * Where a consumer resumes in a partition of the region it switched to, and how that was found.
 *
 * @param offset the offset it resumes at
 * @param method how the offset was found
 */
public record Translation(long offset, Method method) {
  /** How a position was translated. */
  public enum Method {
    /** Same offset: the topics are offset-preserving copies (cluster links). */
    IDENTITY,
    /** MirrorMaker 2's checkpoint of the group, taken at or before the consumer's position. */
    CHECKPOINT,
    /** The first record stamped at or after the last record the consumer processed. */
    TIMESTAMP,
    /** Where the consumer stood when it last left this region (it returned before it caught up). */
    WHERE_LEFT,
    /** The start of the partition: nothing better was known. */
    EARLIEST
  }
}
