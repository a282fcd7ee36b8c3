package io.streamdr.core.verify;

/**
 * What was compared in one partition.
 *
 * @param topic              source topic
 * @param targetTopic        the topic it was compared with
 * @param partition          partition
 * @param comparison         how: {@link Comparison#RECORDS} or {@link Comparison#LATEST_PER_KEY}
 * @param sourceRecords      source records read (up to the cut)
 * @param targetRecords      every target record read, including those past the compared range
 * @param sourceFirstOffset  first source offset read, -1 if none
 * @param sourceLastOffset   last source offset read, -1 if none
 * @param targetFirstOffset  first target offset read, -1 if none
 * @param targetLastOffset   last target offset read, -1 if none
 * @param sourceDigest       digest of the source records compared (hex): order-sensitive by record, or over the
 *                           latest value per key
 * @param targetDigest       the same over the target records compared
 * @param lagRecords         source records not yet in the target
 * @param beyondCutoff       target records past the compared range that the cut explains (see {@link AfterCut});
 *                           unexplained ones are EXTRA discrepancies
 * @param keys               for {@link Comparison#LATEST_PER_KEY}: live keys (latest value not a tombstone) in the
 *                           source; 0 otherwise
 */
public record PartitionResult(String topic, String targetTopic, int partition, Comparison comparison, long sourceRecords,
    long targetRecords, long sourceFirstOffset, long sourceLastOffset, long targetFirstOffset, long targetLastOffset,
    String sourceDigest, String targetDigest, long lagRecords, long beyondCutoff, long keys) {}
