package io.streamdr.kafka.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.region.Region;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.region.RegionAwareConsumer;
import io.streamdr.kafka.region.RegionAwareProducer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Opt-in Micrometer instrumentation of the Kafka parts: the region-aware clients and backups. Nothing is recorded
 * unless an application creates one with its {@link MeterRegistry}; micrometer-core is an optional dependency.
 * Tags are bounded: a client name and region names the application chooses, a topic set named by the application
 * (for example the agent's job name), never keys, offsets or ids.
 *
 * <pre>{@code
 * KafkaMeters meters = new KafkaMeters(registry, Clock.systemUTC());
 * meters.producer("orders-writer", producer, topology.regions());
 * meters.consumer("orders-reader", consumer, topology.regions());
 * }</pre>
 */
public final class KafkaMeters {
  public static final String CLIENT_SWITCHES = "streamdr.client.switches";
  public static final String CLIENT_RESENT = "streamdr.client.resent";
  public static final String CLIENT_FAILED_BY_SWITCH = "streamdr.client.failed.by.switch";
  public static final String CLIENT_REDELIVERED = "streamdr.client.redelivered";
  public static final String CLIENT_REGION = "streamdr.client.region";
  public static final String CLIENT_EPOCH = "streamdr.client.epoch";
  public static final String BACKUP_RECORDS = "streamdr.backup.records";
  public static final String BACKUP_BYTES = "streamdr.backup.bytes";
  public static final String BACKUP_SEGMENTS = "streamdr.backup.segments";
  public static final String BACKUP_LAST_SUCCESS = "streamdr.backup.last.success";
  public static final String BACKUP_AGE = "streamdr.backup.age";

  private final MeterRegistry registry;
  private final Clock clock;
  private final Map<String, AtomicReference<Instant>> lastBackup = new ConcurrentHashMap<>();

  public KafkaMeters(MeterRegistry registry, Clock clock) {
    this.registry = Checks.requireNonNull(registry, "registry");
    this.clock = Checks.requireNonNull(clock, "clock");
  }

  /**
   * A region-aware producer: its switches ({@value #CLIENT_SWITCHES}), records it re-sent to the new region
   * ({@value #CLIENT_RESENT}) or failed at a switch ({@value #CLIENT_FAILED_BY_SWITCH}), the region it writes to
   * ({@value #CLIENT_REGION}, 1 for that region) and the epoch of its last switch ({@value #CLIENT_EPOCH}).
   */
  public void producer(String client, RegionAwareProducer<?, ?> producer, List<Region> regions) {
    Tags tags = Tags.of("client", client, "kind", "producer");
    FunctionCounter.builder(CLIENT_SWITCHES, producer, p -> p.switches().size()).tags(tags).register(registry);
    FunctionCounter.builder(CLIENT_RESENT, producer, RegionAwareProducer::resentRecords).tags(tags).register(registry);
    FunctionCounter.builder(CLIENT_FAILED_BY_SWITCH, producer, RegionAwareProducer::failedBySwitch).tags(tags).register(registry);
    Gauge.builder(CLIENT_EPOCH, producer, p -> p.switches().isEmpty() ? 0 : p.switches().get(p.switches().size() - 1).epoch())
        .tags(tags).register(registry);
    regionGauges(tags, regions, () -> producer.region().name());
  }

  /**
   * A region-aware consumer: its switches ({@value #CLIENT_SWITCHES}), the records it delivered again after a switch
   * ({@value #CLIENT_REDELIVERED}) and the region it reads from ({@value #CLIENT_REGION}).
   */
  public void consumer(String client, RegionAwareConsumer<?, ?> consumer, List<Region> regions) {
    Tags tags = Tags.of("client", client, "kind", "consumer");
    FunctionCounter.builder(CLIENT_SWITCHES, consumer, c -> c.switches().size()).tags(tags).register(registry);
    FunctionCounter.builder(CLIENT_REDELIVERED, consumer, RegionAwareConsumer::redeliveredRecords).tags(tags).register(registry);
    regionGauges(tags, regions, () -> consumer.region().name());
  }

  private void regionGauges(Tags tags, List<Region> regions, Supplier<String> current) {
    for (Region r : regions) {
      Gauge.builder(CLIENT_REGION, current, c -> r.name().equals(c.get()) ? 1 : 0).tags(tags.and("region", r.name())).register(registry);
    }
  }

  /**
   * A completed backup of topic set {@code set}: its records, bytes and segments added to the counters, and its
   * completion time kept for {@value #BACKUP_LAST_SUCCESS} (epoch seconds) and {@value #BACKUP_AGE} (seconds since,
   * read at every scrape: what an alert on a stalled schedule watches).
   */
  public void backupCompleted(String set, BackupManifest manifest) {
    Tags tags = Tags.of("set", set, "type", manifest.type().name().toLowerCase(Locale.ROOT));
    Counter.builder(BACKUP_RECORDS).tags(tags).register(registry).increment(manifest.records());
    Counter.builder(BACKUP_BYTES).baseUnit("bytes").tags(tags).register(registry).increment(manifest.bytes());
    Counter.builder(BACKUP_SEGMENTS).tags(tags).register(registry).increment(manifest.topics().stream()
        .flatMap(t -> t.partitions().stream()).mapToLong(p -> p.segments().size()).sum());
    lastBackup.computeIfAbsent(set, s -> {
      AtomicReference<Instant> at = new AtomicReference<>();
      Gauge.builder(BACKUP_LAST_SUCCESS, at, a -> a.get() == null ? Double.NaN : a.get().toEpochMilli() / 1000.0)
          .tag("set", s).register(registry);
      Gauge.builder(BACKUP_AGE, at, a -> a.get() == null ? Double.NaN : Duration.between(a.get(), clock.instant()).toMillis() / 1000.0)
          .tag("set", s).baseUnit("seconds").register(registry);
      return at;
    }).set(manifest.completedAt());
  }
}
