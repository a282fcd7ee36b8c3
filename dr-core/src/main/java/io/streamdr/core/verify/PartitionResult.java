package io.streamdr.core.verify;

/**
 * What was compared in one partition.
 *
 * @param topic              source topic
 * @param targetTopic        the topic it was compared with
 * @param partition          partition
 * @param sourceRecords      records read from the source (up to the cut-off)
 * @param targetRecords      records read from the target that fall within the comparison
 * @param sourceFirstOffset  first source offset read, -1 if none
 * @param sourceLastOffset   last source offset read, -1 if none
 * @param targetFirstOffset  first target offset read, -1 if none
 * @param targetLastOffset   last target offset read, -1 if none
 * @param sourceDigest       order-sensitive digest of the source records (hex)
 * @param targetDigest       order-sensitive digest of the target records compared (hex)
 * @param lagRecords         source records not yet in the target
 * @param beyondCutoff       target records after the last source record of the cut (written after the cut-off)
 */
public record PartitionResult(String topic, String targetTopic, int partition, long sourceRecords, long targetRecords,
    long sourceFirstOffset, long sourceLastOffset, long targetFirstOffset, long targetLastOffset, String sourceDigest,
    String targetDigest, long lagRecords, long beyondCutoff) {}
