package io.streamdr.kafka.region;

import io.streamdr.core.RegionSwitchedException;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionRouter;
import io.streamdr.core.region.RegionSwitch;
import io.streamdr.core.region.Subscription;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Producer} that follows a {@link RegionRouter}: it writes to the active region's cluster and, when the
 * router switches, builds a new {@link KafkaProducer} on the new region (its bootstrap servers and client overrides
 * on top of the shared configuration) and sends there from then on, while the producer of the region left behind is
 * closed in the background within {@link Builder#drainTimeout}.
 *
 * <p><b>No acknowledged record is lost, none fails silently.</b> A record acknowledged by the old region stays
 * acknowledged. A record still in flight there when the switch happens either completes there (the old region
 * answered within the drain timeout) or fails there; a failed one is then sent again to the new region
 * ({@link InFlight#RESEND}, the default: at-least-once, as Kafka's own retries are; the original future and
 * callback complete with the new region's metadata) or fails with a {@link RegionSwitchedException}
 * ({@link InFlight#FAIL}). Records re-sent after a switch may be ordered after records sent later, and may be
 * duplicates if the old region had in fact written them. {@link #resentRecords()} counts them.
 *
 * <p>Transactions: a transaction open at the switch cannot commit (its coordinator is in the region left behind):
 * {@link #commitTransaction()} throws {@link RegionSwitchedException} and the transaction's in-flight records are
 * never re-sent; begin a new one. {@link #initTransactions()} is repeated on every new region's producer.
 *
 * <p><b>Blocked sends follow the switch.</b> A {@link KafkaProducer} whose cluster is down blocks in {@code send()}
 * waiting for metadata, up to {@code max.block.ms}. Each region's producer here waits in slices of 250 ms instead,
 * and a send that found no metadata in a slice is tried again on whichever region is active then; the application's
 * {@code max.block.ms} (default 60 s) still bounds the total. So a thread stuck sending to a dead region is released
 * within a slice of the switch. {@code partitionsFor} and the transactional calls are bounded the same way.
 *
 * <p>Thread-safe like {@link KafkaProducer}. The send path adds one volatile read and one small object per record.
 *
 * <pre>{@code
 * var producer = RegionAwareProducer.<String, String>builder(router, Map.of("acks", "all"))
 *     .serializers(StringSerializer::new, StringSerializer::new)
 *     .build();
 * producer.send(new ProducerRecord<>("orders", key, value));   // goes to whichever region is active
 * }</pre>
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class RegionAwareProducer<K, V> implements Producer<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(RegionAwareProducer.class);
  private static final Duration SLICE = Duration.ofMillis(250);

  /** What happens to records in flight to the region left behind that the old region did not acknowledge. */
  public enum InFlight {
    /** Send them again to the new region (at-least-once). */
    RESEND,
    /** Fail them with {@link RegionSwitchedException}; the application decides. */
    FAIL
  }

  /** One switch this producer made. */
  public record ProducerSwitch(String from, String to, long epoch, Instant at, Duration buildTime) {}

  private record Delegate<K, V>(Producer<K, V> producer, Region region, long epoch) {}

  private final RegionRouter router;
  private final Map<String, Object> config;
  private final Supplier<? extends Serializer<K>> keySerializer;
  private final Supplier<? extends Serializer<V>> valueSerializer;
  private final ProducerFactory<K, V> factory;
  private final Duration drainTimeout;
  private final Duration maxBlock;
  private final InFlight inFlight;
  private final Subscription subscription;
  private final ExecutorService closer;
  private final AtomicInteger closing = new AtomicInteger();
  private final LongAdder resent = new LongAdder();
  private final LongAdder failedBySwitch = new LongAdder();
  private final List<ProducerSwitch> switches = new CopyOnWriteArrayList<>();
  private final Object switchLock = new Object();
  private volatile Delegate<K, V> current;
  private volatile boolean closed;
  private volatile boolean transactional;
  private volatile Delegate<K, V> transactionIn;

  /** Builds the producer of one region; the default constructs a {@link KafkaProducer}. */
  @FunctionalInterface
  public interface ProducerFactory<K, V> {
    Producer<K, V> create(Region region, Map<String, Object> config);
  }

  private RegionAwareProducer(Builder<K, V> b) {
    this.router = b.router;
    this.config = Map.copyOf(b.config);
    this.maxBlock = Duration.ofMillis(Long.parseLong(String.valueOf(b.config.getOrDefault(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000))));
    this.keySerializer = b.keySerializer;
    this.valueSerializer = b.valueSerializer;
    this.factory = b.factory != null ? b.factory
        : (region, cfg) -> new KafkaProducer<>(cfg, keySerializer == null ? null : keySerializer.get(),
            valueSerializer == null ? null : valueSerializer.get());
    this.drainTimeout = b.drainTimeout;
    this.inFlight = b.inFlight;
    this.closer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "streamdr-producer-drain");
      t.setDaemon(true);
      return t;
    });
    synchronized (switchLock) {
      Region region = router.active();
      this.current = new Delegate<>(factory.create(region, configFor(region)), region, router.epoch());
    }
    this.subscription = router.onSwitch(this::onSwitch);
    Region active = router.active(); // a switch between reading the router and subscribing to it
    if (!active.name().equals(current.region().name())) {
      onSwitch(new RegionSwitch(current.region(), active, router.epoch(), "switched while starting", b.clock.instant(), false));
    }
  }

  /**
   * @param router which region is active
   * @param config producer settings shared by all regions (acks, idempotence, serializers by class name…); each
   *               region's {@link Region#kafkaClientConfig()} (bootstrap servers, security) is laid on top
   */
  public static <K, V> Builder<K, V> builder(RegionRouter router, Map<String, ?> config) {
    return new Builder<>(router, config);
  }

  private Map<String, Object> configFor(Region region) {
    Map<String, Object> c = new HashMap<>(config);
    c.putAll(region.kafkaClientConfig());
    // a producer whose cluster is down blocks in send() for max.block.ms waiting for metadata; in slices, a switch
    // releases a blocked send within one slice, while maxBlock (the application's setting) still bounds the total
    c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(SLICE.toMillis(), maxBlock.toMillis()));
    c.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "streamdr-producer");
    c.put(ProducerConfig.CLIENT_ID_CONFIG, c.get(ProducerConfig.CLIENT_ID_CONFIG) + "-" + region.name());
    return c;
  }

  private void onSwitch(RegionSwitch s) {
    Delegate<K, V> old;
    synchronized (switchLock) {
      old = current;
      if (closed || old.region().name().equals(s.to().name())) {
        return;
      }
      long t0 = System.nanoTime();
      Delegate<K, V> next = new Delegate<>(factory.create(s.to(), configFor(s.to())), s.to(), s.epoch());
      if (transactional) {
        blocking(() -> next, p -> {
          p.initTransactions();
          return null;
        });
      }
      current = next;
      switches.add(new ProducerSwitch(old.region().name(), s.to().name(), s.epoch(), s.at(),
          Duration.ofNanos(System.nanoTime() - t0)));
      closing.incrementAndGet();
    }
    LOG.info("Producer switched {} -> {} (epoch {}); draining the old producer for up to {}", old.region().name(),
        s.to().name(), s.epoch(), drainTimeout);
    closer.execute(() -> {
      try {
        old.producer().close(drainTimeout);
      } catch (RuntimeException e) {
        LOG.warn("Closing the producer of region {} failed", old.region().name(), e);
      } finally {
        closing.decrementAndGet();
      }
    });
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<K, V> record) {
    return send(record, null);
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback) {
    return sendWithRegion(record, callback == null ? null : (md, acknowledgedBy, e) -> callback.onCompletion(md, e));
  }

  /**
   * Called when a record sent with {@link #sendWithRegion} is acknowledged or finally fails, with the region whose cluster acknowledged it (after a
   * switch, a record the old region did not acknowledge is re-sent, and the region named is the new one), so an
   * application can tell, after an outage, which of its records the region it lost had taken.
   */
  @FunctionalInterface
  public interface RegionCallback {
    /**
     * @param metadata       the record's metadata in the region that acknowledged it; null if it failed
     * @param acknowledgedBy that region; null if it failed
     * @param error          the failure; null if it was acknowledged
     */
    void onCompletion(RecordMetadata metadata, Region acknowledgedBy, Exception error);
  }

  /** Sends a record as {@link #send(ProducerRecord, Callback)} does; {@code callback} also learns which region acknowledged it. */
  public Future<RecordMetadata> sendWithRegion(ProducerRecord<K, V> record, RegionCallback callback) {
    if (closed) {
      throw new IllegalStateException("Cannot send after the region-aware producer has been closed");
    }
    Send send = new Send(record, callback);
    send.dispatch();
    return send;
  }

  /**
   * A record until it is acknowledged or finally fails; re-dispatched to the new region after a switch. It is its own
   * callback: one object per record on the send path.
   */
  private final class Send extends CompletableFuture<RecordMetadata> implements Callback {
    private final ProducerRecord<K, V> record;
    private final RegionCallback callback;
    private Delegate<K, V> attempt; // the producer of the current attempt; its callback precedes any next attempt
    private boolean inSend;
    private TimeoutException blocked;

    Send(ProducerRecord<K, V> record, RegionCallback callback) {
      this.record = record;
      this.callback = callback;
    }

    void dispatch() {
      long deadline = 0;
      while (true) {
        Delegate<K, V> d = current;
        attempt = d;
        blocked = null;
        inSend = true;
        try {
          d.producer().send(record, this);
        } catch (RuntimeException e) {
          if (d == current || closed) {
            throw e;
          }
          continue; // the producer was closed by a switch while we sent: send to the new region
        } finally {
          inSend = false;
        }
        if (blocked == null) {
          return;
        }
        // no metadata within one slice (the region may be down): try again, on the new region if it switched
        if (deadline == 0) {
          deadline = System.nanoTime() + maxBlock.toNanos() - SLICE.toNanos();
        }
        if (d == current && System.nanoTime() >= deadline) {
          finish(blocked, null);
          return;
        }
      }
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception error) {
      if (inSend && error instanceof TimeoutException timeout) {
        blocked = timeout; // reported synchronously by send(): dispatch() decides whether to try again
        return;
      }
      Delegate<K, V> d = attempt;
      Exception failure = error;
      if (error != null && d != current) {
        if (inFlight == InFlight.RESEND && !closed && !transactional) {
          resent.increment();
          try {
            dispatch();
            return;
          } catch (RuntimeException e) {
            failure = e;
          }
        } else {
          failedBySwitch.increment();
          failure = new RegionSwitchedException(d.region().name(), current.region().name(),
              "Sending a record to topic '" + record.topic() + "'", error);
        }
      }
      finish(failure, metadata);
    }

    private void finish(Exception failure, RecordMetadata metadata) {
      if (failure == null) {
        complete(metadata);
      } else {
        completeExceptionally(failure);
      }
      if (callback != null) {
        callback.onCompletion(failure == null ? metadata : null, failure == null ? attempt.region() : null, failure);
      }
    }
  }

  /**
   * Runs a call bounded by max.block.ms on the current region's producer, in slices: a call that times out within a
   * slice is repeated (on the new region's producer if the region switched) until the application's max.block.ms.
   */
  private <T> T blocking(Function<Producer<K, V>, T> call) {
    return blocking(() -> current, call);
  }

  /** The same, on the producer {@code target} names at each attempt (the active one, or a given region's). */
  private <T> T blocking(Supplier<Delegate<K, V>> target, Function<Producer<K, V>, T> call) {
    long deadline = System.nanoTime() + maxBlock.toNanos();
    while (true) {
      Delegate<K, V> d = target.get();
      try {
        return call.apply(d.producer());
      } catch (TimeoutException e) {
        if (d == target.get() && System.nanoTime() >= deadline) {
          throw e;
        }
      }
    }
  }

  private void blockingRun(Consumer<Producer<K, V>> call) {
    blocking(p -> {
      call.accept(p);
      return null;
    });
  }

  /**
   * Waits until every record sent so far is acknowledged or has failed, including records being re-sent after a
   * switch.
   */
  @Override
  public void flush() {
    while (true) {
      Delegate<K, V> d = current;
      awaitDrained();
      d.producer().flush();
      if (d == current && closing.get() == 0) {
        return;
      }
    }
  }

  private void awaitDrained() {
    if (closing.get() > 0) {
      try {
        closer.submit(() -> { }).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptException(e);
      } catch (ExecutionException | RejectedExecutionException e) {
        // the closer is shut down: nothing left to drain
      }
    }
  }

  @Override
  public void initTransactions() {
    transactional = true;
    blockingRun(Producer::initTransactions);
  }

  @Override
  public void beginTransaction() {
    Delegate<K, V> d = current;
    d.producer().beginTransaction();
    transactionIn = d;
  }

  @Override
  public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
    transactionDelegate("Sending offsets to a transaction");
    blockingRun(p -> p.sendOffsetsToTransaction(offsets, group));
  }

  @Override
  public void commitTransaction() {
    transactionDelegate("Committing a transaction");
    blockingRun(Producer::commitTransaction); // Kafka allows repeating a commit that timed out
    transactionIn = null;
  }

  /** Aborts the open transaction; if it was opened in a region since left, it is already gone with that region. */
  @Override
  public void abortTransaction() {
    Delegate<K, V> d = transactionIn;
    transactionIn = null;
    if (d == null || d == current) {
      blockingRun(Producer::abortTransaction);
    }
  }

  private Delegate<K, V> transactionDelegate(String what) {
    Delegate<K, V> d = transactionIn;
    Delegate<K, V> now = current;
    if (d != null && d != now) {
      transactionIn = null;
      throw new RegionSwitchedException(d.region().name(), now.region().name(), what, null);
    }
    return now;
  }

  @Override
  public void registerMetricForSubscription(KafkaMetric metric) {
    current.producer().registerMetricForSubscription(metric);
  }

  @Override
  public void unregisterMetricFromSubscription(KafkaMetric metric) {
    current.producer().unregisterMetricFromSubscription(metric);
  }

  @Override
  public List<PartitionInfo> partitionsFor(String topic) {
    return blocking(p -> p.partitionsFor(topic));
  }

  /** Metrics of the active region's producer. */
  @Override
  public Map<MetricName, ? extends Metric> metrics() {
    return current.producer().metrics();
  }

  @Override
  public Uuid clientInstanceId(Duration timeout) {
    return current.producer().clientInstanceId(timeout);
  }

  /** The region records are sent to now. */
  public Region region() {
    return current.region();
  }

  /** Records that failed in a region left behind and were sent again to the new region. */
  public long resentRecords() {
    return resent.sum();
  }

  /** Records failed with {@link RegionSwitchedException} (policy {@link InFlight#FAIL}, or in a transaction). */
  public long failedBySwitch() {
    return failedBySwitch.sum();
  }

  /** The switches this producer made, oldest first. */
  public List<ProducerSwitch> switches() {
    return List.copyOf(switches);
  }

  @Override
  public void close() {
    close(Duration.ofMillis(Long.MAX_VALUE));
  }

  /** Stops following the router, then closes the active producer (and waits for old ones) within the timeout. */
  @Override
  public void close(Duration timeout) {
    Duration bounded = timeout.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365) : timeout;
    long deadline = System.nanoTime() + bounded.toNanos();
    subscription.close();
    Delegate<K, V> d;
    synchronized (switchLock) {
      d = current;
      if (closed) {
        return;
      }
      closed = true;
    }
    d.producer().close(bounded);
    closer.shutdown();
    try {
      closer.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "RegionAwareProducer[region=" + current.region().name() + ", epoch=" + current.epoch() + "]";
  }

  /** Builder for {@link RegionAwareProducer}. */
  public static final class Builder<K, V> {
    private final RegionRouter router;
    private final Map<String, Object> config;
    private Supplier<? extends Serializer<K>> keySerializer;
    private Supplier<? extends Serializer<V>> valueSerializer;
    private ProducerFactory<K, V> factory;
    private Duration drainTimeout = Duration.ofSeconds(5);
    private InFlight inFlight = InFlight.RESEND;
    private Clock clock = Clock.systemUTC();

    private Builder(RegionRouter router, Map<String, ?> config) {
      this.router = Checks.requireNonNull(router, "router");
      this.config = new HashMap<>(Checks.requireNonNull(config, "producer config"));
    }

    /** Serializers, one new instance per region's producer (a producer closes its serializers). */
    public Builder<K, V> serializers(Supplier<? extends Serializer<K>> key, Supplier<? extends Serializer<V>> value) {
      this.keySerializer = Checks.requireNonNull(key, "key serializer");
      this.valueSerializer = Checks.requireNonNull(value, "value serializer");
      return this;
    }

    /** How each region's producer is built (default: a {@link KafkaProducer}); for tests and instrumentation. */
    public Builder<K, V> factory(ProducerFactory<K, V> factory) {
      this.factory = Checks.requireNonNull(factory, "producer factory");
      return this;
    }

    /** How long the producer of a region left behind may take to deliver what it holds (default 5 s). */
    public Builder<K, V> drainTimeout(Duration timeout) {
      this.drainTimeout = Checks.requireNonNull(timeout, "drain timeout");
      return this;
    }

    /** What to do with records the region left behind did not acknowledge (default {@link InFlight#RESEND}). */
    public Builder<K, V> inFlight(InFlight policy) {
      this.inFlight = Checks.requireNonNull(policy, "in-flight policy");
      return this;
    }

    /** Dates the switches the producer makes itself, such as one made while it was starting (default: the system's). */
    public Builder<K, V> clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    public RegionAwareProducer<K, V> build() {
      return new RegionAwareProducer<>(this);
    }
  }
}
