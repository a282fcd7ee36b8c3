package io.streamdr.kafka.backup;

import java.util.List;
import java.util.Map;

/**
 * One Kafka record as a backup keeps it: everything needed to produce it again identically.
 *
 * @param offset        its offset in the source partition
 * @param timestamp     timestamp, epoch milliseconds
 * @param timestampType 0 CreateTime, 1 LogAppendTime, -1 none
 * @param key           key bytes; null is kept distinct from empty
 * @param value         value bytes; null (a tombstone) is kept distinct from empty
 * @param headers       headers in order, duplicate names included; header values may be null
 */
public record BackupRecord(long offset, long timestamp, byte timestampType, byte[] key, byte[] value,
    List<Map.Entry<String, byte[]>> headers) {}
