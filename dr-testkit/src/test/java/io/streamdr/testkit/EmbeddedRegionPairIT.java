package io.streamdr.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.testkit.flink.RoutingJob;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedRegionPairIT {
  @RegisterExtension
  static final EmbeddedRegionPair STACK = EmbeddedRegionPair.builder().build();

  @Test
  void a_postgres_insert_reaches_the_filtered_topic_in_both_regions() {
    long t0 = System.nanoTime();
    STACK.insertEvent("loan", 42, "1000.00");
    var east = STACK.primary().kafka().read(RoutingJob.filteredTopic("loan"), 1, Duration.ofSeconds(60));
    long eastMs = (System.nanoTime() - t0) / 1_000_000;
    String remote = STACK.remoteTopic(RoutingJob.filteredTopic("loan"));
    var west = STACK.secondary().kafka().read(remote, 1, Duration.ofSeconds(90));
    long westMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(east).singleElement().satisfies(r -> assertThat(r.value()).contains("\"event_type\":\"loan\"").contains("\"customer_id\":42"));
    assertThat(west).singleElement().satisfies(r -> assertThat(r.value()).isEqualTo(east.get(0).value()));
    assertThat(remote).isEqualTo("us-east-1.filtered-loan-events");
    Runtime rt = Runtime.getRuntime();
    System.gc();
    System.out.printf("[RESULT] stack startup %d ms; insert -> us-east-1 filtered topic %d ms; -> us-west-2 %d ms;"
            + " total %d ms; heap used %d MiB of max %d MiB%n", STACK.startupTime().toMillis(), eastMs, westMs,
        STACK.startupTime().toMillis() + westMs, (rt.totalMemory() - rt.freeMemory()) >> 20, rt.maxMemory() >> 20);
    assertThat(STACK.topology().primaryRegion().flinkRestUrl()).isPresent();
    assertThat(STACK.topology().secondaryRegion().name()).isEqualTo("us-west-2");
  }

  @Test
  void every_event_type_is_routed_to_its_own_topic() {
    STACK.insertEvent("service", 1, "10.00");
    STACK.insertEvent("car", 2, "20.00");
    STACK.insertEvent("unknown", 3, "30.00");
    assertThat(STACK.primary().kafka().read(RoutingJob.filteredTopic("service"), 1, Duration.ofSeconds(60))).hasSize(1);
    assertThat(STACK.primary().kafka().read(RoutingJob.filteredTopic("car"), 1, Duration.ofSeconds(60))).hasSize(1);
    assertThat(STACK.primary().kafka().read(RoutingJob.SOURCE_TOPIC, 3, Duration.ofSeconds(60)).size()).isGreaterThanOrEqualTo(3);
  }
}
