package io.streamdr.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.streamdr.core.internal.http.RestClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Debezium on the embedded Connect writing its change events in Avro through the embedded Schema Registry. */
class DebeziumAvroIT {
  @RegisterExtension
  static final EmbeddedPostgres PG = EmbeddedPostgres.create();
  @RegisterExtension
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("debezium-avro-it").build();
  @RegisterExtension
  static final EmbeddedSchemaRegistry REGISTRY = EmbeddedSchemaRegistry.create("debezium-avro-it");

  @Test
  void change_events_carry_the_registry_id_of_their_schema_and_decode_with_a_registry_aware_deserializer() {
    PG.execute("create table accounts (id serial primary key, owner text not null, balance numeric(12,2))",
        "insert into accounts (owner, balance) values ('snapshot', 1.50)");
    try (EmbeddedConnect connect = EmbeddedConnect.on(KAFKA, "dbz-avro-connect")) {
      connect.start();
      Map<String, String> config = new HashMap<>(PG.debeziumConfig("avro_slot", "avro", "public.accounts"));
      config.putAll(REGISTRY.avroValueConverter());
      PG.registerDebezium(connect, "pg-accounts", config, Duration.ofSeconds(90));
      PG.execute("insert into accounts (owner, balance) values ('streamed', 2.25)");

      List<ConsumerRecord<byte[], byte[]>> raw = read("avro.public.accounts", 2, KAFKA.clientConfig(), new ByteArrayDeserializer());
      int id = RestClient.of(REGISTRY.url().toString()).get("/subjects/avro.public.accounts-value/versions/latest").path("id").asInt();
      assertThat(raw).allSatisfy(r -> {
        assertThat(r.value()[0]).as("Confluent's wire format: a zero byte").isZero();
        assertThat(ByteBuffer.wrap(r.value(), 1, 4).getInt()).as("then the id the registry gave the schema").isEqualTo(id);
      });

      Map<String, Object> serde = new HashMap<>(KAFKA.clientConfig());
      serde.put("apicurio.registry.url", REGISTRY.apicurioUrl().toString());
      serde.put("apicurio.registry.as-confluent", true);
      serde.put("apicurio.registry.use-id", "contentId");
      serde.put("apicurio.registry.headers.enabled", false);
      AvroKafkaDeserializer<Object> avro = new AvroKafkaDeserializer<>();
      avro.configure(serde, false);
      List<ConsumerRecord<byte[], Object>> decoded = read("avro.public.accounts", 2, serde, avro);
      GenericRecord snapshot = (GenericRecord) decoded.get(0).value();
      GenericRecord streamed = (GenericRecord) decoded.get(1).value();
      assertThat(snapshot.get("op").toString()).isEqualTo("r");
      assertThat(((GenericRecord) snapshot.get("after")).get("owner").toString()).isEqualTo("snapshot");
      assertThat(streamed.get("op").toString()).isEqualTo("c");
      assertThat(((GenericRecord) streamed.get("after")).get("owner").toString()).isEqualTo("streamed");
      assertThat(((GenericRecord) streamed.get("after")).get("balance").toString()).isEqualTo("2.25");
    }
  }

  private static <V> List<ConsumerRecord<byte[], V>> read(String topic, int n, Map<String, Object> config,
      org.apache.kafka.common.serialization.Deserializer<V> values) {
    List<ConsumerRecord<byte[], V>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], V> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), values)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!consumer.listTopics().containsKey(topic) && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
      }
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      while (out.size() < n && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(out::add);
      }
    }
    assertThat(out).as("records of " + topic).hasSizeGreaterThanOrEqualTo(n);
    return out;
  }
}
