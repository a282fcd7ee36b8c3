package io.streamdr.kafka.health;

import io.streamdr.core.failover.Metrics;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.health.HealthSignal.Status;
import io.streamdr.core.internal.Checks;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Health of one Kafka cluster through the Admin API: whether it answers within the deadline
 * ({@link Metrics#KAFKA_REACHABLE}), the fraction of expected brokers alive ({@link Metrics#BROKER_HEALTH}), and, for
 * the topics given, under-replicated and offline partitions. Unreachable is FAILED; fewer brokers than expected or
 * under-replicated partitions are DEGRADED; offline partitions are FAILED. Thread-safe; each probe blocks at most
 * about twice the deadline.
 */
public final class KafkaHealthProbe implements HealthProbe, AutoCloseable {
  private final String name;
  private final Map<String, Object> config;
  private final int expectedBrokers;
  private final List<String> topics;
  private final Duration timeout;
  private final Clock clock;
  private Admin admin;

  /**
   * @param name            what to call the cluster in signals, e.g. its region
   * @param clientConfig    bootstrap servers and security
   * @param expectedBrokers brokers the cluster should have
   * @param topics          topics whose partitions to check (may be empty)
   * @param timeout         how long the cluster may take to answer before it counts as unreachable
   */
  private KafkaHealthProbe(String name, Map<String, Object> clientConfig, int expectedBrokers, List<String> topics,
      Duration timeout, Clock clock) {
    this.name = Checks.requireNonBlank(name, "name");
    this.config = new HashMap<>(Checks.requireNonNull(clientConfig, "client config"));
    this.expectedBrokers = Checks.requirePositive(expectedBrokers, "expected brokers");
    this.topics = List.copyOf(topics);
    this.timeout = Checks.requirePositive(timeout, "timeout");
    this.clock = Checks.requireNonNull(clock, "clock");
    int ms = (int) timeout.toMillis();
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
    config.putIfAbsent(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
    config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "streamdr-health-" + name);
  }

  private synchronized Admin admin() {
    if (admin == null) {
      admin = Admin.create(config);
    }
    return admin;
  }

  @Override
  public HealthSignal probe() {
    String component = "kafka " + name;
    Map<String, Double> metrics = new LinkedHashMap<>();
    try {
      Collection<Node> nodes = admin().describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      double health = Math.min(1.0, nodes.size() / (double) expectedBrokers);
      metrics.put(Metrics.KAFKA_REACHABLE, 1.0);
      metrics.put(Metrics.BROKER_HEALTH, health);
      int underReplicated = 0;
      int offline = 0;
      if (!topics.isEmpty()) {
        Map<String, TopicDescription> d = admin().describeTopics(topics).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        for (TopicDescription t : d.values()) {
          for (TopicPartitionInfo p : t.partitions()) {
            if (p.leader() == null || p.leader().isEmpty()) {
              offline++;
            } else if (p.isr().size() < p.replicas().size()) {
              underReplicated++;
            }
          }
        }
      }
      metrics.put("under_replicated_partitions", (double) underReplicated);
      metrics.put("offline_partitions", (double) offline);
      String detail = "%d of %d brokers alive, %d under-replicated and %d offline partitions".formatted(nodes.size(),
          expectedBrokers, underReplicated, offline);
      Status status = offline > 0 ? Status.FAILED : (health < 1.0 || underReplicated > 0) ? Status.DEGRADED : Status.HEALTHY;
      return new HealthSignal(component, status, detail, metrics, clock.instant());
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      resetAdmin();
      metrics.put(Metrics.KAFKA_REACHABLE, 0.0);
      metrics.put(Metrics.BROKER_HEALTH, 0.0);
      return new HealthSignal(component, Status.FAILED, "Kafka cluster %s did not answer within %s (%s)".formatted(name, timeout,
          e.getClass().getSimpleName()), metrics, clock.instant());
    }
  }

  private synchronized void resetAdmin() {
    if (admin != null) {
      admin.close(Duration.ZERO);
      admin = null;
    }
  }

  @Override
  public void close() {
    resetAdmin();
  }

  /**
   * @param name         what to call the cluster in signals, e.g. its region
   * @param clientConfig bootstrap servers and security
   */
  public static Builder builder(String name, Map<String, Object> clientConfig) {
    return new Builder(name, clientConfig);
  }

  /** Builder for {@link KafkaHealthProbe}. */
  public static final class Builder {
    private final String name;
    private final Map<String, Object> clientConfig;
    private int expectedBrokers = 1;
    private List<String> topics = List.of();
    private Duration timeout = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();

    private Builder(String name, Map<String, Object> clientConfig) {
      this.name = Checks.requireNonBlank(name, "name");
      this.clientConfig = Checks.requireNonNull(clientConfig, "client config");
    }

    /** Brokers the cluster should have (default 1); fewer alive is DEGRADED. */
    public Builder expectedBrokers(int brokers) {
      this.expectedBrokers = Checks.requirePositive(brokers, "expected brokers");
      return this;
    }

    /** Topics whose partitions to check for under-replicated and offline ones (default none). */
    public Builder topics(List<String> topics) {
      this.topics = List.copyOf(Checks.requireNonNull(topics, "topics"));
      return this;
    }

    /** How long the cluster may take to answer before it counts as unreachable (default 5 s). */
    public Builder timeout(Duration timeout) {
      this.timeout = Checks.requirePositive(timeout, "timeout");
      return this;
    }

    /** Dates the signals (default: the system's clock). */
    public Builder clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    public KafkaHealthProbe build() {
      return new KafkaHealthProbe(name, clientConfig, expectedBrokers, topics, timeout, clock);
    }
  }
}
