package io.streamdr.kafka.schema;

import static io.streamdr.kafka.schema.AvroSchemas.record;
import static io.streamdr.kafka.schema.AvroSchemas.register;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.ConflictException;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.testkit.EmbeddedSchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema snapshots of a real registry (Apicurio Registry through its Confluent-compatible API, which has no IMPORT
 * mode) restored into others: an empty one gets every id back, one that uses an id for another schema is refused
 * before anything is written, and a tampered snapshot is refused by its checksum.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SchemaBackupIT {
  @RegisterExtension
  static final EmbeddedSchemaRegistry EAST = EmbeddedSchemaRegistry.create("us-east-1");
  @RegisterExtension
  static final EmbeddedSchemaRegistry WEST = EmbeddedSchemaRegistry.create("us-west-2");
  @RegisterExtension
  static final EmbeddedSchemaRegistry OTHER = EmbeddedSchemaRegistry.create("other");

  @TempDir
  Path dir;

  private static RestEndpoint endpoint(EmbeddedSchemaRegistry registry) {
    return RestEndpoint.of(registry.url().toString());
  }

  @Test
  @Order(1)
  void a_snapshot_restores_into_an_empty_registry_with_every_id_once_and_is_refused_where_an_id_means_another_schema() {
    RestClient east = RestClient.of(endpoint(EAST));
    int order = register(east, "orders-value", record("Order", "id"));
    int orderV2 = register(east, "orders-value", record("Order", "id", "note"));
    int payment = register(east, "payments-value", record("Payment", "id"));
    assertThat(register(east, "orders-archive-value", record("Order", "id"))).as("the same schema, the same id").isEqualTo(order);
    east.put("/config/orders-value", Map.of("compatibility", "BACKWARD"));

    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    SchemaSnapshot taken = SchemaBackup.of(endpoint(EAST), target).take("t1");
    assertThat(taken.subjects()).extracting(SchemaSnapshot.Subject::name)
        .containsExactly("orders-archive-value", "orders-value", "payments-value");
    assertThat(taken.versions()).isEqualTo(4);
    assertThat(taken.subjects().get(1).versions()).extracting(SchemaSnapshot.Version::id).containsExactly(order, orderV2);
    assertThat(taken.subjects().get(1).compatibility()).contains("BACKWARD");
    SchemaSnapshot read = SchemaBackup.read(target, "t1");
    assertThat(read).isEqualTo(taken);
    assertThatThrownBy(() -> SchemaBackup.of(endpoint(EAST), target).take("t1")).isInstanceOf(ConflictException.class)
        .hasMessageContaining("A schema snapshot 't1' exists already");

    SchemaBackup.RestoreReport restored = SchemaBackup.restore(read, endpoint(WEST));
    assertThat(restored.importMode()).as("Apicurio's compatibility API has no IMPORT mode").isFalse();
    assertThat(restored.restored()).isEqualTo(4);
    SchemaRegistryComparison.Report compared = new SchemaRegistryComparison(endpoint(EAST), endpoint(WEST)).compare();
    assertThat(compared.identical()).as("%s", compared.differences()).isTrue();
    assertThat(compared.versions()).isEqualTo(4);
    assertThat(RestClient.of(endpoint(WEST)).get("/config/orders-value").path("compatibilityLevel").asText()).isEqualTo("BACKWARD");

    SchemaBackup.RestoreReport again = SchemaBackup.restore(read, endpoint(WEST));
    assertThat(again.restored()).as("run again, it restores nothing more").isZero();
    assertThat(again.outcomes()).allSatisfy(o -> assertThat(o.detail()).startsWith("already there"));
    assertThat(new SchemaRegistryComparison(endpoint(EAST), endpoint(WEST)).compare().identical()).isTrue();

    RestClient other = RestClient.of(endpoint(OTHER));
    register(other, "audit-value", record("Audit", "who")); // takes id 1 there
    assertThatThrownBy(() -> SchemaBackup.restore(read, endpoint(OTHER))).isInstanceOf(ConflictException.class)
        .hasMessageContaining("id %d is another schema there than orders-archive-value version 1's".formatted(order))
        .hasMessageContaining("nothing was written");
    assertThat(other.get("/subjects")).extracting(n -> n.asText()).containsExactly("audit-value");
  }

  @Test
  @Order(2)
  void a_snapshot_altered_in_the_target_is_refused_by_its_checksum() throws Exception {
    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    SchemaBackup.of(endpoint(EAST), target).take("t2"); // what the first test registered there
    Path file = dir.resolve(SchemaBackup.key("t2").value());
    String text = Files.readString(file, StandardCharsets.UTF_8);
    assertThat(text).contains("Payment");
    Files.writeString(file, text.replace("Payment", "Paymant"), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SchemaBackup.read(target, "t2")).isInstanceOf(BackupCorruptedException.class)
        .hasMessageContaining("fails its checksum");
  }
}
