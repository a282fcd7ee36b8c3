package io.streamdr.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.testkit.flink.RoutingJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A secondary region takes routing over: its job reads the replicated backlog and the local topic its own Debezium
 * writes, and routes each change once, although the primary routed part of the backlog already (replicated here) and
 * the secondary's Debezium captured some changes again from the replication slot (same LSN, new capture time).
 */
class RoutingTakeoverIT {
  @RegisterExtension
  @Order(1)
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();
  @RegisterExtension
  @Order(2)
  static final EmbeddedFlink FLINK = EmbeddedFlink.create();

  private static final Pattern LSN = Pattern.compile("\"lsn\":(\\d+)");
  private static final String BACKLOG = "us-east-1." + RoutingJob.SOURCE_TOPIC;

  /** A Debezium change event of row {@code id}, captured at {@code capturedAt}. */
  private static String event(int id, long capturedAt) {
    return "{\"before\":null,\"after\":{\"id\":" + id + ",\"event_type\":\"" + RoutingJob.TYPES.get(id % 3) + "\",\"customer_id\":7},"
        + "\"source\":{\"connector\":\"postgresql\",\"ts_ms\":" + capturedAt + ",\"txId\":" + (700 + id) + ",\"lsn\":" + (24_000_000 + id * 56)
        + ",\"xmin\":null},\"op\":\"c\",\"ts_ms\":" + capturedAt + "}";
  }

  private static Map<String, String> events(int from, int to, long capturedAt) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = from; i < to; i++) {
      m.put("{\"id\":" + i + "}", event(i, capturedAt));
    }
    return m;
  }

  @Test
  void the_takeover_routes_the_backlog_and_the_local_captures_and_nothing_twice() {
    WEST.createTopic(BACKLOG, 1);
    WEST.createTopic(RoutingJob.SOURCE_TOPIC, 1);
    List<String> routedThere = new ArrayList<>();
    for (String type : RoutingJob.TYPES) {
      WEST.createTopic(RoutingJob.filteredTopic(type), 1);
      WEST.createTopic("us-east-1." + RoutingJob.filteredTopic(type), 1);
      routedThere.add("us-east-1." + RoutingJob.filteredTopic(type));
    }
    // the replicated backlog: rows 0-59; the primary had routed rows 0-29 before the outage, and that was replicated
    WEST.produce(BACKLOG, events(0, 60, 1_000));
    events(0, 30, 1_000).forEach((k, v) -> WEST.produce("us-east-1." + RoutingJob.filteredTopic(RoutingJob.TYPES.get(rowId(v) % 3)), Map.of(k, v)));
    // the secondary's Debezium, resumed from an older checkpoint: rows 50-59 again (same LSNs, captured later), then 60-89
    WEST.produce(RoutingJob.SOURCE_TOPIC, events(50, 90, 9_000));

    FLINK.submitTakeoverRoutingJob(WEST.bootstrapServers(), List.of(BACKLOG, RoutingJob.SOURCE_TOPIC), routedThere);

    // rows 30-89 are routed here: 60 changes, 20 of each type
    Map<Integer, Integer> routed = new HashMap<>();
    for (String type : RoutingJob.TYPES) {
      List<ConsumerRecord<String, String>> local = WEST.read(RoutingJob.filteredTopic(type), 20, Duration.ofSeconds(60));
      local.forEach(r -> routed.merge(rowId(r.value()), 1, Integer::sum));
    }
    // and no more arrive: what the job reads is all in, so anything routed twice would be there by now
    for (String type : RoutingJob.TYPES) {
      WEST.read(RoutingJob.filteredTopic(type), Integer.MAX_VALUE, Duration.ofSeconds(3)).stream().skip(20)
          .forEach(r -> routed.merge(rowId(r.value()), 1, Integer::sum));
    }
    assertThat(routed.keySet()).as("rows routed in the secondary").containsExactlyInAnyOrderElementsOf(range(30, 90));
    assertThat(routed.values()).as("times each was routed").containsOnly(1);
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(i);
    }
    return out;
  }

  private static int rowId(String value) {
    Matcher m = LSN.matcher(value);
    if (!m.find()) {
      throw new AssertionError("no lsn in " + value);
    }
    return (Integer.parseInt(m.group(1)) - 24_000_000) / 56;
  }
}
