package io.streamdr.kafka;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Makes the Kafka clients a backup, a restore or a verification uses, from the settings it computed (the caller's
 * client settings plus what the operation needs). {@link #DEFAULT} makes kafka-clients' own; a test or an embedding
 * application can wrap them (to count, to trace, to add interceptors) or hand out Kafka's mock clients.
 *
 * <pre>{@code
 * KafkaClientFactory traced = new KafkaClientFactory() {
 *   @Override public Admin admin(Map<String, Object> config) {
 *     LOG.info("admin client {}", config.get("client.id"));
 *     return KafkaClientFactory.super.admin(config);
 *   }
 * };
 * TopicBackup.builder(config, target).topics(List.of("orders")).clients(traced).build();
 * }</pre>
 */
public interface KafkaClientFactory {
  /** kafka-clients' {@link Admin}, {@link KafkaConsumer} and {@link KafkaProducer}. */
  KafkaClientFactory DEFAULT = new KafkaClientFactory() {};

  default Admin admin(Map<String, Object> config) {
    return Admin.create(config);
  }

  default <K, V> Consumer<K, V> consumer(Map<String, Object> config, Deserializer<K> keys, Deserializer<V> values) {
    return new KafkaConsumer<>(config, keys, values);
  }

  default <K, V> Producer<K, V> producer(Map<String, Object> config, Serializer<K> keys, Serializer<V> values) {
    return new KafkaProducer<>(config, keys, values);
  }
}
