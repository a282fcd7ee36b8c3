package io.streamdr.kafka.health;

import io.streamdr.core.DrException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.OperationFailedException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.failover.Metrics;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal.Status;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.internal.Checks;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Lag of one consumer group: per partition, the log end offset minus the group's committed offset, summed into
 * {@link Metrics#CONSUMER_LAG} (the failover policy's "consumer lag above 10,000" trigger). The detail names the
 * topic that lags most. HEALTHY whatever the lag (the policy decides); UNKNOWN when the cluster does not answer or
 * the group has committed nothing. Thread-safe; blocks at most about twice the deadline.
 */
public final class ConsumerLagProbe implements HealthProbe, AutoCloseable {
  private final String name;
  private final String group;
  private final Map<String, Object> config;
  private final Duration timeout;
  private final Clock clock;
  private Admin admin;

  /**
   * @param name         what to call the cluster in signals, e.g. its region
   * @param clientConfig bootstrap servers and security of the cluster
   * @param group        the consumer group
   * @param timeout      how long the cluster may take to answer
   */
  private ConsumerLagProbe(String name, Map<String, Object> clientConfig, String group, Duration timeout, Clock clock) {
    this.name = Checks.requireNonBlank(name, "name");
    this.group = Checks.requireNonBlank(group, "consumer group");
    this.config = new HashMap<>(Checks.requireNonNull(clientConfig, "client config"));
    this.timeout = Checks.requirePositive(timeout, "timeout");
    this.clock = Checks.requireNonNull(clock, "clock");
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "streamdr-lag-" + name);
  }

  private synchronized Admin admin() {
    if (admin == null) {
      admin = Admin.create(config);
    }
    return admin;
  }

  /**
   * Lag per partition of the group's committed offsets (end offset minus committed, never negative).
   *
   * @throws DrTimeoutException if the cluster does not answer within the probe's timeout
   * @throws DrException                         if it answers with an error (naming the group and the cluster)
   */
  public Map<TopicPartition, Long> lag() {
    try {
      Map<TopicPartition, OffsetAndMetadata> committed = admin().listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Map<TopicPartition, OffsetSpec> query = new HashMap<>();
      committed.forEach((tp, o) -> {
        if (o != null) {
          query.put(tp, OffsetSpec.latest());
        }
      });
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = query.isEmpty() ? Map.of()
          : admin().listOffsets(query).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Map<TopicPartition, Long> lag = new LinkedHashMap<>();
      ends.forEach((tp, end) -> lag.put(tp, Math.max(0, end.offset() - committed.get(tp).offset())));
      return lag;
    } catch (TimeoutException e) {
      throw new DrTimeoutException(ResourceType.CONSUMER_GROUP, group, timeout,
          "The lag of group '%s' on %s is unknown: the cluster did not answer within %s".formatted(group, name, timeout));
    } catch (ExecutionException e) {
      throw new OperationFailedException(ResourceType.CONSUMER_GROUP, group, "The lag of group '%s' on %s is unknown: %s".formatted(group, name,
          e.getCause().getMessage()), e.getCause(), true);
    } catch (InterruptedException e) {
      throw new DrInterruptedException("reading the lag of group '%s' on %s".formatted(group, name), e);
    }
  }

  @Override
  public HealthSignal probe() {
    String component = "consumer group " + group + " on " + name;
    try {
      Map<TopicPartition, Long> lag = lag();
      if (lag.isEmpty()) {
        return new HealthSignal(component, Status.UNKNOWN, "Group '%s' has no committed offsets on %s".formatted(group, name),
            Map.of(), clock.instant());
      }
      Map<String, Long> byTopic = new TreeMap<>();
      lag.forEach((tp, l) -> byTopic.merge(tp.topic(), l, Long::sum));
      long total = byTopic.values().stream().mapToLong(Long::longValue).sum();
      var worst = byTopic.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
      return new HealthSignal(component, Status.HEALTHY, "Group '%s' on %s lags %d records (most on topic '%s': %d)"
          .formatted(group, name, total, worst.getKey(), worst.getValue()), Map.of(Metrics.CONSUMER_LAG, (double) total),
          clock.instant());
    } catch (RuntimeException e) {
      close();
      return new HealthSignal(component, Status.UNKNOWN, "Lag of group '%s' on %s unknown: the cluster did not answer within %s (%s)"
          .formatted(group, name, timeout, e.getCause() == null ? e.getClass().getSimpleName() : e.getCause().getClass().getSimpleName()),
          Map.of(), clock.instant());
    }
  }

  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close(Duration.ZERO);
      admin = null;
    }
  }

  /**
   * @param name         what to call the cluster in signals, e.g. its region
   * @param clientConfig bootstrap servers and security of the cluster
   * @param group        the consumer group
   */
  public static Builder builder(String name, Map<String, Object> clientConfig, String group) {
    return new Builder(name, clientConfig, group);
  }

  /** Builder for {@link ConsumerLagProbe}. */
  public static final class Builder {
    private final String name;
    private final Map<String, Object> clientConfig;
    private final String group;
    private Duration timeout = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();

    private Builder(String name, Map<String, Object> clientConfig, String group) {
      this.name = Checks.requireNonBlank(name, "name");
      this.clientConfig = Checks.requireNonNull(clientConfig, "client config");
      this.group = Checks.requireNonBlank(group, "consumer group");
    }

    /** How long the cluster may take to answer (default 5 s). */
    public Builder timeout(Duration timeout) {
      this.timeout = Checks.requirePositive(timeout, "timeout");
      return this;
    }

    /** Dates the signals (default: the system's clock). */
    public Builder clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    public ConsumerLagProbe build() {
      return new ConsumerLagProbe(name, clientConfig, group, timeout, clock);
    }
  }
}
