package io.streamdr.examples.drill;

import io.streamdr.core.runbook.Timeline;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Samples, every second, how many records of each topic the primary holds that its copy in the secondary does not
 * yet (end offsets, which match one for one on a fresh MirrorMaker 2 copy): the replication lag the drill's chart
 * shows. A sample the primary cannot answer within a second is left out, so the line stops while it is down.
 */
final class ReplicationLag implements AutoCloseable {
  private final Admin primary;
  private final Admin secondary;
  private final List<String> topics;
  private final UnaryOperator<String> remote;
  private final Map<String, List<Timeline.Point>> points = new ConcurrentHashMap<>();
  private final ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "streamdr-drill-replication-lag");
    t.setDaemon(true);
    return t;
  });

  ReplicationLag(Map<String, Object> primaryConfig, Map<String, Object> secondaryConfig, List<String> topics, UnaryOperator<String> remote) {
    this.primary = Admin.create(quick(primaryConfig));
    this.secondary = Admin.create(quick(secondaryConfig));
    this.topics = List.copyOf(topics);
    this.remote = remote;
    topics.forEach(t -> points.put(t, new CopyOnWriteArrayList<>()));
    schedule.scheduleWithFixedDelay(this::sample, 0, 1, TimeUnit.SECONDS);
  }

  private static Map<String, Object> quick(Map<String, Object> config) {
    Map<String, Object> c = new HashMap<>(config);
    c.put("default.api.timeout.ms", 1000);
    c.put("request.timeout.ms", 1000);
    c.put("reconnect.backoff.max.ms", 1000);
    return c;
  }

  private void sample() {
    Instant at = Instant.now();
    for (String topic : topics) {
      try {
        long behind = total(primary, topic) - total(secondary, remote.apply(topic));
        points.get(topic).add(new Timeline.Point(at, Math.max(0, behind)));
      } catch (Exception e) {
        // a region that does not answer: no point
      }
    }
  }

  private static long total(Admin admin, String topic) throws Exception {
    return DrillSupport.endOffsets(admin, topic, Duration.ofSeconds(1)).values().stream().mapToLong(Long::longValue).sum();
  }

  /** One series per topic: records not yet in the secondary. */
  List<Timeline.Series> series() {
    List<Timeline.Series> out = new ArrayList<>();
    for (String topic : topics) {
      out.add(new Timeline.Series("replication lag, " + topic, "records", points.get(topic)));
    }
    return out;
  }

  @Override
  public void close() {
    schedule.shutdownNow();
    primary.close(Duration.ZERO);
    secondary.close(Duration.ZERO);
  }
}
