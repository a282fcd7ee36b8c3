package io.streamdr.kafka.pipeline;

import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.OperationFailedException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Json;
import io.streamdr.kafka.internal.Consumers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The primary region's diverged tail: the records its topics acknowledged that the secondary's copies did not hold
 * when the secondary took over, found by content (key, value and headers), not by offsets, which replication does
 * not keep. Take a {@link #snapshot} of the copies at the switch, while the primary is unreachable; once the primary
 * is back, {@link #find} what it holds beyond them, {@link Found#report() report} it, and reconcile it by a policy:
 * {@link Found#replay replay} it into the secondary's own topics (each record once, key, value, headers and
 * timestamp kept) so consumers there see it, or {@link Found#export export} it to the backups and leave it out.
 */
public final class DivergedTail {
  private DivergedTail() {}

  /** What the secondary's copies held at the switch: a digest of every record, by primary topic. */
  public static final class CopySnapshot {
    private final Instant takenAt;
    private final Map<String, Map<ByteBuffer, Integer>> digests;

    private CopySnapshot(Instant takenAt, Map<String, Map<ByteBuffer, Integer>> digests) {
      this.takenAt = takenAt;
      this.digests = digests;
    }

    public Instant takenAt() {
      return takenAt;
    }

    /** Records held in the copy of {@code topic}. */
    public long records(String topic) {
      return digests.getOrDefault(topic, Map.of()).values().stream().mapToLong(Integer::longValue).sum();
    }
  }

  /**
   * Reads the secondary's copy of each of {@code topics} to its end now.
   *
   * @param copyOf the copy's name in the secondary, e.g. {@code t -> "us-east-1." + t} (MirrorMaker 2), or {@code t -> t}
   */
  public static CopySnapshot snapshot(Map<String, Object> secondary, List<String> topics, UnaryOperator<String> copyOf, Duration timeout) {
    return snapshot(secondary, topics, copyOf, timeout, Clock.systemUTC());
  }

  /** As {@link #snapshot(Map, List, UnaryOperator, Duration)}, dated by {@code clock}. */
  public static CopySnapshot snapshot(Map<String, Object> secondary, List<String> topics, UnaryOperator<String> copyOf,
      Duration timeout, Clock clock) {
    Map<String, Map<ByteBuffer, Integer>> digests = new LinkedHashMap<>();
    MessageDigest sha = sha256();
    for (String topic : topics) {
      Map<ByteBuffer, Integer> d = new HashMap<>();
      readAll(secondary, copyOf.apply(topic), timeout, r -> d.merge(digest(sha, r), 1, Integer::sum));
      digests.put(topic, d);
    }
    return new CopySnapshot(clock.instant(), digests);
  }

  /** Reads {@code topics} of the primary and keeps each record the snapshot's copies do not hold (as often as they hold it fewer times). */
  public static Found find(Map<String, Object> primary, List<String> topics, CopySnapshot atSwitch, Duration timeout) {
    List<ConsumerRecord<byte[], byte[]>> tail = new ArrayList<>();
    MessageDigest sha = sha256();
    for (String topic : topics) {
      Map<ByteBuffer, Integer> left = new HashMap<>(atSwitch.digests.getOrDefault(topic, Map.of()));
      readAll(primary, topic, timeout, r -> {
        ByteBuffer d = digest(sha, r);
        Integer n = left.get(d);
        if (n == null) {
          tail.add(r); // only the diverged records are kept, not the whole topic
        } else if (n == 1) {
          left.remove(d);
        } else {
          left.put(d, n - 1);
        }
      });
    }
    return new Found(tail, atSwitch);
  }

  /** The records found, with what to do about them. */
  public static final class Found {
    private final List<ConsumerRecord<byte[], byte[]>> records;
    private final CopySnapshot atSwitch;

    private Found(List<ConsumerRecord<byte[], byte[]>> records, CopySnapshot atSwitch) {
      this.records = List.copyOf(records);
      this.atSwitch = atSwitch;
    }

    /**
     * The records of this tail that the secondary's copies still lack now, by content: what replication has not
     * carried there since the switch (all of them when replication from the primary did not resume, none once it
     * caught up). {@link #replay Replaying} what this returns, and only that, lands each record in the secondary once.
     *
     * @param copyOf the copy's name in the secondary, as given to {@link DivergedTail#snapshot}
     */
    public Found notYetCopied(Map<String, Object> secondary, UnaryOperator<String> copyOf, Duration timeout) {
      MessageDigest sha = sha256();
      List<ConsumerRecord<byte[], byte[]>> missing = new ArrayList<>();
      for (String topic : records.stream().map(ConsumerRecord::topic).distinct().toList()) {
        // what the copy holds now beyond what it held at the switch
        Map<ByteBuffer, Integer> added = new HashMap<>();
        readAll(secondary, copyOf.apply(topic), timeout, r -> added.merge(digest(sha, r), 1, Integer::sum));
        atSwitch.digests.getOrDefault(topic, Map.of()).forEach((d, n) -> added.computeIfPresent(d, (k, m) -> m > n ? m - n : null));
        for (ConsumerRecord<byte[], byte[]> r : records) {
          if (!r.topic().equals(topic)) {
            continue;
          }
          ByteBuffer d = digest(sha, r);
          Integer n = added.get(d);
          if (n == null) {
            missing.add(r);
          } else if (n == 1) {
            added.remove(d);
          } else {
            added.put(d, n - 1);
          }
        }
      }
      return new Found(missing, atSwitch);
    }

    public List<ConsumerRecord<byte[], byte[]>> records() {
      return records;
    }

    /** How many, when they were written, and where. */
    public Report report() {
      Map<String, Long> where = new TreeMap<>();
      Instant first = null;
      Instant last = null;
      for (ConsumerRecord<byte[], byte[]> r : records) {
        where.merge(r.topic() + "-" + r.partition(), 1L, Long::sum);
        Instant t = Instant.ofEpochMilli(r.timestamp());
        first = first == null || t.isBefore(first) ? t : first;
        last = last == null || t.isAfter(last) ? t : last;
      }
      return new Report(records.size(), Optional.ofNullable(first), Optional.ofNullable(last), where);
    }

    /**
     * Writes each record, once, to {@code topicInto.apply(topic)} through {@code producer} (which the caller made
     * idempotent, acks=all) with its key, value, headers and, for CreateTime topics, its timestamp; waits for every
     * acknowledgement. Returns how many were written.
     */
    public int replay(Producer<byte[], byte[]> producer, UnaryOperator<String> topicInto, Duration timeout) {
      List<Future<?>> sent = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        Long timestamp = r.timestampType() == TimestampType.CREATE_TIME ? r.timestamp() : null;
        sent.add(producer.send(new ProducerRecord<>(topicInto.apply(r.topic()), null, timestamp, r.key(), r.value(), r.headers())));
      }
      producer.flush();
      long deadline = System.nanoTime() + timeout.toNanos();
      for (var f : sent) {
        try {
          f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
          Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
          throw new OperationFailedException(ResourceType.TOPIC, records.get(sent.indexOf(f)).topic(), "Replaying the diverged tail failed after %d of %d records: %s"
              .formatted(sent.indexOf(f), records.size(), cause.getMessage()), cause, true);
        }
      }
      return records.size();
    }

    /**
     * Writes the records to {@code target} as JSON lines under {@code diverged-tail/<id>.jsonl} (key, value and header
     * values in base64, topic, partition, offset, timestamp and its type), to be looked at or replayed later.
     */
    public BackupKey export(BackupTarget target, String id) {
      Checks.requireNonBlank(id, "export id");
      BackupKey key = BackupKey.of("diverged-tail", id + ".jsonl");
      target.write(key, out -> {
        for (ConsumerRecord<byte[], byte[]> r : records) {
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("topic", r.topic());
          line.put("partition", r.partition());
          line.put("offset", r.offset());
          line.put("timestamp", r.timestamp());
          line.put("timestampType", r.timestampType().name());
          line.put("key", r.key() == null ? null : Base64.getEncoder().encodeToString(r.key()));
          line.put("value", r.value() == null ? null : Base64.getEncoder().encodeToString(r.value()));
          List<Map<String, String>> headers = new ArrayList<>();
          r.headers().forEach(h -> headers.add(Map.of("key", h.key(), "value", h.value() == null ? "" : Base64.getEncoder().encodeToString(h.value()))));
          line.put("headers", headers);
          out.write(Json.MAPPER.writeValueAsBytes(line));
          out.write('\n');
        }
      });
      return key;
    }
  }

  /**
   * @param records          how many the copies lacked
   * @param firstWritten     the oldest one's timestamp
   * @param lastWritten      the newest one's timestamp
   * @param byTopicPartition how many per {@code topic-partition} of the primary
   */
  public record Report(long records, Optional<Instant> firstWritten, Optional<Instant> lastWritten, Map<String, Long> byTopicPartition) {
    @Override
    public String toString() {
      return records == 0 ? "no diverged records" : "%d diverged record(s) written from %s to %s: %s".formatted(records,
          firstWritten.orElseThrow(), lastWritten.orElseThrow(), byTopicPartition);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The record's key, value and headers digested with {@code md}, which the digest leaves reset for the next. */
  private static ByteBuffer digest(MessageDigest md, ConsumerRecord<byte[], byte[]> r) {
    update(md, r.key());
    update(md, r.value());
    for (Map.Entry<String, byte[]> h : Consumers.headers(r)) {
      update(md, h.getKey().getBytes(StandardCharsets.UTF_8));
      update(md, h.getValue());
    }
    return ByteBuffer.wrap(md.digest());
  }

  private static void update(MessageDigest md, byte[] bytes) {
    if (bytes == null) {
      md.update((byte) 0);
    } else {
      md.update((byte) 1);
      md.update((byte) (bytes.length >>> 24));
      md.update((byte) (bytes.length >>> 16));
      md.update((byte) (bytes.length >>> 8));
      md.update((byte) bytes.length);
      md.update(bytes);
    }
  }

  private static void readAll(Map<String, Object> config, String topic, Duration timeout,
      Consumer<ConsumerRecord<byte[], byte[]>> each) {
    Map<String, Object> c = new HashMap<>(config);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = consumer.partitionsFor(topic, timeout).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      if (parts.isEmpty()) {
        throw new NotFoundException(ResourceType.TOPIC, topic, "Topic '%s' does not exist; check its name in this region".formatted(topic));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (parts.stream().anyMatch(p -> consumer.position(p, timeout) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new DrTimeoutException(ResourceType.TOPIC, topic, timeout, "Could not read topic '%s' to its end within %s".formatted(topic, timeout));
        }
        consumer.poll(Duration.ofMillis(200)).forEach(each);
      }
    }
  }
}
