package io.streamdr.kafka.region;

import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a consumer stood in a partition of the region it is leaving.
 *
 * @param partition     the partition in the region left behind
 * @param offset        the next offset to read there (everything before it was returned by {@code poll})
 * @param lastTimestamp timestamp of the last record returned from it, if any was
 */
public record ConsumedPosition(TopicPartition partition, long offset, OptionalLong lastTimestamp) {}
