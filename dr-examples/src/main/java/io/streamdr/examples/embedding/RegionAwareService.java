package io.streamdr.examples.embedding;

import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.FileActiveRegionStore;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.kafka.region.RegionAwareConsumer;
import io.streamdr.kafka.region.RegionAwareProducer;
import io.streamdr.kafka.region.TopicMapping;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * An application that follows failovers, as an embedding example: it produces numbered records through a
 * {@link RegionAwareProducer} and consumes topics through a {@link RegionAwareConsumer}, both driven by one
 * {@link DefaultRegionRouter}. The router re-reads the shared active-region store every {@code refresh}, so a
 * {@code streamdr failover} (or a {@code FailoverMonitor}) anywhere moves the service, with no restart and no change
 * to its code. It records which region acknowledged each record and which delivered it, so after an outage it can say
 * what it lost: nothing, if the library keeps its promise.
 */
public final class RegionAwareService implements AutoCloseable {
  /** One record delivered to the application, with the region it was read in. */
  public record Delivery(String topic, String key, String value, String region, Instant at) {}

  private final DefaultRegionRouter router;
  private final RegionAwareProducer<String, String> producer;
  private final RegionAwareConsumer<String, byte[]> consumer;
  private final java.util.function.BiFunction<String, byte[], String> valueText;
  private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "region-refresh"));
  private final Map<String, String> ackedBy = new ConcurrentHashMap<>();
  private final Map<String, Instant> ackedAt = new ConcurrentHashMap<>();
  private final Set<String> failed = ConcurrentHashMap.newKeySet();
  private final java.util.Queue<Delivery> delivered = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicReference<Throwable> crash = new AtomicReference<>();
  private final String produceTopic;
  private final Duration pause;
  private volatile boolean producing;
  private volatile boolean running = true;
  private final Thread producerThread;
  private final Thread consumerThread;

  /**
   * Starts the service.
   *
   * @param produceTo the topic it writes numbered records to (null: it only consumes)
   * @param consume   the topics it reads, under their names in the primary; the mapping finds them in each region
   * @param pause     between two records sent
   */
  public RegionAwareService(DefaultRegionRouter router, TopicMapping mapping, String produceTo, List<String> consume, String group,
      Duration pause, Duration refresh) {
    this(router, mapping, produceTo, consume, group, pause, refresh, (region, value) -> new String(value, StandardCharsets.UTF_8));
  }

  /**
   * Starts the service, reading each value it consumes with {@code valueText}: given the region it was read in and its
   * bytes, the value as text (records serialized against a Schema Registry decode against that region's registry).
   */
  public RegionAwareService(DefaultRegionRouter router, TopicMapping mapping, String produceTo, List<String> consume, String group,
      Duration pause, Duration refresh, java.util.function.BiFunction<String, byte[], String> valueText) {
    this.router = router;
    this.valueText = valueText;
    this.produceTopic = produceTo;
    this.pause = pause;
    this.producing = produceTo != null;
    producer = RegionAwareProducer.<String, String>builder(router, Map.of("acks", "all", "enable.idempotence", true, "linger.ms", 5,
            "delivery.timeout.ms", 60_000, "request.timeout.ms", 5_000))
        .serializers(StringSerializer::new, StringSerializer::new).drainTimeout(Duration.ofSeconds(1)).build();
    consumer = RegionAwareConsumer.<String, byte[]>builder(router, Map.of("group.id", group, "group.instance.id", group + "-1",
            "auto.offset.reset", "earliest", "enable.auto.commit", false, "max.poll.records", 500))
        .deserializers(StringDeserializer::new, ByteArrayDeserializer::new).topicMapping(mapping).translationTimeout(Duration.ofSeconds(5))
        .build();
    consumer.subscribe(consume);
    refresher.scheduleWithFixedDelay(this::refresh, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
    producerThread = new Thread(this::produce, "service-producer");
    consumerThread = new Thread(this::consume, "service-consumer");
    producerThread.start();
    consumerThread.start();
  }

  private void refresh() {
    try {
      router.refresh();
    } catch (RuntimeException e) {
      // the store is unreachable for a moment: keep the region the router knows, try again at the next refresh
    }
  }

  private void produce() {
    while (running) {
      if (producing) {
        String value = "order-" + sent.getAndIncrement();
        producer.sendWithRegion(new ProducerRecord<>(produceTopic, "customer-" + (value.hashCode() & 31), value), (md, region, e) -> {
          if (e == null) {
            ackedBy.put(value, region.name());
            ackedAt.put(value, Instant.now());
          } else {
            failed.add(value);
          }
        });
      }
      LockSupport.parkNanos(pause.toNanos());
    }
  }

  private void consume() {
    try {
      while (running) {
        var records = consumer.poll(Duration.ofMillis(200));
        String region = consumer.region().name();
        for (ConsumerRecord<String, byte[]> r : records) {
          delivered.add(new Delivery(r.topic(), r.key(), r.value() == null ? null : valueText.apply(region, r.value()), region, Instant.now()));
        }
        if (!records.isEmpty()) {
          consumer.commitAsync();
        }
      }
    } catch (Throwable t) {
      crash.set(t);
    }
  }

  /** Stops sending and waits until every record sent is acknowledged or failed. */
  public void stopProducing() {
    producing = false;
    producer.flush();
  }

  /** Which region acknowledged each record (by value). */
  public Map<String, String> acknowledged() {
    return Map.copyOf(ackedBy);
  }

  /** When each record was acknowledged (by value). */
  public Map<String, Instant> acknowledgedAt() {
    return Map.copyOf(ackedAt);
  }

  /** Records whose send finally failed. */
  public Set<String> failed() {
    return Set.copyOf(failed);
  }

  /** Every delivery, in order. */
  public List<Delivery> delivered() {
    return List.copyOf(delivered);
  }

  public long acknowledgedBy(String region) {
    return ackedBy.values().stream().filter(region::equals).count();
  }

  public long deliveredFrom(String region) {
    return delivered.stream().filter(d -> d.region().equals(region)).count();
  }

  /** The region the consumer reads now. */
  public Region consumerRegion() {
    return consumer.region();
  }

  /** The records the consumer says it delivered again after a switch ({@link RegionAwareConsumer#redeliveredRecords()}). */
  public long consumerRedeliveries() {
    return consumer.redeliveredRecords();
  }

  /** What ended the consumer's loop, if anything did. */
  public Throwable crash() {
    return crash.get();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    refresher.shutdownNow();
    producerThread.join(10_000);
    consumerThread.join(10_000);
    producer.close(Duration.ofSeconds(5));
    consumer.close(Duration.ofSeconds(1));
  }

  /**
   * Runs the service until interrupted: {@code RegionAwareService EAST_BOOTSTRAP WEST_BOOTSTRAP ACTIVE_REGION_FILE TOPIC},
   * printing every 5 s what each region acknowledged and delivered. Topics are named as MirrorMaker 2 names them
   * ({@code us-east-1.orders} in us-west-2). Switch it with
   * {@code streamdr failover --to us-west-2} on a configuration whose {@code activeRegion} is the same file.
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: RegionAwareService EAST_BOOTSTRAP WEST_BOOTSTRAP ACTIVE_REGION_FILE TOPIC");
      System.exit(2);
    }
    RegionTopology topology = RegionTopology.of(Region.of("us-east-1", args[0]), Region.of("us-west-2", args[1]));
    DefaultRegionRouter router = new DefaultRegionRouter(topology, new FileActiveRegionStore(Path.of(args[2])));
    try (RegionAwareService service = new RegionAwareService(router, TopicMapping.prefixed(topology), args[3], List.of(args[3]),
        "region-aware-service", Duration.ofMillis(10), Duration.ofSeconds(1))) {
      Thread main = Thread.currentThread();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> { // Ctrl-C or SIGTERM: let main close the service
        main.interrupt();
        try {
          main.join(15_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }));
      while (true) {
        try {
          Thread.sleep(5_000); // a status line every 5 s (the loop's pace, not a synchronization)
        } catch (InterruptedException e) {
          return;
        }
        System.out.printf("consumer in %s; acknowledged: us-east-1 %d, us-west-2 %d; delivered: us-east-1 %d, us-west-2 %d%n",
            service.consumerRegion().name(), service.acknowledgedBy("us-east-1"), service.acknowledgedBy("us-west-2"),
            service.deliveredFrom("us-east-1"), service.deliveredFrom("us-west-2"));
      }
    }
  }
}
