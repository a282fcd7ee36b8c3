package io.streamdr.core.failover;

import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * When to fail over, the DR guide's triggers by default: the primary unreachable for more than 2 minutes, cluster health
 * below 50 %, more than 3 Flink job failures in 5 minutes (counted by the Flink probe's window), consumer lag above
 * 10,000 records. A condition must hold continuously for {@link #sustainFor()} before it triggers (blips are
 * ignored); "unreachable" has its own, longer duration. Immutable.
 */
public final class FailoverPolicy {
  private final Duration unreachableFor;
  private final double minBrokerHealth;
  private final int maxJobFailures;
  private final long maxConsumerLag;
  private final Duration sustainFor;

  private FailoverPolicy(Builder b) {
    this.unreachableFor = Checks.requirePositive(b.unreachableFor, "unreachableFor");
    this.minBrokerHealth = b.minBrokerHealth;
    this.maxJobFailures = b.maxJobFailures;
    this.maxConsumerLag = b.maxConsumerLag;
    this.sustainFor = Checks.requireNonNull(b.sustainFor, "sustainFor");
  }

  /** the DR guide's thresholds. */
  public static FailoverPolicy defaults() {
    return new Builder().build();
  }

  public Builder toBuilder() {
    return new Builder().unreachableFor(unreachableFor).minBrokerHealth(minBrokerHealth).maxJobFailures(maxJobFailures)
        .maxConsumerLag(maxConsumerLag).sustainFor(sustainFor);
  }

  public Duration unreachableFor() {
    return unreachableFor;
  }

  public double minBrokerHealth() {
    return minBrokerHealth;
  }

  public int maxJobFailures() {
    return maxJobFailures;
  }

  public long maxConsumerLag() {
    return maxConsumerLag;
  }

  /** How long any other condition must hold before it triggers. */
  public Duration sustainFor() {
    return sustainFor;
  }

  /**
   * A condition the policy found in the signals of one component, with how long it must hold to trigger. A breach is
   * the same condition from one round to the next while its trigger and component are: its detail (an error message,
   * a measured value) may change meanwhile.
   */
  public record Breach(Trigger trigger, String component, String detail, Duration holdFor) {}

  /** The DR guide's failover triggers. {@link #toString()} is the name reports, logs and metric tags use. */
  public enum Trigger {
    /** The primary's Kafka does not answer. */
    PRIMARY_UNREACHABLE("primary-unreachable"),
    /** Too few of the primary's brokers are healthy. */
    CLUSTER_HEALTH("cluster-health"),
    /** A Flink job failed too often in its window. */
    JOB_FAILURES("job-failures"),
    /** A consumer group lags too far behind. */
    CONSUMER_LAG("consumer-lag");

    private final String label;

    Trigger(String label) {
      this.label = label;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  /** The conditions breached in one round of signals (each still has to hold for its duration). */
  public List<Breach> breaches(List<HealthSignal> signals) {
    List<Breach> out = new ArrayList<>();
    for (HealthSignal s : signals) {
      metric(s, Metrics.KAFKA_REACHABLE).filter(v -> v < 1).ifPresent(v -> out.add(new Breach(Trigger.PRIMARY_UNREACHABLE, s.component(),
          s.component() + " unreachable: " + s.detail(), unreachableFor)));
      metric(s, Metrics.BROKER_HEALTH).filter(v -> v < minBrokerHealth).ifPresent(v -> out.add(new Breach(Trigger.CLUSTER_HEALTH, s.component(),
          "%s health %.0f%% below %.0f%%".formatted(s.component(), v * 100, minBrokerHealth * 100), sustainFor)));
      metric(s, Metrics.FAILURES_IN_WINDOW).filter(v -> v > maxJobFailures).ifPresent(v -> out.add(new Breach(Trigger.JOB_FAILURES, s.component(),
          "%s failed %.0f times in its window (more than %d)".formatted(s.component(), v, maxJobFailures), sustainFor)));
      metric(s, Metrics.CONSUMER_LAG).filter(v -> v > maxConsumerLag).ifPresent(v -> out.add(new Breach(Trigger.CONSUMER_LAG, s.component(),
          "%s lag %.0f records (more than %d)".formatted(s.component(), v, maxConsumerLag), sustainFor)));
    }
    return out;
  }

  private static Optional<Double> metric(HealthSignal s, String name) {
    return Optional.ofNullable(s.metrics().get(name));
  }

  @Override
  public String toString() {
    return "FailoverPolicy[unreachableFor=%s, minBrokerHealth=%.2f, maxJobFailures=%d, maxConsumerLag=%d, sustainFor=%s]"
        .formatted(unreachableFor, minBrokerHealth, maxJobFailures, maxConsumerLag, sustainFor);
  }

  /** Builder for {@link FailoverPolicy}. */
  public static final class Builder {
    private Duration unreachableFor = Duration.ofMinutes(2);
    private double minBrokerHealth = 0.5;
    private int maxJobFailures = 3;
    private long maxConsumerLag = 10_000;
    private Duration sustainFor = Duration.ofSeconds(30);

    public Builder unreachableFor(Duration d) {
      this.unreachableFor = d;
      return this;
    }

    public Builder minBrokerHealth(double fraction) {
      this.minBrokerHealth = fraction;
      return this;
    }

    public Builder maxJobFailures(int n) {
      this.maxJobFailures = n;
      return this;
    }

    public Builder maxConsumerLag(long records) {
      this.maxConsumerLag = records;
      return this;
    }

    public Builder sustainFor(Duration d) {
      this.sustainFor = d;
      return this;
    }

    public FailoverPolicy build() {
      return new FailoverPolicy(this);
    }
  }
}
