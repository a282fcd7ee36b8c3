package io.streamdr.core.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.streamdr.core.internal.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The outcome of a verification: a verdict, what was compared per partition, every discrepancy located, and the
 * measured recovery point (records and time not yet replicated).
 *
 * @param source        source name
 * @param target        target name
 * @param verdict       overall verdict
 * @param partitions    per-partition comparison
 * @param discrepancies every discrepancy, in topic/partition order
 * @param rpoRecords    source records not yet in the target
 * @param rpoTime       age, at the cut, of the oldest source record not yet in the target; zero if none
 * @param cut           the cut that bounds the compared range, in words: which source records were compared and what
 *                      explains target records past them
 * @param startedAt     when verification started
 * @param finishedAt    when it finished
 */
public record IntegrityReport(String source, String target, Verdict verdict, String cut, List<PartitionResult> partitions,
    List<Discrepancy> discrepancies, long rpoRecords, Duration rpoTime, Instant startedAt, Instant finishedAt) {

  /** Overall verdict. */
  public enum Verdict {
    /** Every source record is in the target, in order and unaltered. */
    PASSED,
    /** No record is wrong, but some are not replicated yet. */
    LAGGING,
    /** Records are missing, extra, altered or reordered, or group positions are wrong. */
    FAILED
  }

  public IntegrityReport {
    partitions = List.copyOf(partitions);
    discrepancies = List.copyOf(discrepancies);
  }

  /** Builds a report whose verdict follows from its discrepancies. */
  public static IntegrityReport of(String source, String target, String cut, List<PartitionResult> partitions,
      List<Discrepancy> discrepancies, Duration rpoTime, Instant startedAt, Instant finishedAt) {
    Verdict verdict = discrepancies.stream().anyMatch(Discrepancy::isLoss) ? Verdict.FAILED
        : discrepancies.isEmpty() ? Verdict.PASSED : Verdict.LAGGING;
    long lag = partitions.stream().mapToLong(PartitionResult::lagRecords).sum();
    return new IntegrityReport(source, target, verdict, cut, partitions, discrepancies, lag, rpoTime, startedAt, finishedAt);
  }

  public boolean passed() {
    return verdict == Verdict.PASSED;
  }

  /** Discrepancies of one kind. */
  public List<Discrepancy> discrepancies(Discrepancy.Kind kind) {
    return discrepancies.stream().filter(d -> d.kind() == kind).toList();
  }

  /** The report as pretty-printed JSON. */
  public String toJson() {
    try {
      return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Integrity report could not be serialized", e);
    }
  }

  /** The report as readable text: the verdict, a line per partition and per discrepancy. */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    sb.append("Integrity ").append(verdict).append(": ").append(source).append(" -> ").append(target)
        .append(" (").append(partitions.size()).append(" partitions, ")
        .append(partitions.stream().mapToLong(PartitionResult::sourceRecords).sum()).append(" source records, ")
        .append(discrepancies.size()).append(" discrepancies; RPO ").append(rpoRecords).append(" records / ")
        .append(rpoTime).append(")\n");
    sb.append("  Cut: ").append(cut).append('\n');
    for (PartitionResult p : partitions) {
      sb.append("  %s[%d] -> %s: source %d records %s, target %d records %s, lag %d, beyond the cut %d%s%n".formatted(p.topic(),
          p.partition(), p.targetTopic(), p.sourceRecords(), range(p.sourceFirstOffset(), p.sourceLastOffset()),
          p.targetRecords(), range(p.targetFirstOffset(), p.targetLastOffset()), p.lagRecords(), p.beyondCutoff(),
          p.comparison() == Comparison.LATEST_PER_KEY ? ", compared by latest value per key (%d live keys)".formatted(p.keys()) : ""));
    }
    for (Discrepancy d : discrepancies) {
      sb.append("  %s %s[%d] source offset %d, target offset %d, %d record(s): %s%n".formatted(d.kind(), d.topic(),
          d.partition(), d.sourceOffset(), d.targetOffset(), d.count(), d.detail()));
    }
    return sb.toString();
  }

  private static String range(long first, long last) {
    return first < 0 ? "(none)" : "[%d..%d]".formatted(first, last);
  }
}
