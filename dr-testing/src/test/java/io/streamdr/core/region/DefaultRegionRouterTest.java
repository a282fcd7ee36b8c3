package io.streamdr.core.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.NotFoundException;
import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.testing.RegionRouterContract;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultRegionRouterTest extends RegionRouterContract {
  @TempDir Path dir;

  @Override
  protected RegionRouter router(RegionTopology topology, ActiveRegionStore store) {
    return new DefaultRegionRouter(topology, store);
  }

  @Test
  void routers_in_two_processes_agree_through_a_file_store() {
    Path file = dir.resolve("active.json");
    DefaultRegionRouter a = new DefaultRegionRouter(TOPOLOGY, new FileActiveRegionStore(file));
    DefaultRegionRouter b = new DefaultRegionRouter(TOPOLOGY, new FileActiveRegionStore(file));
    List<RegionSwitch> seenByB = new CopyOnWriteArrayList<>();
    b.onSwitch(seenByB::add);
    a.failover(WEST, "primary down");
    assertThat(b.refresh()).isEqualTo(WEST);
    assertThat(seenByB).singleElement().satisfies(s -> assertThat(s.local()).isFalse());
    assertThat(b.failback("primary back")).isEqualTo(EAST);
    assertThat(a.refresh()).isEqualTo(EAST);
    assertThat(a.epoch()).isEqualTo(3);
  }

  @Test
  void a_store_naming_a_region_outside_the_topology_is_a_configuration_error() {
    InMemoryActiveRegionStore store = new InMemoryActiveRegionStore();
    store.compareAndSet(0, "eu-central-1", "other deployment");
    assertThatThrownBy(() -> new DefaultRegionRouter(TOPOLOGY, store))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("eu-central-1");
  }

  @Test
  void region_toString_hides_secrets_in_client_properties_and_urls() {
    Region r = Region.of("us-east-1", "b:9092")
        .withClientProperties(Map.of("sasl.jaas.config", "PlainLoginModule required password=\"p4ss\";",
            "security.protocol", "SASL_SSL"))
        .withSchemaRegistry(URI.create("https://key:p4ss@sr.example:8081/"));
    assertThat(r.toString()).doesNotContain("p4ss").contains("SASL_SSL").contains("sr.example");
    assertThat(r.kafkaClientConfig()).containsEntry("bootstrap.servers", "b:9092");
  }
}
