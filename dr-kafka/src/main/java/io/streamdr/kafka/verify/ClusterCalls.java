package io.streamdr.kafka.verify;

import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.OperationFailedException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.UnreachableException;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.kafka.KafkaClientFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;

/**
 * The calls a verification makes to a cluster, each failure named in the user's terms (cluster, address, topic, what
 * to do): its consumers' settings, partitions, offsets at the cut, committed group offsets and cleanup policy.
 */
final class ClusterCalls {
  private ClusterCalls() {}

  static Consumer<ByteBuffer, ByteBuffer> consumer(Map<String, Object> base, KafkaClientFactory clients) {
    Map<String, Object> c = new HashMap<>(base);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    c.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024);
    // each reader reads one partition: large partition fetches keep it from waiting on a round trip per megabyte
    c.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
    c.putIfAbsent(ConsumerConfig.RECEIVE_BUFFER_CONFIG, 1024 * 1024); // the 64 KiB default throttles one reader per cluster
    c.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "streamdr-verify");
    // keys and values stay views into the fetched batches: fingerprinted where they are, never copied out
    return clients.consumer(c, new ByteBufferDeserializer(), new ByteBufferDeserializer());
  }

  /** How long one metadata or offsets call may take: the client's {@code default.api.timeout.ms}, else 60 s. */
  static Duration apiTimeout(Map<String, Object> config) {
    Object ms = config.get(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
    return ms == null ? Duration.ofSeconds(60) : Duration.ofMillis(Long.parseLong(String.valueOf(ms)));
  }

  /** Runs one call to a cluster, turning Kafka's errors into ones that name the cluster, its address and what to do. */
  static <T> T ask(String cluster, Map<String, Object> config, Supplier<T> call) {
    Object servers = config.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
    try {
      return call.get();
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new DrTimeoutException(ResourceType.CLUSTER, cluster, apiTimeout(config),
          "Cluster '%s' at %s did not answer within %s (%s); check that its brokers are up and reachable, then verify again"
              .formatted(cluster, servers, apiTimeout(config), e.getMessage()));
    } catch (KafkaException e) {
      throw new UnreachableException(ResourceType.CLUSTER, cluster, "Could not read from cluster '%s' at %s: %s".formatted(cluster, servers, e.getMessage()), e);
    }
  }

  static List<TopicPartition> partitions(Consumer<ByteBuffer, ByteBuffer> c, String topic, String cluster, Duration timeout) {
    var infos = c.partitionsFor(topic, timeout);
    if (infos == null || infos.isEmpty()) {
      if (cluster != null && c.listTopics(timeout).containsKey(topic)) {
        return List.of();
      }
      throw new NotFoundException(ResourceType.TOPIC, topic, "Topic '%s' does not exist in cluster '%s'".formatted(topic, cluster));
    }
    return infos.stream().map(p -> new TopicPartition(topic, p.partition())).sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
  }

  /** Source end offsets: the LSO now, or the first offset after the cut-off timestamp. */
  static Map<TopicPartition, Long> cut(Consumer<ByteBuffer, ByteBuffer> c, List<TopicPartition> tps, VerificationRequest request,
      Duration timeout) {
    Map<TopicPartition, Long> end = c.endOffsets(tps, timeout);
    if (request.cutoff().isEmpty()) {
      return end;
    }
    Map<TopicPartition, Long> query = new HashMap<>();
    tps.forEach(tp -> query.put(tp, request.cutoff().get().toEpochMilli() + 1));
    Map<TopicPartition, OffsetAndTimestamp> after = c.offsetsForTimes(query, timeout);
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartition tp : tps) {
      OffsetAndTimestamp o = after.get(tp);
      out.put(tp, o == null ? end.get(tp) : Math.min(o.offset(), end.get(tp)));
    }
    return out;
  }

  static Map<String, Map<Integer, Long>> groups(Admin admin, List<String> groups, String topic) {
    Map<String, Map<Integer, Long>> out = new TreeMap<>();
    for (String group : groups) {
      try {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(Map.of(group, new ListConsumerGroupOffsetsSpec()))
            .partitionsToOffsetAndMetadata(group).get(60, TimeUnit.SECONDS);
        Map<Integer, Long> byPartition = new TreeMap<>();
        committed.forEach((tp, om) -> {
          if (om != null && tp.topic().equals(topic)) {
            byPartition.put(tp.partition(), om.offset());
          }
        });
        out.put(group, byPartition);
      } catch (Exception e) {
        throw new OperationFailedException(ResourceType.CONSUMER_GROUP, group, "Could not read committed offsets of group '%s': %s".formatted(group, e.getMessage()), e, true);
      }
    }
    return out;
  }

  static boolean compacted(Admin admin, String topic) {
    var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try {
      var config = admin.describeConfigs(List.of(resource)).all().get(60, TimeUnit.SECONDS).get(resource);
      var policy = config == null ? null : config.get("cleanup.policy");
      return policy != null && policy.value() != null && policy.value().contains("compact");
    } catch (ExecutionException | TimeoutException e) {
      throw new OperationFailedException(ResourceType.TOPIC, topic, "Could not read the configuration of topic '%s' to choose how to compare it: %s; "
          .formatted(topic, e.getMessage()) + "name the comparison explicitly (--comparison records or latest-per-key)", e, true);
    } catch (InterruptedException e) {
      throw new DrInterruptedException("verifying", e);
    }
  }
}
