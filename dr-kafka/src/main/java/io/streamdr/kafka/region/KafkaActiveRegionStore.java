package io.streamdr.kafka.region;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.DrException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.FencedException;
import io.streamdr.core.OperationFailedException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.UnreachableException;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Json;
import io.streamdr.core.region.ActiveRegion;
import io.streamdr.core.region.ActiveRegionStore;
import io.streamdr.core.region.Region;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link ActiveRegionStore} in a single-partition compacted Kafka topic, written in every region.
 *
 * <p>One region's cluster is the store's <b>home</b>: every compare-and-set appends a proposal there ("epoch n → region
 * r") and the log's order decides: a proposal wins if it expects the epoch current at its position in the log, so of
 * concurrent proposals for one epoch exactly the first one appended wins, whichever process sent it. Each proposal has
 * a unique key, so compaction never removes a winner (and the topic is never truncated by time). Winners are then
 * copied to the same topic in the other regions' clusters; when the home cluster does not answer, {@link #read()}
 * answers from the copies (the most recent epoch found), so clients of a region outage still learn the active
 * region, and copies missing a switch are repaired on the next read that reaches the home cluster.
 *
 * <p>Choose as home the region you fail over <i>to</i> (the secondary): the store is then writable exactly when a
 * failover to it is needed. A switch while the home cluster is unreachable fails with a retryable
 * {@link DrException} naming it; nothing is recorded.
 *
 * <p>Thread-safe; each call blocks at most about the configured timeout per cluster. The topic is created on first
 * use (one partition, {@code cleanup.policy=compact}, the cluster's default replication factor).
 */
public final class KafkaActiveRegionStore implements ActiveRegionStore, AutoCloseable {
  /** The default topic name. */
  public static final String DEFAULT_TOPIC = "_streamdr_active_region";
  private static final Logger LOG = LoggerFactory.getLogger(KafkaActiveRegionStore.class);

  private final Log home;
  private final List<Log> replicas;
  /** Copies winners to the other regions off the switching path: a region being down must not delay a switch. */
  private final ExecutorService copier = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "streamdr-active-region-copier");
    t.setDaemon(true);
    return t;
  });
  private final Clock clock;
  private final String topic;

  private KafkaActiveRegionStore(Builder b) {
    this.topic = b.topic;
    this.clock = b.clock;
    this.home = new Log(b.home, b.topic, b.timeout, true);
    this.replicas = b.replicas.stream().map(r -> new Log(r, b.topic, b.timeout, false)).toList();
  }

  /** A store whose home is {@code home}'s cluster. */
  public static Builder builder(Region home) {
    return new Builder(home);
  }

  @Override
  public synchronized Optional<ActiveRegion> read() {
    try {
      Optional<ActiveRegion> state = home.catchUp();
      state.ifPresent(this::copyToReplicas);
      return state;
    } catch (RuntimeException homeDown) {
      LOG.warn("Active-region store: home cluster of region {} unreachable ({}); reading the copies", home.region.name(),
          homeDown.getMessage());
      Optional<ActiveRegion> best = Optional.empty();
      for (Log replica : replicas) {
        try {
          Optional<ActiveRegion> s;
          synchronized (replica) {
            s = replica.catchUp();
          }
          if (s.isPresent() && (best.isEmpty() || s.get().epoch() > best.get().epoch())) {
            best = s;
          }
        } catch (RuntimeException e) {
          LOG.warn("Active-region store: copy in region {} unreachable too ({})", replica.region.name(), e.getMessage());
        }
      }
      if (best.isEmpty() && !replicas.isEmpty()) {
        throw unreachable("read the active region", homeDown);
      }
      return best;
    }
  }

  @Override
  public synchronized ActiveRegion compareAndSet(long expectedEpoch, String region, String reason) {
    Checks.requireNonBlank(region, "region");
    Proposal proposal = new Proposal(expectedEpoch, region, reason == null ? "" : reason, clock.instant(),
        UUID.randomUUID().toString());
    long offset;
    Optional<ActiveRegion> state;
    try {
      offset = home.append("proposal/" + (expectedEpoch + 1) + "/" + proposal.id(), proposal);
      state = home.catchUpTo(offset);
    } catch (RuntimeException e) {
      throw unreachable("record the switch to '" + region + "'", e);
    }
    if (!home.accepted(offset)) {
      ActiveRegion now = state.orElse(null);
      throw new FencedException(expectedEpoch, now == null ? 0 : now.epoch(), now == null ? null : now.region());
    }
    ActiveRegion won = state.orElseThrow();
    copyToReplicas(won);
    return won;
  }

  /** Copies the state to every other region in the background; a copy missing a switch is repaired on a later read. */
  private void copyToReplicas(ActiveRegion state) {
    for (Log replica : replicas) {
      try {
        copier.execute(() -> copy(replica, state));
      } catch (RejectedExecutionException closed) {
        return;
      }
    }
  }

  private static void copy(Log replica, ActiveRegion state) {
    synchronized (replica) {
      try {
        Optional<ActiveRegion> copy = replica.catchUp();
        if (copy.isEmpty() || copy.get().epoch() < state.epoch()) {
          replica.append("winner/" + state.epoch(), new Proposal(state.epoch() - 1, state.region(), state.reason(),
              state.since(), "copy"));
        }
      } catch (RuntimeException e) {
        LOG.warn("Active-region store: could not copy epoch {} to region {} ({}); repaired on a later read",
            state.epoch(), replica.region.name(), e.getMessage());
      }
    }
  }

  /** Waits until switches recorded so far have been copied to the other regions (or failed to), up to the timeout. */
  public void awaitCopies(Duration timeout) {
    try {
      copier.submit(() -> { }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private DrException unreachable(String what, Throwable cause) {
    return new UnreachableException(ResourceType.ACTIVE_REGION, topic,
        "Could not %s: the active-region store's home cluster (region '%s', %s, topic '%s') failed or did not answer within %s (%s); nothing was recorded. Retry when it answers, or rebuild the store with another home region"
            .formatted(what, home.region.name(), home.region.bootstrapServers(), topic, home.timeout, cause.getMessage()),
        cause);
  }

  @Override
  public synchronized void close() {
    copier.shutdown();
    try {
      copier.awaitTermination(home.timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    home.close();
    replicas.forEach(r -> {
      synchronized (r) {
        r.close();
      }
    });
  }

  @Override
  public String toString() {
    return "KafkaActiveRegionStore[topic=" + topic + ", home=" + home.region.name() + ", copies="
        + replicas.stream().map(r -> r.region.name()).toList() + "]";
  }

  private record Proposal(long expectedEpoch, String region, String reason, Instant since, String id) {
    byte[] toJson() {
      return Json.MAPPER.createObjectNode().put("expectedEpoch", expectedEpoch).put("region", region).put("reason", reason)
          .put("since", since.toString()).put("id", id).toString().getBytes(StandardCharsets.UTF_8);
    }

    static Proposal fromJson(byte[] bytes) throws IOException {
      JsonNode n = Json.MAPPER.readTree(bytes);
      return new Proposal(n.path("expectedEpoch").asLong(-1), n.path("region").asText(), n.path("reason").asText(""),
          Instant.parse(n.path("since").asText()), n.path("id").asText());
    }
  }

  /** The store's topic in one region's cluster, folded into the current state as it is read. */
  private static final class Log {
    final Region region;
    final String topic;
    final Duration timeout;
    final boolean firstWins;
    final TopicPartition tp;
    KafkaProducer<byte[], byte[]> producer;
    KafkaConsumer<byte[], byte[]> consumer;
    boolean topicReady;
    long next;
    ActiveRegion state;
    final TreeMap<Long, Boolean> decided = new TreeMap<>();

    Log(Region region, String topic, Duration timeout, boolean firstWins) {
      this.region = region;
      this.topic = topic;
      this.timeout = timeout;
      this.firstWins = firstWins;
      this.tp = new TopicPartition(topic, 0);
    }

    private Map<String, Object> config() {
      Map<String, Object> c = new HashMap<>(region.kafkaClientConfig());
      int ms = (int) timeout.toMillis();
      c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
      c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
      c.putIfAbsent(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
      return c;
    }

    private void ensureTopic() {
      if (topicReady) {
        return;
      }
      try (Admin admin = Admin.create(config())) {
        admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())
                .configs(Map.of("cleanup.policy", "compact"))))
            .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new OperationFailedException(ResourceType.TOPIC, topic, "Could not create the active-region topic '%s' in region '%s': %s"
              .formatted(topic, region.name(), e.getCause().getMessage()), e.getCause(), true);
        }
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        throw new DrTimeoutException(ResourceType.TOPIC, topic, timeout, "Region '%s' did not answer within %s while creating topic '%s'"
            .formatted(region.name(), timeout, topic), e);
      }
      topicReady = true;
    }

    long append(String key, Proposal proposal) {
      ensureTopic();
      if (producer == null) {
        Map<String, Object> c = config();
        int ms = (int) timeout.toMillis();
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 0); // one record at a time; delivery.timeout.ms >= linger + request timeout
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, ms);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, ms);
        c.put(ProducerConfig.CLIENT_ID_CONFIG, "streamdr-active-region-" + region.name());
        producer = new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
      }
      try {
        return producer.send(new ProducerRecord<>(topic, 0, key.getBytes(StandardCharsets.UTF_8), proposal.toJson()))
            .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS).offset();
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        reset();
        throw new OperationFailedException(ResourceType.TOPIC, topic, "Appending to '%s' in region '%s' failed: %s".formatted(topic, region.name(),
            e.getCause() != null ? e.getCause().getMessage() : e.toString()), e, true);
      }
    }

    Optional<ActiveRegion> catchUp() {
      return catchUpTo(-1);
    }

    /** Reads up to the end of the log (and at least past {@code offset}); returns the state. */
    Optional<ActiveRegion> catchUpTo(long offset) {
      ensureTopic();
      try {
        if (consumer == null) {
          Map<String, Object> c = config();
          c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
          c.put(ConsumerConfig.CLIENT_ID_CONFIG, "streamdr-active-region-reader-" + region.name());
          consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
          consumer.assign(List.of(tp));
          consumer.seek(tp, next);
        }
        long end = Math.max(offset + 1, consumer.endOffsets(List.of(tp), timeout).get(tp));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (consumer.position(tp, timeout) < end) {
          if (System.nanoTime() > deadline) {
            throw new TimeoutException("reading " + topic + " to offset " + end);
          }
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            fold(r);
          }
        }
        next = consumer.position(tp, timeout);
        return Optional.ofNullable(state);
      } catch (RuntimeException e) {
        reset();
        throw e;
      }
    }

    private void fold(ConsumerRecord<byte[], byte[]> r) {
      Proposal p;
      try {
        p = Proposal.fromJson(r.value());
      } catch (IOException | RuntimeException e) {
        LOG.warn("Active-region topic '{}' in region {}: unreadable record at offset {} ignored", topic, region.name(),
            r.offset());
        return;
      }
      long current = state == null ? 0 : state.epoch();
      boolean accept = firstWins ? p.expectedEpoch() == current : p.expectedEpoch() + 1 > current;
      if (accept) {
        state = new ActiveRegion(p.region(), p.expectedEpoch() + 1, p.reason(), p.since());
      }
      if (firstWins) {
        decided.put(r.offset(), accept); // a copy in another region is never asked whether a proposal won
      }
      next = r.offset() + 1; // a read interrupted later resumes after this record, never folds it twice
    }

    /** Whether the proposal at {@code offset} won; forgets the decisions up to it (each is asked about once). */
    boolean accepted(long offset) {
      boolean won = Boolean.TRUE.equals(decided.get(offset));
      decided.headMap(offset, true).clear();
      return won;
    }

    private void reset() {
      if (producer != null) {
        producer.close(Duration.ZERO);
        producer = null;
      }
      if (consumer != null) {
        consumer.close(CloseOptions.timeout(Duration.ZERO));
        consumer = null;
      }
    }

    void close() {
      reset();
    }
  }

  /** Builder for {@link KafkaActiveRegionStore}. */
  public static final class Builder {
    private final Region home;
    private final List<Region> replicas = new ArrayList<>();
    private String topic = DEFAULT_TOPIC;
    private Duration timeout = Duration.ofSeconds(10);
    private Clock clock = Clock.systemUTC();

    private Builder(Region home) {
      this.home = Checks.requireNonNull(home, "home region");
    }

    /** Regions whose clusters keep a copy of the record, read when the home cluster does not answer. */
    public Builder copiesIn(Region... regions) {
      for (Region r : regions) {
        if (!r.name().equals(home.name())) {
          replicas.add(r);
        }
      }
      return this;
    }

    public Builder topic(String topic) {
      this.topic = Checks.requireNonBlank(topic, "topic");
      return this;
    }

    /** How long one cluster may take to answer (default 10 s). */
    public Builder timeout(Duration timeout) {
      this.timeout = Checks.requirePositive(timeout, "timeout");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    public KafkaActiveRegionStore build() {
      return new KafkaActiveRegionStore(this);
    }
  }
}
