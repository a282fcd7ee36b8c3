package io.streamdr.kafka.restore;

import io.streamdr.core.internal.Concurrency;
import io.streamdr.kafka.backup.BackupChain;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.PartitionRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.common.TopicPartition;

/**
 * Decides what a restore does to each chosen target partition, writing nothing: {@link TargetClassifier} compares
 * what the partition holds with the records the restore would write there ({@link RestorePlan.TargetState}), and an
 * append or a point in time adjusts the verdict and the count.
 */
final class RestoreJudge {
  private final RestoreRequest request;
  private final TargetClassifier classifier;

  RestoreJudge(RestoreRequest request, TargetClassifier classifier) {
    this.request = request;
    this.classifier = classifier;
  }

  /** Judges every chosen target partition against the records the restore would write there, in parallel. */
  RestorePlan judge(BackupChain chain, List<BackupManifest.TopicEntry> selected, RestoreTargets targets, boolean exactCounts) {
    ExecutorService pool = Executors.newFixedThreadPool(
        Math.max(1, Math.min(request.parallelism(), Runtime.getRuntime().availableProcessors() * 2)), Concurrency.daemon("streamdr-restore-check"));
    try {
      List<Future<RestorePlan.PartitionPlan>> futures = new ArrayList<>();
      for (BackupManifest.TopicEntry t : selected) {
        String target = request.targetTopic(t.name());
        for (BackupManifest.PartitionEntry p : t.partitions()) {
          futures.add(pool.submit(() -> judge(chain, t.name(), target, p.partition(), targets, exactCounts)));
        }
      }
      List<RestorePlan.PartitionPlan> out = new ArrayList<>();
      for (Future<RestorePlan.PartitionPlan> f : futures) {
        out.add(Concurrency.await(f, "judging a target partition of the restore of " + request.backupId()));
      }
      return new RestorePlan(chain.ids(), request.pointInTime(), request.append(), out);
    } finally {
      pool.shutdownNow();
    }
  }

  private RestorePlan.PartitionPlan judge(BackupChain chain, String topic, String target, int partition, RestoreTargets targets,
      boolean exactCounts) {
    long stored = chain.records(topic, partition);
    TopicPartition tp = new TopicPartition(target, partition);
    long[] range = targets.offsets().get(tp);
    try (PartitionRecords expected = chain.records(topic, partition, request.pointInTime())) {
      RestorePlan.TargetState state;
      long held = 0;
      String detail;
      long start = 0;
      long end = 0;
      if (range == null) {
        state = RestorePlan.TargetState.NEW_TOPIC;
        detail = "a new topic";
      } else {
        start = range[0];
        end = range[1];
        long from = targets.from().get(tp);
        TargetClassifier.Judgement j = classifier.judge(tp, from, end, expected);
        state = j.state();
        held = j.held();
        detail = j.detail();
        if (request.append() && state != RestorePlan.TargetState.CONFLICT && state != RestorePlan.TargetState.COMPLETE) {
          state = RestorePlan.TargetState.APPEND;
          detail = "appending after offset %d%s".formatted(from - 1, held > 0 ? ", %d records of this append already there".formatted(held) : "");
        } else if (request.append() && state == RestorePlan.TargetState.CONFLICT) {
          detail = "after offset %d, where this append started, %s".formatted(from - 1, j.detail());
        } else if (state == RestorePlan.TargetState.EMPTY && end > 0) {
          detail = "empty (its records up to offset %d were deleted)".formatted(end - 1);
        }
      }
      long records = stored;
      if (exactCounts && state != RestorePlan.TargetState.CONFLICT) {
        long rest = 0;
        while (expected.hasNext()) {
          expected.next();
          rest++;
        }
        records = held + rest;
      } else if (state == RestorePlan.TargetState.COMPLETE) {
        records = held;
      }
      return new RestorePlan.PartitionPlan(topic, target, partition, state, start, end, held, records, detail);
    }
  }
}
