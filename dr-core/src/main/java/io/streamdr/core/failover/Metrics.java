package io.streamdr.core.failover;

/** Names of the health-signal metrics the failover policy reads. Probes report them in {@code HealthSignal.metrics()}. */
public final class Metrics {
  /** 1 if the primary Kafka cluster answered, 0 if not. */
  public static final String KAFKA_REACHABLE = "kafka_reachable";
  /** Fraction (0..1) of the expected brokers alive. */
  public static final String BROKER_HEALTH = "broker_health";
  /** Flink job failures in the probe's sliding window. */
  public static final String FAILURES_IN_WINDOW = "failures_in_window";
  /** Consumer lag in records. */
  public static final String CONSUMER_LAG = "consumer_lag";

  /** Records written to the source and not yet replicated (sum over partitions). */
  public static final String REPLICATION_LAG_RECORDS = "replication_lag_records";
  /** Age in seconds of the oldest record not yet replicated (0 when caught up): the RPO in time. */
  public static final String REPLICATION_LAG_SECONDS = "replication_lag_seconds";

  private Metrics() {}
}
