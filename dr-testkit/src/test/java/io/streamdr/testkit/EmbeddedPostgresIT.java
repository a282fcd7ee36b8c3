package io.streamdr.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedPostgresIT {
  @RegisterExtension
  static final EmbeddedPostgres PG = EmbeddedPostgres.create();

  @RegisterExtension
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("debezium-it").build();

  @Test
  void debezium_captures_a_snapshot_row_and_a_streamed_insert_through_a_named_slot() {
    PG.execute("create table customers (id serial primary key, name text)",
        "insert into customers (name) values ('before-connector')");
    try (EmbeddedConnect connect = EmbeddedConnect.on(KAFKA, "dbz-connect")) {
      connect.start();
      PG.registerDebezium(connect, "pg-customers", PG.debeziumConfig("it_slot", "dbz", "public.customers"),
          Duration.ofSeconds(90));
      assertThat(PG.slotActive("it_slot")).isTrue();
      PG.execute("insert into customers (name) values ('after-connector')");
      var records = KAFKA.read("dbz.public.customers", 2, Duration.ofSeconds(60));
      assertThat(records).hasSize(2);
      assertThat(records.get(0).value()).contains("before-connector").contains("\"op\":\"r\"");
      assertThat(records.get(1).value()).contains("after-connector").contains("\"op\":\"c\"");
    }
    assertThat(PG.jdbcUrl()).startsWith("jdbc:postgresql://127.0.0.1:");
  }
}
