package io.streamdr.core.progress;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * How far an operation got.
 *
 * @param operation      what runs: {@code backup}, {@code restore}, {@code verify}
 * @param id             which one (a backup id, a verification's topics)
 * @param records        records handled so far
 * @param totalRecords   records it will handle, or an upper bound (a backup counts the offsets of its range, which
 *                       compaction and transaction markers leave partly empty); -1 if unknown
 * @param bytes          bytes handled so far (keys, values and headers)
 * @param partitionsDone partitions finished
 * @param partitions     partitions in all
 * @param elapsed        since the operation started
 * @param done           whether this is the last report (the operation ended, successfully or not)
 */
public record Progress(String operation, String id, long records, long totalRecords, long bytes, int partitionsDone,
    int partitions, Duration elapsed, boolean done) {

  /** The fraction done, by records (or by partitions when the records are unknown), if it can be told. */
  public OptionalDouble fraction() {
    if (done) {
      return OptionalDouble.of(1.0);
    }
    if (totalRecords > 0) {
      return OptionalDouble.of(Math.min(1.0, (double) records / totalRecords));
    }
    if (totalRecords == 0) {
      return OptionalDouble.of(1.0);
    }
    return partitions > 0 ? OptionalDouble.of((double) partitionsDone / partitions) : OptionalDouble.empty();
  }

  /** Records per second since the start. */
  public double recordsPerSecond() {
    return elapsed.toMillis() == 0 ? 0 : records * 1000.0 / elapsed.toMillis();
  }

  /** Bytes per second since the start. */
  public double bytesPerSecond() {
    return elapsed.toMillis() == 0 ? 0 : bytes * 1000.0 / elapsed.toMillis();
  }

  /** The time left at the rate so far, once there is a rate and a total. */
  public Optional<Duration> remaining() {
    if (done) {
      return Optional.of(Duration.ZERO);
    }
    double rate = recordsPerSecond();
    if (totalRecords < 0 || rate <= 0) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofMillis((long) (Math.max(0, totalRecords - records) / rate * 1000)));
  }
}
