package io.streamdr.kafka.region;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.mirror.Checkpoint;
import org.apache.kafka.connect.mirror.DefaultReplicationPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads MirrorMaker 2's checkpoints of a group from {@code <old-region>.checkpoints.internal} in the new region. A
 * checkpoint pairs an upstream offset the group committed with the downstream offset of the same position; it is
 * used only where its upstream offset is at or before the consumer's own position, so the consumer resumes at or
 * before the first record it has not processed.
 */
final class MirrorMakerCheckpointTranslator implements OffsetTranslator {
  private static final Logger LOG = LoggerFactory.getLogger(MirrorMakerCheckpointTranslator.class);

  @Override
  public Map<TopicPartition, Translation> translate(Request request) {
    if (request.group().isEmpty()) {
      return Map.of();
    }
    String topic = new DefaultReplicationPolicy().checkpointsTopic(request.from().name());
    Map<TopicPartition, Checkpoint> latest = read(request.targetConfig(), topic, request.group().get(), request.timeout());
    Map<TopicPartition, Translation> out = new HashMap<>();
    request.positions().forEach((tp, position) -> {
      Checkpoint cp = latest.get(tp);
      if (cp != null && cp.upstreamOffset() <= position.offset()) {
        out.put(tp, new Translation(cp.downstreamOffset(), Translation.Method.CHECKPOINT));
      }
    });
    LOG.debug("Checkpoints of group {} in {}: {} of {} partitions translated", request.group().get(), topic, out.size(),
        request.positions().size());
    return out;
  }

  private static Map<TopicPartition, Checkpoint> read(Map<String, Object> config, String topic, String group,
      Duration timeout) {
    Map<String, Object> c = new HashMap<>(config);
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "streamdr-checkpoints-" + group);
    Map<TopicPartition, Checkpoint> latest = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
      if (partitions == null || partitions.isEmpty()) {
        return latest; // no MirrorMaker checkpoints from that region here
      }
      List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (tps.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          Checkpoint cp = Checkpoint.deserializeRecord(r);
          if (cp.consumerGroupId().equals(group)) {
            latest.put(cp.topicPartition(), cp);
          }
        }
      }
    }
    return latest;
  }
}
