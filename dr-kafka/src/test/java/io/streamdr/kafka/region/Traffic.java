package io.streamdr.kafka.region;

import io.streamdr.core.region.RegionRouter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Continuous traffic through the region-aware clients: a producer thread sends numbered records at a steady pace
 * and records each acknowledgement; a consumer thread polls, records each delivery with the region and topic it came
 * from, and commits after every poll.
 */
final class Traffic implements AutoCloseable {
  /** One delivery to the application. */
  record Delivery(String value, String region, String topic, Instant at) {}

  final RegionAwareProducer<String, String> producer;
  final RegionAwareConsumer<String, String> consumer;
  final Map<String, Instant> acked = new ConcurrentHashMap<>();
  final Map<String, Instant> sentAt = new ConcurrentHashMap<>();
  final Set<String> failed = ConcurrentHashMap.newKeySet();
  final ConcurrentLinkedQueue<Delivery> delivered = new ConcurrentLinkedQueue<>();
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicReference<Throwable> crashed = new AtomicReference<>();
  private volatile boolean producing = true;
  private volatile boolean running = true;
  private final Thread producerThread;
  private final Thread consumerThread;

  Traffic(RegionRouter router, String topic, String group, TopicMapping mapping, Duration pause) {
    this(router, topic, group, mapping, pause, Duration.ZERO);
  }

  /** @param processing how long the application works on each batch it polled before it polls again */
  Traffic(RegionRouter router, String topic, String group, TopicMapping mapping, Duration pause, Duration processing) {
    producer = RegionAwareProducer.<String, String>builder(router, Map.of("acks", "all", "enable.idempotence", true,
            "linger.ms", 5, "delivery.timeout.ms", 60_000, "request.timeout.ms", 5_000))
        .serializers(StringSerializer::new, StringSerializer::new).drainTimeout(Duration.ofSeconds(1)).build();
    consumer = RegionAwareConsumer.<String, String>builder(router, Map.of("group.id", group, "group.instance.id", group + "-1", "auto.offset.reset", "earliest",
            "enable.auto.commit", false, "max.poll.records", 200))
        .deserializers(StringDeserializer::new, StringDeserializer::new).topicMapping(mapping)
        .translationTimeout(Duration.ofSeconds(5)).build();
    consumer.subscribe(List.of(topic));
    producerThread = new Thread(() -> {
      while (running) {
        if (producing) {
          String value = "v" + sent.getAndIncrement();
          sentAt.put(value, Instant.now());
          producer.send(new ProducerRecord<>(topic, "k" + (sent.get() % 17), value), (md, e) -> {
            if (e == null) {
              acked.put(value, Instant.now());
            } else {
              failed.add(value);
            }
          });
        }
        LockSupport.parkNanos(pause.toNanos());
      }
    }, "traffic-producer");
    consumerThread = new Thread(() -> {
      try {
        while (running) {
          var records = consumer.poll(Duration.ofMillis(200));
          String region = consumer.region().name();
          for (ConsumerRecord<String, String> r : records) {
            delivered.add(new Delivery(r.value(), region, r.topic(), Instant.now()));
          }
          if (!records.isEmpty()) {
            LockSupport.parkNanos(processing.toNanos()); // the application's work on the batch
            consumer.commitAsync();
          }
        }
      } catch (Throwable t) {
        crashed.set(t);
      }
    }, "traffic-consumer");
    producerThread.start();
    consumerThread.start();
  }

  /** Stops sending and waits until every record sent is acknowledged or failed. */
  void stopProducing() {
    producing = false;
    producer.flush();
  }

  void resumeProducing() {
    producing = true;
  }

  Set<String> deliveredValues() {
    Set<String> out = ConcurrentHashMap.newKeySet();
    delivered.forEach(d -> out.add(d.value()));
    return out;
  }

  long deliveredFrom(String region) {
    return delivered.stream().filter(d -> d.region().equals(region)).count();
  }

  int sent() {
    return sent.get();
  }

  Throwable crash() {
    return crashed.get();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    producerThread.join(10_000);
    consumerThread.join(10_000);
    producer.close(Duration.ofSeconds(5));
    consumer.close(Duration.ofSeconds(1));
  }
}
