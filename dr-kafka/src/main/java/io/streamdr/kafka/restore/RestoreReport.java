package io.streamdr.kafka.restore;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a restore did.
 *
 * @param restoreId     the restore's id (the same restore run again has the same id and resumes)
 * @param backups       the backup chain restored, oldest (the full) first
 * @param partitions    per target partition
 * @param groups        consumer group offsets committed on the target: group → "topic-partition" → offset
 * @param alreadyComplete true if an earlier run had completed it and nothing was written
 * @param duration      how long it took
 */
public record RestoreReport(String restoreId, List<String> backups, List<PartitionRestore> partitions,
    Map<String, Map<String, Long>> groups, boolean alreadyComplete, Duration duration) {

  /**
   * One partition.
   *
   * @param sourceTopic   topic in the backup
   * @param targetTopic   topic written
   * @param partition     partition
   * @param produced      records produced by this run
   * @param skipped       records already in the target from an interrupted earlier run
   * @param cutByTime     records left out because they lie after the point in time
   */
  public record PartitionRestore(String sourceTopic, String targetTopic, int partition, long produced, long skipped, long cutByTime) {}

  /** Records produced by this run, all partitions. */
  public long produced() {
    return partitions.stream().mapToLong(PartitionRestore::produced).sum();
  }
}
