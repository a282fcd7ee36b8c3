package io.streamdr.kafka.restore;

import io.streamdr.core.ConflictException;
import io.streamdr.core.ResourceType;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/** Commits the consumer group offsets a restore mapped onto its target partitions. */
final class GroupOffsetCommit {
  private GroupOffsetCommit() {}

  /**
   * Sets each group's offsets on the target partitions, never moving one backwards; a group with active members, or
   * not empty, is refused.
   */
  static void commit(Admin admin, Map<String, Map<TopicPartition, Long>> groupTargets,
      Duration timeout) throws ExecutionException, InterruptedException, TimeoutException {
    if (groupTargets.isEmpty()) {
      return;
    }
    var described = admin.describeConsumerGroups(groupTargets.keySet()).describedGroups();
    for (Map.Entry<String, Map<TopicPartition, Long>> g : groupTargets.entrySet()) {
      ConsumerGroupDescription d;
      try {
        d = described.get(g.getKey()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof GroupIdNotFoundException)) {
          throw e;
        }
        d = null; // the group does not exist on the target yet
      }
      if (d != null && !d.members().isEmpty()) {
        throw new ConflictException(ResourceType.CONSUMER_GROUP, g.getKey(),
            "Consumer group '%s' has %d active member(s) on the target; stop its consumers, then run the restore again to set its offsets"
                .formatted(g.getKey(), d.members().size()));
      }
      if (d != null && d.groupState() != GroupState.EMPTY && d.groupState() != GroupState.DEAD && d.groupState() != GroupState.UNKNOWN) {
        throw new ConflictException(ResourceType.CONSUMER_GROUP, g.getKey(), "Consumer group '%s' is %s on the target; it must be empty to set its offsets"
            .formatted(g.getKey(), d.groupState()));
      }
      Map<TopicPartition, OffsetAndMetadata> current = admin.listConsumerGroupOffsets(Map.of(g.getKey(), new ListConsumerGroupOffsetsSpec()))
          .partitionsToOffsetAndMetadata(g.getKey()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Map<TopicPartition, OffsetAndMetadata> update = new HashMap<>();
      for (Map.Entry<TopicPartition, Long> e : g.getValue().entrySet()) {
        TopicPartition tp = e.getKey();
        OffsetAndMetadata existing = current.get(tp);
        long to = existing != null ? Math.max(existing.offset(), e.getValue()) : e.getValue();
        e.setValue(to);
        update.put(tp, new OffsetAndMetadata(to, "restored by StreamDR"));
      }
      admin.alterConsumerGroupOffsets(g.getKey(), update).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
