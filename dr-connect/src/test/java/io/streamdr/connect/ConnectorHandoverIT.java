package io.streamdr.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.testkit.EmbeddedConnect;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedPostgres;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A running Debezium connector moves between two live Connect clusters and back, capturing every row once. */
class ConnectorHandoverIT {
  @RegisterExtension @Order(1)
  static final EmbeddedPostgres PG = EmbeddedPostgres.create();

  @RegisterExtension @Order(2)
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("connector-handover-it").build();

  @RegisterExtension @Order(3)
  static final EmbeddedConnect EAST = EmbeddedConnect.on(KAFKA, "connect-east");

  @RegisterExtension @Order(4)
  static final EmbeddedConnect WEST = EmbeddedConnect.on(KAFKA, "connect-west");

  private static final Pattern ID = Pattern.compile("\"after\":\\{\"id\":(\\d+)");

  private static void insert(int from, int to) {
    IntStream.range(from, to).forEach(i -> PG.execute("insert into shipments (id, owner) values (" + i + ", 'o')"));
  }

  private static List<Integer> captured(int atLeast) {
    return KAFKA.read("ship.public.shipments", atLeast, Duration.ofSeconds(60)).stream().map(r -> {
      Matcher m = ID.matcher(r.value());
      return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }).toList();
  }

  @Test
  void debezium_moves_over_and_back_even_past_a_stale_copy_of_itself_with_every_row_once() {
    PG.execute("create table shipments (id int primary key, owner text)");
    insert(1, 6);
    RestEndpoint restEast = RestEndpoint.of(EAST.restUrl().toString());
    RestEndpoint restWest = RestEndpoint.of(WEST.restUrl().toString());
    ConnectRestAdmin east = new ConnectRestAdmin(restEast);
    ConnectRestAdmin west = new ConnectRestAdmin(restWest);
    PG.registerDebezium(EAST, "shipments-cdc", PG.debeziumConfig("shipments_slot", "ship", "public.shipments"), Duration.ofSeconds(90));
    insert(6, 11);
    assertThat(captured(10)).hasSize(10);

    // over: created in the other cluster from the configuration that runs, with the offsets it stopped at
    // (its configuration changed on the way, as a region's registry URL would be)
    List<ConnectorHandover.Outcome> over = ConnectorHandover.from(east).to(west).config((name, config) -> {
      java.util.Map<String, String> changed = new java.util.HashMap<>(config);
      changed.put("value.converter.apicurio.registry.url", "http://registry.us-west-2:8080/apis/registry/v2");
      return changed;
    }).handOver(List.of("shipments-cdc"));
    assertThat(over).singleElement().satisfies(o -> {
      assertThat(o.handedOver()).as(o.detail()).isTrue();
      assertThat(o.created()).isTrue();
      assertThat(o.partitions()).isEqualTo(1);
    });
    assertThat(east.describe("shipments-cdc").state()).isEqualTo(ConnectorState.STOPPED);
    assertThat(west.describe("shipments-cdc").config()).containsEntry("value.converter.apicurio.registry.url",
        "http://registry.us-west-2:8080/apis/registry/v2").containsEntry("slot.name", "shipments_slot");
    insert(11, 16);
    assertThat(captured(15)).as("every row once, in order, across the move").containsExactlyElementsOf(IntStream.rangeClosed(1, 15).boxed().toList());

    // back: the cluster returning has the connector (as a region's worker that comes back does) and keeps its configuration
    List<ConnectorHandover.Outcome> back = ConnectorHandover.from(west).to(east).config((name, config) -> {
      throw new AssertionError("a connector the cluster taking over has keeps its own configuration");
    }).handOver(List.of("shipments-cdc"));
    assertThat(back).singleElement().satisfies(o -> {
      assertThat(o.handedOver()).as(o.detail()).isTrue();
      assertThat(o.created()).isFalse();
      assertThat(o.detail()).contains("kept its own configuration");
    });
    east.awaitState("shipments-cdc", ConnectorInfo::fullyRunning, Duration.ofSeconds(30));
    insert(16, 21);
    assertThat(captured(20)).containsExactlyElementsOf(IntStream.rangeClosed(1, 20).boxed().toList());

    // the west copy resumed with the offsets it stopped at, while east captures: the next handover stops it first
    west.resume("shipments-cdc");
    insert(21, 26);
    List<ConnectorHandover.Outcome> again = ConnectorHandover.from(east).to(west).handOver(List.of("shipments-cdc"));
    assertThat(again).singleElement().satisfies(o -> assertThat(o.handedOver()).as(o.detail()).isTrue());
    insert(26, 31);
    assertThat(captured(30)).as("every row once, the stale copy never captured anything")
        .containsExactlyElementsOf(IntStream.rangeClosed(1, 30).boxed().toList());

    // run again, the handover finds it done and changes nothing
    assertThat(ConnectorHandover.from(east).to(west).handOver(List.of("shipments-cdc"))).singleElement().satisfies(o -> {
      assertThat(o.handedOver()).isTrue();
      assertThat(o.detail()).contains("already handed over");
    });
    assertThat(west.describe("shipments-cdc").state()).isEqualTo(ConnectorState.RUNNING);

    // a connector that does not run where it is taken from is refused, and nothing changes
    west.pause("shipments-cdc");
    west.awaitState("shipments-cdc", i -> i.state() == ConnectorState.PAUSED, Duration.ofSeconds(30));
    List<ConnectorHandover.Outcome> refused = ConnectorHandover.from(west).to(east).handOver(List.of("shipments-cdc"));
    assertThat(refused).singleElement().satisfies(o -> {
      assertThat(o.handedOver()).isFalse();
      assertThat(o.detail()).contains("'shipments-cdc' is PAUSED where it is taken from").contains("resume it there");
    });
    assertThat(east.describe("shipments-cdc").state()).isEqualTo(ConnectorState.STOPPED);
  }
}
