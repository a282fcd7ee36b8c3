package io.streamdr.kafka.verify;

import io.streamdr.core.verify.AfterCut;
import io.streamdr.core.verify.Comparison;
import io.streamdr.core.verify.Discrepancy;
import io.streamdr.core.verify.PartitionComparator;
import io.streamdr.core.verify.RecordFingerprint;
import io.streamdr.core.verify.VerificationRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/** One partition to verify: its cut on both sides and the group positions to check. */
record PartitionJob(String topic, TopicPartition sp, TopicPartition tp, long sourceStart, long sourceEnd, long targetStart,
    long targetEnd, Map<String, Map<Integer, Long>> sourceGroups, Map<String, Map<Integer, Long>> targetGroups,
    Comparison comparison) {

  /** Compares the two sides' records and, record by record, checks the groups' positions on the target. */
  ComparedPartition compare(Iterator<RecordFingerprint> sourceRecords, Iterator<RecordFingerprint> targetRecords,
      VerificationRequest request, AfterCut afterCut) {
    Set<Long> positions = new TreeSet<>();
    sourceGroups().values().forEach(m -> {
      Long pos = m.get(sp().partition());
      if (pos != null) {
        positions.add(pos);
      }
    });
    if (comparison() == Comparison.LATEST_PER_KEY) {
      return new ComparedPartition(PartitionComparator.compareLatestPerKey(topic(), tp().topic(), sp().partition(), sourceRecords,
          targetRecords, afterCut), List.of()); // group positions point at records a cleaner may have removed
    }
    PartitionComparator.Outcome o = PartitionComparator.compare(topic(), tp().topic(), sp().partition(),
        sourceRecords, targetRecords, request.window(), positions, afterCut);
    List<Discrepancy> groupIssues = new ArrayList<>();
    for (Map.Entry<String, Map<Integer, Long>> g : sourceGroups().entrySet()) {
      Long sourcePos = g.getValue().get(sp().partition());
      if (sourcePos == null) {
        continue;
      }
      long expected = o.positions().getOrDefault(sourcePos, 0L);
      Long actual = targetGroups().getOrDefault(g.getKey(), Map.of()).get(sp().partition());
      if (actual == null || actual != expected) {
        String detail = actual == null
            ? "group '%s' has no committed offset on %s (expected %d)".formatted(g.getKey(), tp().topic(), expected)
            : actual > expected
                ? "group '%s' is ahead on the target by %d record(s): it would skip them".formatted(g.getKey(), actual - expected)
                : "group '%s' is behind on the target by %d record(s): it would re-deliver them".formatted(g.getKey(), expected - actual);
        groupIssues.add(new Discrepancy(Discrepancy.Kind.GROUP_OFFSET, topic(), sp().partition(), sourcePos,
            actual == null ? -1 : actual, 1, detail));
      }
    }
    return new ComparedPartition(o, groupIssues);
  }
}
