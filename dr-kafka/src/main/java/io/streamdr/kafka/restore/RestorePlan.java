package io.streamdr.kafka.restore;

import java.time.Instant;
import java.util.List;

/**
 * What a restore will do, decided before it writes anything: per target partition, what the target holds and what
 * the restore writes there. A restore never writes into a partition whose content it cannot account for
 * ({@link TargetState#CONFLICT}) unless it was asked to append.
 *
 * @param backups     the chain restored, full backup first
 * @param pointInTime the point in time records are cut at, or null
 * @param append      whether the restore appends after what the targets hold
 * @param partitions  per target partition, in topic and partition order
 */
public record RestorePlan(List<String> backups, Instant pointInTime, boolean append, List<PartitionPlan> partitions) {

  public RestorePlan {
    backups = List.copyOf(backups);
    partitions = List.copyOf(partitions);
  }

  /** What a target partition holds, judged by content against the records the restore writes there. */
  public enum TargetState {
    /** The topic does not exist: it is created, then every record written. */
    NEW_TOPIC,
    /** The partition holds no record: every record is written. */
    EMPTY,
    /** It holds exactly the first records the restore would write (an interrupted or shorter restore): the rest follow. */
    PREFIX,
    /** It holds exactly every record the restore would write: nothing is written. */
    COMPLETE,
    /** It holds records that are not a prefix of what the restore would write: refused unless appending. */
    CONFLICT,
    /** Appending: the records are written after what the partition held when the append started. */
    APPEND
  }

  /**
   * One target partition.
   *
   * @param sourceTopic  topic in the backup
   * @param targetTopic  topic written
   * @param partition    partition
   * @param state        what the target holds
   * @param targetStart  the target partition's first offset (its log start), 0 for a new topic
   * @param targetEnd    the target partition's end offset when planned
   * @param held         records of the restore already in the target (PREFIX, COMPLETE, or a resumed APPEND)
   * @param records      records the restore writes in all (the chain's, up to the point in time; with a point in
   *                     time and no dry run, the chain's stored records, an upper bound)
   * @param detail       what the target holds, in words
   */
  public record PartitionPlan(String sourceTopic, String targetTopic, int partition, TargetState state, long targetStart,
      long targetEnd, long held, long records, String detail) {

    /** Records this restore would write now. */
    public long toWrite() {
      return state == TargetState.CONFLICT ? 0 : Math.max(0, records - held);
    }
  }

  /** The partitions the restore refuses to write into. */
  public List<PartitionPlan> conflicts() {
    return partitions.stream().filter(p -> p.state() == TargetState.CONFLICT).toList();
  }

  /** Records the restore would write now, all partitions. */
  public long toWrite() {
    return partitions.stream().mapToLong(PartitionPlan::toWrite).sum();
  }
}
