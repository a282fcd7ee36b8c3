package io.streamdr.kafka.verify;

import io.streamdr.core.internal.Concurrency;
import io.streamdr.core.verify.Discrepancy;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.PartitionComparator;
import io.streamdr.core.verify.PartitionResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/** Runs a verification's partition comparisons while its readers feed them, and gathers the report. */
final class ComparisonRun {
  private ComparisonRun() {}

  /**
   * Runs partition comparisons in parallel (a pool of comparators) while one reader per cluster feeds them (a pool
   * of its own, so a comparator never waits for a thread its own pool would have to give). Gathers the report.
   */
  static IntegrityReport run(String sourceName, String targetName, String cut, Instant started,
      List<Supplier<ComparedPartition>> tasks, List<SideReader> sides, Clock clock) {
    // comparators mostly wait for their two queues, so every partition gets one (up to 64 at once) and each reader
    // feeds all of them in one pass; readers never wait for comparators (see SideReader)
    int jobsAtOnce = Math.max(1, Math.min(64, tasks.size()));
    ExecutorService comparators = Executors.newFixedThreadPool(jobsAtOnce, Concurrency.daemon("streamdr-verify-compare"));
    ExecutorService readers = Executors.newFixedThreadPool(Math.max(1, sides.size()), Concurrency.daemon("streamdr-verify-read"));
    sides.forEach(side -> side.start(readers));
    List<PartitionResult> results = new ArrayList<>();
    List<Discrepancy> discrepancies = new ArrayList<>();
    long oldestLag = Long.MAX_VALUE;
    try {
      List<Future<ComparedPartition>> outcomes = new ArrayList<>();
      for (var task : tasks) {
        outcomes.add(comparators.submit(task::get));
      }
      for (Future<ComparedPartition> f : outcomes) {
        ComparedPartition compared = Concurrency.await(f, "verifying a partition");
        PartitionComparator.Outcome outcome = compared.outcome();
        results.add(outcome.result());
        discrepancies.addAll(outcome.discrepancies());
        discrepancies.addAll(compared.groupIssues());
        if (outcome.oldestLagTimestamp().isPresent()) {
          oldestLag = Math.min(oldestLag, outcome.oldestLagTimestamp().getAsLong());
        }
      }
      sides.forEach(SideReader::await); // a reader still closing its consumer is not interrupted
    } finally {
      comparators.shutdownNow();
      readers.shutdownNow();
    }
    Duration rpoTime = oldestLag == Long.MAX_VALUE ? Duration.ZERO : Duration.ofMillis(Math.max(0, started.toEpochMilli() - oldestLag));
    return IntegrityReport.of(sourceName, targetName, cut, results, discrepancies, rpoTime, started, clock.instant());
  }
}
