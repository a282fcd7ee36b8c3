package io.streamdr.kafka.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.ReplicationNaming;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.kafka.verify.KafkaIntegrityVerifier;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedMirrorMaker;
import io.streamdr.testkit.FaultProxy;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One region cut off from the other while each stays up: us-east-1's brokers have a second listener for other regions,
 * advertised through fault proxies, which MirrorMaker 2 in us-west-2 uses; local clients of each region connect
 * directly. During the cut both regions keep acknowledging their own writes and replication stops; after it, the
 * replica catches up with every record, identical by content.
 */
class RegionPartitionIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").remoteThroughFaultProxies().build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();

  private static Map<String, String> records(String prefix, int from, int to) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = from; i < to; i++) {
      out.put(prefix + i, "payment " + i);
    }
    return out;
  }

  @Test
  void during_a_cut_between_the_regions_each_keeps_acknowledging_and_replication_catches_up_with_every_record_after() throws Exception {
    String topic = "cut-payments";
    EAST.createTopic(topic, 3);
    EAST.produce(topic, records("before-", 0, 300));
    try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.builder(EAST, "us-east-1", WEST, "us-west-2").topics(topic)
        .property("us-east-1.bootstrap.servers", EAST.remoteBootstrapServers()).build()) {
      mm.start();
      String copy = "us-east-1." + topic;
      await().atMost(Duration.ofSeconds(90)).until(() -> WEST.read(copy, 300, Duration.ofSeconds(1)).size() >= 300);
      assertThat(EAST.remoteBootstrapServers()).isNotEqualTo(EAST.bootstrapServers());

      EAST.network(FaultProxy::cut);
      Instant cut = Instant.now();
      EAST.produce(topic, records("during-", 0, 500)); // us-east-1 stays up for its own clients: acks=all, every one acknowledged
      WEST.createTopic("cut-local", 1);
      WEST.produce("cut-local", records("west-", 0, 100)); // and so does us-west-2
      assertThat(WEST.read("cut-local", 100, Duration.ofSeconds(30))).hasSize(100);
      // the replica does not move while the regions are cut off from each other: MirrorMaker cannot go around the proxy
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(15))
          .until(() -> WEST.read(copy, 301, Duration.ofMillis(500)).size() == 300);

      EAST.network(FaultProxy::heal);
      Instant healed = Instant.now();
      await().atMost(Duration.ofSeconds(120)).until(() -> WEST.read(copy, 800, Duration.ofSeconds(1)).size() >= 800);
      Duration caughtUp = Duration.between(healed, Instant.now());
      IntegrityReport report = new KafkaIntegrityVerifier(Map.of("us-east-1", EAST.clientConfig(), "us-west-2", WEST.clientConfig()))
          .verify(VerificationRequest.builder("us-east-1", "us-west-2").topics(topic).naming(ReplicationNaming.prefixed("us-east-1")).build());
      assertThat(report.passed()).as(report.toText()).isTrue();
      System.out.printf("[PARTITION] cut for %d ms: us-east-1 acknowledged 500 records and us-west-2 100 of its own meanwhile;"
              + " the replica held 300 during the cut and caught up to 800 within %d ms of the heal; verifier: %s%n",
          Duration.between(cut, healed).toMillis(), caughtUp.toMillis(), report.verdict());
    }
  }
}
