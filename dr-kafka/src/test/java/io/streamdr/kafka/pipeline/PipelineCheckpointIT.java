package io.streamdr.kafka.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.fake.InMemoryBackupTarget;
import io.streamdr.core.fake.InMemoryConnectorAdmin;
import io.streamdr.core.fake.InMemorySavepointClient;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointOptions;
import io.streamdr.testing.MutableClock;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Pipeline checkpoints: what a secondary reads back is what the primary had, secrets stay out, the newest wins. */
class PipelineCheckpointIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();

  private final InMemoryBackupTarget backups = new InMemoryBackupTarget();
  private final InMemoryConnectorAdmin connect = new InMemoryConnectorAdmin();
  private final MutableClock clock = new MutableClock();
  private final InMemorySavepointClient flink = new InMemorySavepointClient(clock);
  private JobRef routing;

  @BeforeEach
  void pipeline() {
    connect.apply(ConnectorSpec.of("pg-business-events", Map.of("connector.class", "io.debezium.connector.postgresql.PostgresConnector",
        "database.password", "hunter2", "slot.name", "streamdr")));
    connect.commitOffsets("pg-business-events", ConnectorOffsets.of(Map.of("server", "pg"), Map.of("lsn", 24_023_128L, "txId", 771L)));
    routing = flink.startJob("routing");
  }

  private PipelineCheckpointer.Builder checkpointer() {
    return PipelineCheckpointer.builder(backups, "us-east-1").connectors(connect).job(flink, () -> routing).clock(clock);
  }

  @Test
  void the_secondary_reads_back_the_connectors_offsets_the_newest_recovery_point_and_the_groups_positions() throws Exception {
    EAST.createTopic("raw-business-events", 3);
    commit("streamdr-routing", Map.of(new TopicPartition("raw-business-events", 0), 5L, new TopicPartition("raw-business-events", 2), 9L));
    flink.take(routing, SavepointOptions.defaults(), Duration.ofSeconds(5));
    clock.advance(Duration.ofSeconds(3));
    Savepoint newest = flink.take(routing, SavepointOptions.defaults(), Duration.ofSeconds(5));
    PipelineCheckpoint written = checkpointer().groups(EAST.clientConfig(), List.of("streamdr-routing"))
        .fact("replication slot confirmed LSN", () -> "0/16E8D58").build().capture();

    PipelineCheckpoint read = PipelineCheckpointer.latest(backups, "us-east-1").orElseThrow();
    assertThat(read.takenAt()).isEqualTo(written.takenAt());
    PipelineCheckpoint.Connector pg = read.connector("pg-business-events").orElseThrow();
    assertThat(pg.state()).isEqualTo(ConnectorState.RUNNING);
    assertThat(pg.config()).containsEntry("slot.name", "streamdr").containsEntry("database.password", "[redacted]");
    assertThat(pg.offsets().offsets()).singleElement().satisfies(o -> {
      assertThat(o.partition().get("server")).isEqualTo("pg");
      assertThat(((Number) o.offset().get("lsn")).longValue()).isEqualTo(24_023_128L);
      assertThat(((Number) o.offset().get("txId")).longValue()).isEqualTo(771L);
    });
    assertThat(read.job()).hasValueSatisfying(j -> {
      assertThat(j.id()).isEqualTo(newest.id());
      assertThat(j.location()).isEqualTo(newest.location());
    });
    assertThat(read.groups()).containsEntry("streamdr-routing", Map.of("raw-business-events", Map.of(0, 5L, 2, 9L)));
    assertThat(read.facts()).containsEntry("replication slot confirmed LSN", "0/16E8D58");
    clock.advance(Duration.ofSeconds(7));
    assertThat(read.age(clock)).isEqualTo(Duration.ofSeconds(7));
    String stored = new String(backups.readAll(backups.list(PipelineCheckpointer.prefix("us-east-1")).get(0).key()), StandardCharsets.UTF_8);
    assertThat(stored).doesNotContain("hunter2");
    assertThat(pg.toString()).doesNotContain("hunter2");
  }

  @Test
  void kept_secrets_are_kept_and_the_newest_of_several_checkpoints_is_read() {
    PipelineCheckpointer keeping = checkpointer().keepSecrets(true).build();
    keeping.capture();
    clock.advance(Duration.ofSeconds(2));
    connect.commitOffsets("pg-business-events", ConnectorOffsets.of(Map.of("server", "pg"), Map.of("lsn", 24_100_000L)));
    PipelineCheckpoint second = keeping.capture();
    PipelineCheckpoint read = PipelineCheckpointer.latest(backups, "us-east-1").orElseThrow();
    assertThat(read.takenAt()).isEqualTo(second.takenAt());
    assertThat(read.connector("pg-business-events").orElseThrow().config()).containsEntry("database.password", "hunter2");
    assertThat(((Number) read.connector("pg-business-events").orElseThrow().offsets().offsets().get(0).offset().get("lsn")).longValue())
        .isEqualTo(24_100_000L);
    assertThat(PipelineCheckpointer.latest(backups, "us-west-2")).isEmpty();
  }

  @Test
  void an_unreachable_cluster_is_named_at_once_and_nothing_is_written() {
    PipelineCheckpointer checkpoints = checkpointer().groups(Map.of("bootstrap.servers", "localhost:1"), List.of("billing")).build();
    assertThatThrownBy(checkpoints::capture).hasMessageContaining("Cannot reach the Kafka cluster of us-east-1 at localhost:1");
    assertThat(backups.list(PipelineCheckpointer.prefix("us-east-1"))).isEmpty();
  }

  @Test
  void a_damaged_newest_checkpoint_is_an_error_naming_it_not_silently_an_older_one() {
    checkpointer().build().capture();
    backups.write(BackupKey.of("pipeline", "us-east-1", "29991231T000000000Z.json"), out -> out.write("{\"takenAt\":".getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> PipelineCheckpointer.latest(backups, "us-east-1")).isInstanceOf(BackupCorruptedException.class)
        .hasMessageContaining("pipeline/us-east-1/29991231T000000000Z.json").hasMessageContaining("remove it");
  }

  @Test
  void on_a_schedule_it_keeps_capturing_and_a_failed_capture_does_not_stop_the_next() throws Exception {
    PipelineCheckpointer checkpoints = PipelineCheckpointer.builder(backups, "us-east-1").connectors(connect).build();
    try (AutoCloseable schedule = checkpoints.every(Duration.ofMillis(50))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> backups.list(PipelineCheckpointer.prefix("us-east-1")).size() >= 2);
      backups.failNextPublish("bucket unreachable");
      int before = backups.list(PipelineCheckpointer.prefix("us-east-1")).size();
      await().atMost(Duration.ofSeconds(10)).until(() -> backups.list(PipelineCheckpointer.prefix("us-east-1")).size() >= before + 2);
    }
    assertThat(checkpoints.last()).isPresent();
  }

  private static void commit(String group, Map<TopicPartition, Long> offsets) {
    Map<String, Object> c = new HashMap<>(EAST.clientConfig());
    c.put("group.id", group);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
      offsets.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
      consumer.commitSync(commit);
    }
  }
}
