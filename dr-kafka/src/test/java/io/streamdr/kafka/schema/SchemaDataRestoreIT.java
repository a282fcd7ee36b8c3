package io.streamdr.kafka.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedSchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Avro change events, serialized against us-east-1's registry (Apicurio's serializer in Confluent's wire format: each
 * value starts with the schema id), backed up with their schemas and restored into another cluster and its registry:
 * a registry-aware consumer there decodes every record, which it cannot before the schemas are restored.
 */
class SchemaDataRestoreIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();
  @RegisterExtension
  static final EmbeddedSchemaRegistry EAST_REGISTRY = EmbeddedSchemaRegistry.create("us-east-1");
  @RegisterExtension
  static final EmbeddedSchemaRegistry WEST_REGISTRY = EmbeddedSchemaRegistry.create("us-west-2");

  private static final Schema V1 = new Schema.Parser().parse("""
      {"type":"record","name":"OrderChanged","namespace":"shop","fields":[
        {"name":"id","type":"long"},{"name":"status","type":"string"}]}""");
  private static final Schema V2 = new Schema.Parser().parse("""
      {"type":"record","name":"OrderChanged","namespace":"shop","fields":[
        {"name":"id","type":"long"},{"name":"status","type":"string"},{"name":"note","type":["null","string"],"default":null}]}""");

  @TempDir Path dir;

  private static Map<String, Object> serde(EmbeddedSchemaRegistry registry) {
    Map<String, Object> c = new HashMap<>();
    c.put("apicurio.registry.url", registry.apicurioUrl().toString());
    c.put("apicurio.registry.as-confluent", true);
    c.put("apicurio.registry.use-id", "contentId");
    c.put("apicurio.registry.headers.enabled", false);
    return c;
  }

  @Test
  void avro_records_restored_with_their_schemas_decode_in_the_other_region() {
    EAST.createTopic("orders-cdc", 1, 1, Map.of("retention.ms", "-1"));
    Map<String, Object> producerConfig = new HashMap<>(EAST.clientConfig());
    producerConfig.putAll(serde(EAST_REGISTRY));
    producerConfig.put("apicurio.registry.auto-register", true);
    AvroKafkaSerializer<Object> serializer = new AvroKafkaSerializer<>();
    serializer.configure(producerConfig, false); // a serializer given as an instance is not configured by the producer
    try (KafkaProducer<String, Object> producer = new KafkaProducer<>(producerConfig, new StringSerializer(), serializer)) {
      producer.send(new ProducerRecord<>("orders-cdc", "warm-up", order(V1, 0))); // registers v1 first
      producer.flush();
      for (int i = 1; i < 100; i++) {
        producer.send(new ProducerRecord<>("orders-cdc", "order-" + i, order(i < 50 ? V1 : V2, i)));
      }
      producer.flush();
    }
    assertThat(new SchemaRegistryComparison(ccompat(EAST_REGISTRY), ccompat(EAST_REGISTRY)).compare().versions())
        .as("the serializer registered both versions").isEqualTo(2);

    byte[] first = firstValue(EAST);
    int v1Id = io.streamdr.core.internal.http.RestClient.of(EAST_REGISTRY.url().toString())
        .get("/subjects/orders-cdc-value/versions/1").path("id").asInt();
    assertThat(first[0]).as("Confluent's wire format: a zero byte").isZero();
    assertThat(java.nio.ByteBuffer.wrap(first, 1, 4).getInt()).as("then the schema id").isEqualTo(v1Id);

    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    TopicBackup.builder(EAST.clientConfig(), target).topics(List.of("orders-cdc")).build().full("b1");
    SchemaBackup.of(ccompat(EAST_REGISTRY), target).take("b1");
    TopicRestore.builder(WEST.clientConfig(), target, "b1").build().run();

    assertThatThrownBy(() -> read(WEST, WEST_REGISTRY, 1)).as("without its schemas the restored topic cannot be decoded")
        .isInstanceOf(RecordDeserializationException.class);

    SchemaBackup.restore(SchemaBackup.read(target, "b1"), ccompat(WEST_REGISTRY));
    List<ConsumerRecord<String, Object>> records = read(WEST, WEST_REGISTRY, 100);
    assertThat(records).hasSize(100);
    for (int i = 0; i < 100; i++) {
      GenericRecord value = (GenericRecord) records.get(i).value();
      assertThat(value.get("id")).isEqualTo((long) i);
      assertThat(value.get("status").toString()).isEqualTo("status-" + i);
      assertThat(value.getSchema().getField("note") != null).as("record %d was written with v%d", i, i < 50 ? 1 : 2).isEqualTo(i >= 50);
    }
  }

  private static RestEndpoint ccompat(EmbeddedSchemaRegistry registry) {
    return RestEndpoint.of(registry.url().toString());
  }

  private static GenericRecord order(Schema schema, int i) {
    GenericRecord r = new GenericData.Record(schema);
    r.put("id", (long) i);
    r.put("status", "status-" + i);
    if (schema == V2) {
      r.put("note", "note-" + i);
    }
    return r;
  }

  private static byte[] firstValue(EmbeddedKafkaCluster cluster) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cluster.clientConfig(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition("orders-cdc", 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          return r.value();
        }
      }
    }
    throw new AssertionError("no record in orders-cdc");
  }

  /** Reads the first {@code n} records of the topic from the beginning, decoding the values against {@code registry}. */
  private static List<ConsumerRecord<String, Object>> read(EmbeddedKafkaCluster cluster, EmbeddedSchemaRegistry registry, int n) {
    Map<String, Object> config = new HashMap<>(cluster.clientConfig());
    config.putAll(serde(registry));
    config.put("auto.offset.reset", "earliest");
    config.put("enable.auto.commit", false);
    List<ConsumerRecord<String, Object>> out = new ArrayList<>();
    AvroKafkaDeserializer<Object> deserializer = new AvroKafkaDeserializer<>();
    deserializer.configure(config, false);
    try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(config, new StringDeserializer(), deserializer)) {
      TopicPartition tp = new TopicPartition("orders-cdc", 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (out.size() < n && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(out::add);
      }
    }
    return out;
  }
}
