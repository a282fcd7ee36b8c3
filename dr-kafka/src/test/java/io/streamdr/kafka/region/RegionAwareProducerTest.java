package io.streamdr.kafka.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.RegionSwitchedException;
import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The producer's switch rules, each pinned with Kafka's own {@link MockProducer} per region (a real outage cannot
 * decide which record is in flight at the switch): {@code RegionFailoverIT} shows the same on real clusters.
 */
class RegionAwareProducerTest {
  private final RegionTopology topology = RegionTopology.of(Region.of("us-east-1", "east:9092"), Region.of("us-west-2", "west:9092"));
  private final DefaultRegionRouter router = new DefaultRegionRouter(topology, new InMemoryActiveRegionStore());
  private final Map<String, MockProducer<String, String>> producers = new ConcurrentHashMap<>();

  private RegionAwareProducer<String, String> producer(RegionAwareProducer.InFlight inFlight, boolean autoCompleteWest) {
    return RegionAwareProducer.<String, String>builder(router, Map.of("acks", "all"))
        .factory((region, config) -> {
          assertThat(config).containsEntry("bootstrap.servers", region.bootstrapServers()).containsEntry("acks", "all");
          MockProducer<String, String> p = new MockProducer<>(region.name().equals("us-west-2") && autoCompleteWest, null,
              new StringSerializer(), new StringSerializer());
          producers.put(region.name(), p);
          return p;
        })
        .inFlight(inFlight).drainTimeout(Duration.ZERO).build();
  }

  private void failover() {
    router.failover(topology.region("us-west-2"), "test");
  }

  @Test
  void sends_go_to_the_active_region_and_follow_a_switch() {
    try (var producer = producer(RegionAwareProducer.InFlight.RESEND, true)) {
      producer.send(new ProducerRecord<>("orders", "a", "1"));
      failover();
      producer.send(new ProducerRecord<>("orders", "b", "2"));
      assertThat(producers.get("us-east-1").history()).extracting(ProducerRecord::key).containsExactly("a");
      assertThat(producers.get("us-west-2").history()).extracting(ProducerRecord::key).containsExactly("b");
      assertThat(producer.region().name()).isEqualTo("us-west-2");
      assertThat(producer.switches()).singleElement().satisfies(s -> {
        assertThat(s.from()).isEqualTo("us-east-1");
        assertThat(s.to()).isEqualTo("us-west-2");
        assertThat(s.epoch()).isEqualTo(2);
      });
    }
  }

  @Test
  void a_record_the_old_region_failed_after_the_switch_is_resent_and_its_future_and_callback_succeed() throws Exception {
    try (var producer = producer(RegionAwareProducer.InFlight.RESEND, true)) {
      RecordMetadata[] called = new RecordMetadata[1];
      Future<RecordMetadata> future = producer.send(new ProducerRecord<>("orders", "a", "1"), (md, e) -> called[0] = md);
      failover();
      producers.get("us-east-1").errorNext(new NetworkException("us-east-1 is gone"));
      assertThat(future.get(5, TimeUnit.SECONDS).topic()).isEqualTo("orders");
      assertThat(called[0]).isNotNull();
      assertThat(producers.get("us-west-2").history()).extracting(ProducerRecord::key).containsExactly("a");
      assertThat(producer.resentRecords()).isEqualTo(1);
    }
  }

  @Test
  void the_callback_names_the_region_that_acknowledged_each_record() throws Exception {
    try (var producer = producer(RegionAwareProducer.InFlight.RESEND, true)) {
      Map<String, String> by = new ConcurrentHashMap<>();
      java.util.function.Function<String, RegionAwareProducer.RegionCallback> note = key -> (md, region, e) -> by.put(key, region.name());
      producer.sendWithRegion(new ProducerRecord<>("orders", "kept", "1"), note.apply("kept"));
      producer.sendWithRegion(new ProducerRecord<>("orders", "resent", "2"), note.apply("resent"));
      failover();
      producers.get("us-east-1").completeNext(); // us-east-1 acknowledges the first after the switch
      producers.get("us-east-1").errorNext(new NetworkException("us-east-1 is gone")); // the second goes to us-west-2
      producer.sendWithRegion(new ProducerRecord<>("orders", "new", "3"), note.apply("new"));
      producer.flush();
      assertThat(by).containsExactlyInAnyOrderEntriesOf(Map.of("kept", "us-east-1", "resent", "us-west-2", "new", "us-west-2"));
      assertThat(producers.get("us-west-2").history()).extracting(ProducerRecord::key).containsExactly("resent", "new");
    }
  }

  @Test
  void with_the_fail_policy_such_a_record_fails_with_a_region_switched_error_naming_both_regions() {
    try (var producer = producer(RegionAwareProducer.InFlight.FAIL, true)) {
      Exception[] called = new Exception[1];
      Future<RecordMetadata> future = producer.send(new ProducerRecord<>("orders", "a", "1"), (md, e) -> called[0] = e);
      failover();
      producers.get("us-east-1").errorNext(new NetworkException("us-east-1 is gone"));
      assertThatThrownBy(() -> future.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(RegionSwitchedException.class)
          .hasMessageContaining("topic 'orders'").hasMessageContaining("us-east-1").hasMessageContaining("'us-west-2'");
      assertThat(called[0]).isInstanceOf(RegionSwitchedException.class);
      assertThat(((RegionSwitchedException) called[0]).retryable()).isTrue();
      assertThat(producers.get("us-west-2").history()).isEmpty();
      assertThat(producer.failedBySwitch()).isEqualTo(1);
    }
  }

  @Test
  void a_record_the_old_region_acknowledges_after_the_switch_stays_acknowledged_and_is_not_resent() throws Exception {
    try (var producer = producer(RegionAwareProducer.InFlight.RESEND, true)) {
      Future<RecordMetadata> future = producer.send(new ProducerRecord<>("orders", "a", "1"));
      failover();
      producers.get("us-east-1").completeNext();
      assertThat(future.get(5, TimeUnit.SECONDS)).isNotNull();
      assertThat(producers.get("us-west-2").history()).isEmpty();
      assertThat(producer.resentRecords()).isZero();
    }
  }

  @Test
  void a_send_blocked_on_a_region_without_metadata_goes_to_the_new_region_once_it_switches() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    RegionAwareProducer<String, String> producer = RegionAwareProducer.<String, String>builder(router, Map.of())
        .factory((region, config) -> {
          assertThat(config).containsEntry("max.block.ms", 250L);
          if (region.name().equals("us-east-1")) {
            // what KafkaProducer does when no metadata arrives within max.block.ms: the callback gets a TimeoutException
            return new MockProducer<>(true, null, new StringSerializer(), new StringSerializer()) {
              @Override
              public synchronized Future<RecordMetadata> send(ProducerRecord<String, String> r, Callback callback) {
                if (attempts.incrementAndGet() == 3) {
                  failover(); // the monitor switches while the application's thread is blocked here
                }
                callback.onCompletion(null, new TimeoutException("Topic orders not present in metadata after 250 ms."));
                return new java.util.concurrent.CompletableFuture<>();
              }
            };
          }
          MockProducer<String, String> west = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
          producers.put(region.name(), west);
          return west;
        }).build();
    try (producer) {
      assertThat(producer.send(new ProducerRecord<>("orders", "a", "1")).get(5, TimeUnit.SECONDS)).isNotNull();
      assertThat(attempts).hasValue(3);
      assertThat(producers.get("us-west-2").history()).extracting(ProducerRecord::key).containsExactly("a");
    }
  }

  @Test
  void a_transaction_open_at_the_switch_cannot_commit_and_says_to_begin_a_new_one() {
    try (var producer = producer(RegionAwareProducer.InFlight.RESEND, true)) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("orders", "a", "1"));
      failover();
      assertThat(producers.get("us-west-2").transactionInitialized()).isTrue();
      assertThatThrownBy(producer::commitTransaction).isInstanceOf(RegionSwitchedException.class)
          .hasMessageContaining("Committing a transaction in region 'us-east-1'");
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("orders", "b", "2"));
      producer.commitTransaction();
      assertThat(producers.get("us-west-2").transactionCommitted()).isTrue();
      assertThat(producers.get("us-west-2").history()).extracting(ProducerRecord::key).containsExactly("b");
    }
  }

  @Test
  void closing_stops_following_the_router() {
    var producer = producer(RegionAwareProducer.InFlight.RESEND, true);
    producer.close();
    failover();
    assertThat(producers).doesNotContainKey("us-west-2");
    assertThat(producers.get("us-east-1").closed()).isTrue();
    assertThatThrownBy(() -> producer.send(new ProducerRecord<>("orders", "a", "1"))).isInstanceOf(IllegalStateException.class);
  }

}
