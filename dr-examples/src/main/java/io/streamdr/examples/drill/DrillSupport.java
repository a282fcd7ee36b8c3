package io.streamdr.examples.drill;

import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.ResourceType;
import io.streamdr.testkit.EmbeddedRegionPair;
import io.streamdr.testkit.flink.ChangeEventText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** What the drills share: reading topics to their end, counting records, and waiting for a condition. */
final class DrillSupport {
  // Debezium's JSON, and its Avro as the decoded record renders it (a space after each colon)
  private static final Pattern ROW_ID = Pattern.compile("\"after\":\\s?\\{\"id\":\\s?(\\d+)");

  private DrillSupport() {}

  /** End offset of every partition of a topic. */
  static Map<TopicPartition, Long> endOffsets(Map<String, Object> config, String topic) throws Exception {
    try (Admin admin = Admin.create(config)) {
      return endOffsets(admin, topic, Duration.ofSeconds(30));
    }
  }

  /** End offset of every partition of a topic, each call to the cluster given {@code timeout}. */
  static Map<TopicPartition, Long> endOffsets(Admin admin, String topic, Duration timeout) throws Exception {
    var parts = admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic).partitions();
    Map<TopicPartition, OffsetSpec> q = new HashMap<>();
    parts.forEach(p -> q.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
    Map<TopicPartition, Long> out = new HashMap<>();
    admin.listOffsets(q).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS).forEach((tp, i) -> out.put(tp, i.offset()));
    return out;
  }

  /** Records in a topic (the sum of its end offsets). */
  static long count(Map<String, Object> config, String topic) throws Exception {
    return endOffsets(config, topic).values().stream().mapToLong(Long::longValue).sum();
  }

  /** Records in a topic, or 0 while it cannot be counted (not created or replicated yet); for polling. */
  static long countOrZero(Map<String, Object> config, String topic) {
    try {
      return count(config, topic);
    } catch (Exception e) {
      return 0;
    }
  }

  /**
   * Every committed record value of a region's topics, read from the beginning to the end (read_committed), as text:
   * change events decoded as the region reads them (Avro against its Schema Registry, or JSON).
   */
  static List<String> readAll(EmbeddedRegionPair.RegionStack region, List<String> topics) {
    List<String> values = new ArrayList<>();
    readAll(region, topics, r -> values.add(r.value()));
    return values;
  }

  /** Every committed record of a region's topics, read from the beginning to the end (read_committed), to {@code each}. */
  static void readAll(EmbeddedRegionPair.RegionStack region, List<String> topics, java.util.function.Consumer<ConsumerRecord<String, String>> each) {
    ChangeEventText events = region.changeEvents();
    Map<String, Object> config = region.kafka().clientConfig();
    Map<String, Object> c = new HashMap<>(config);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
        (org.apache.kafka.common.serialization.Deserializer<String>) (topic, value) -> value == null ? null : events.of(value))) {
      List<TopicPartition> parts = new ArrayList<>();
      for (String t : topics) {
        consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (parts.stream().anyMatch(p -> consumer.position(p, Duration.ofSeconds(30)) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new DrTimeoutException(ResourceType.TOPIC, String.join(",", topics), Duration.ofSeconds(60), "Could not read " + topics + " to the end");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(each);
      }
    }
  }

  /** The id of the business_events row a Debezium change event is about, or -1. */
  static long rowId(String changeEvent) {
    if (changeEvent == null) {
      return -1;
    }
    Matcher m = ROW_ID.matcher(changeEvent);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** Rows of the business table and their change events in a topic: what was lost, what came twice. */
  record Capture(long rows, long events, long lost, long duplicates) {
    String describe(String topic) {
      return "%d rows in PostgreSQL, %d change events in %s: %d lost, %d duplicated".formatted(rows, events, topic, lost, duplicates);
    }
  }

  /** Compares the rows of the business table with the change events in the primary's {@code topics}. */
  static Capture capture(EmbeddedRegionPair stack, List<String> topics) {
    java.util.Set<Long> rows = rowIds(stack, "true");
    Map<Long, Integer> seen = new HashMap<>();
    for (String v : readAll(stack.primary(), topics)) {
      long id = rowId(v);
      if (id >= 0) {
        seen.merge(id, 1, Integer::sum);
      }
    }
    long lost = rows.stream().filter(id -> !seen.containsKey(id)).count();
    long duplicates = seen.values().stream().mapToLong(n -> n - 1).sum();
    return new Capture(rows.size(), seen.values().stream().mapToLong(Integer::longValue).sum(), lost, duplicates);
  }

  /**
   * The closing step of a drill: stops the traffic and waits until every row of the business table has its change
   * event in {@code raw-business-events}; the comparison is left in {@code capture}.
   */
  static io.streamdr.core.runbook.Step noChangeLost(EmbeddedRegionPair stack, CdcTraffic traffic,
      java.util.concurrent.atomic.AtomicReference<Capture> capture, String remark) {
    String topic = io.streamdr.testkit.flink.RoutingJob.SOURCE_TOPIC;
    return io.streamdr.core.runbook.Step.of("no change lost", io.streamdr.core.runbook.Phase.VERIFICATION, () -> {
      traffic.close();
      await("every row's change event in " + topic, Duration.ofSeconds(90), () -> {
        capture.set(capture(stack, List.of(topic)));
        return capture.get().lost() == 0;
      });
      return capture.get().describe(topic) + remark;
    }).deadline(Duration.ofMinutes(2));
  }

  /** The ids of the business table's rows that match the SQL condition {@code where}. */
  static java.util.Set<Long> rowIds(EmbeddedRegionPair stack, String where) {
    java.util.Set<Long> rows = new java.util.HashSet<>();
    try (var c = stack.postgres().dataSource().getConnection(); var st = c.createStatement();
         var rs = st.executeQuery("select id from " + EmbeddedRegionPair.TABLE + " where " + where)) {
      while (rs.next()) {
        rows.add(rs.getLong(1));
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("Could not read " + EmbeddedRegionPair.TABLE + ": " + e.getMessage(), e);
    }
    return rows;
  }

  /** Waits until the supplier returns true; throws naming {@code what} otherwise. */
  static void await(String what, Duration timeout, Supplier<Boolean> condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new DrTimeoutException(ResourceType.DRILL, what, timeout, "Not within " + timeout + ": " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    }
  }
}
