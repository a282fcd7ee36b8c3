package io.streamdr.kafka.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedRegionPair;
import io.streamdr.testkit.EmbeddedSchemaRegistry;
import io.streamdr.testkit.flink.RoutingJob;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two-region stack with a Schema Registry in each region: Debezium's change events in Avro through us-east-1's
 * registry, routed there by a job that decodes them, replicated to us-west-2 byte for byte, unreadable there until the
 * primary's schemas are restored into us-west-2's registry with their ids, then decoded and routed by a takeover job
 * in us-west-2.
 */
class SchemaStackIT {
  @RegisterExtension
  static final EmbeddedRegionPair STACK = EmbeddedRegionPair.builder().schemaRegistries(true).build();

  @TempDir Path dir;

  @Test
  void avro_change_events_route_in_the_primary_and_after_the_schemas_are_restored_decode_and_route_in_the_secondary() {
    STACK.insertEvent("loan", 7, "700.00");
    STACK.insertEvent("car", 8, "800.00");
    EmbeddedRegionPair.RegionStack east = STACK.primary();
    EmbeddedRegionPair.RegionStack west = STACK.secondary();
    EmbeddedSchemaRegistry eastRegistry = east.registry().orElseThrow();
    EmbeddedSchemaRegistry westRegistry = west.registry().orElseThrow();
    assertThat(STACK.topology().primaryRegion().schemaRegistryUrl()).contains(eastRegistry.url());

    byte[] routed = values(east.kafka(), RoutingJob.filteredTopic("loan"), 1).get(0);
    assertThat(routed[0]).as("Confluent's wire format: a zero byte, then the schema id").isZero();
    int id = java.nio.ByteBuffer.wrap(routed, 1, 4).getInt();
    assertThat(io.streamdr.core.internal.http.RestClient.of(eastRegistry.url().toString()).get("/schemas/ids/" + id).path("schema").asText())
        .as("the id is the Debezium envelope's schema in us-east-1's registry").contains("Envelope");
    String text = east.changeEvents().of(routed);
    assertThat(text).contains("\"event_type\": \"loan\"").contains("\"customer_id\": 7");

    byte[] copy = values(west.kafka(), STACK.remoteTopic(RoutingJob.filteredTopic("loan")), 1).get(0);
    assertThat(copy).as("replicated byte for byte").isEqualTo(routed);
    assertThatThrownBy(() -> west.changeEvents().of(copy)).as("us-west-2's registry does not hold the id yet")
        .hasMessageContaining("Schema id " + id).hasMessageContaining("restore the source region's schemas there first");

    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    SchemaSnapshot snapshot = SchemaBackup.of(RestEndpoint.of(eastRegistry.url().toString()), target).take("east");
    SchemaBackup.RestoreReport restored = SchemaBackup.restore(snapshot, RestEndpoint.of(westRegistry.url().toString()));
    assertThat(restored.restored()).isEqualTo(snapshot.versions()).isPositive();
    assertThat(west.changeEvents().of(copy)).isEqualTo(text);

    // us-west-2 takes the routing over from the replicated backlog, decoding against its own registry
    for (String type : RoutingJob.TYPES) {
      west.kafka().createTopic(RoutingJob.filteredTopic(type), 1);
    }
    west.flink().submitTakeoverRoutingJob(west.kafka().bootstrapServers(), List.of(STACK.remoteTopic(RoutingJob.SOURCE_TOPIC)), List.of(),
        west.changeEvents());
    assertThat(west.changeEvents().of(values(west.kafka(), RoutingJob.filteredTopic("loan"), 1).get(0))).isEqualTo(text);
    assertThat(west.changeEvents().of(values(west.kafka(), RoutingJob.filteredTopic("car"), 1).get(0))).contains("\"event_type\": \"car\"");
  }

  /** The first {@code n} values of a topic's partitions, read from the beginning. */
  private static List<byte[]> values(EmbeddedKafkaCluster cluster, String topic, int n) {
    List<byte[]> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cluster.clientConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      List<TopicPartition> partitions = List.of();
      while (partitions.isEmpty() && System.nanoTime() < deadline) {
        partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (out.size() < n && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          out.add(r.value());
        }
      }
    }
    assertThat(out).as("values in " + topic).hasSizeGreaterThanOrEqualTo(n);
    return out;
  }
}
