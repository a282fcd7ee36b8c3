package io.streamdr.kafka.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.backup.ForwardingBackupTarget;
import io.streamdr.core.fake.InMemoryBackupTarget;
import io.streamdr.kafka.restore.RestoreReport;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore given a local copy directory reads each segment from its store once: it keeps a copy of what it verified
 * and produces from it. Against a real broker, with a store (not on this machine, as S3 is not) that counts what is
 * read from it.
 */
class RestoreLocalCopyIT {
  static EmbeddedKafkaCluster kafka;
  static InMemoryBackupTarget stored;
  static List<String> segments;
  static List<String> source;

  @TempDir
  Path tmp;

  @BeforeAll
  static void backUp() throws Exception {
    kafka = EmbeddedKafkaCluster.builder().name("local-copy").build();
    kafka.start();
    kafka.createTopic("orders", 3, 1, Map.of("retention.ms", "-1"));
    Random random = new Random(7);
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < 3000; i++) {
        byte[] value = new byte[200 + i % 300];
        random.nextBytes(value);
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>("orders", i % 3, 1_700_000_000_000L + i,
            ("k" + i).getBytes(StandardCharsets.UTF_8), i % 11 == 0 ? null : value);
        if (i % 5 == 0) {
          r.headers().add(new RecordHeader("trace", ("t" + i).getBytes(StandardCharsets.UTF_8)));
        }
        p.send(r);
      }
      p.flush();
    }
    stored = new InMemoryBackupTarget();
    TopicBackup.builder(kafka.clientConfig(), stored).topics(List.of("orders")).segmentBytes(64 * 1024).build().full("full");
    segments = stored.list("topic-backups/full/data/").stream().map(o -> o.key().value()).filter(k -> k.endsWith(".seg")).toList();
    assertThat(segments).hasSizeGreaterThan(6); // several per partition
    source = TopicBackupIT.fingerprint(TopicBackupIT.readAll(kafka, "orders"));
  }

  @AfterAll
  static void stop() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void aRemoteStoreIsReadOnceAndTheCopiesAreDeleted() throws Exception {
    Remote remote = new Remote(stored);
    Path copies = tmp.resolve("copies");
    RestoreReport report = TopicRestore.builder(kafka.clientConfig(), remote, "full").rename("orders", "orders-once")
        .localCopyDirectory(copies).build().run();

    assertThat(report.produced()).isEqualTo(3000);
    assertThat(TopicBackupIT.fingerprint(TopicBackupIT.readAll(kafka, "orders-once"))).isEqualTo(source);
    segments.forEach(s -> assertThat(remote.opens(s)).as(s).isEqualTo(1));
    assertThat(filesUnder(copies)).isEmpty();
  }

  @Test
  void withoutTheCopyEverySegmentIsReadTwice() {
    Remote remote = new Remote(stored);
    TopicRestore.builder(kafka.clientConfig(), remote, "full").rename("orders", "orders-twice").build().run();

    assertThat(TopicBackupIT.fingerprint(TopicBackupIT.readAll(kafka, "orders-twice"))).isEqualTo(source);
    segments.forEach(s -> assertThat(remote.opens(s)).as(s).isEqualTo(2));
  }

  @Test
  void aDirectoryThatCannotHoldTheCopiesMeansReadingTwiceNotFailing() throws Exception {
    Path notADirectory = Files.writeString(tmp.resolve("a-file"), "x");
    Remote remote = new Remote(stored);
    RestoreReport report = TopicRestore.builder(kafka.clientConfig(), remote, "full").rename("orders", "orders-no-room")
        .localCopyDirectory(notADirectory).build().run();

    assertThat(report.produced()).isEqualTo(3000);
    assertThat(TopicBackupIT.fingerprint(TopicBackupIT.readAll(kafka, "orders-no-room"))).isEqualTo(source);
    segments.forEach(s -> assertThat(remote.opens(s)).as(s).isEqualTo(2));
  }

  @Test
  void aDamagedSegmentWritesNothingAndLeavesNoCopies() throws Exception {
    InMemoryBackupTarget damaged = new InMemoryBackupTarget();
    for (BackupObject o : stored.list("")) {
      damaged.put(o.key(), stored.readAll(o.key()));
    }
    String victim = segments.get(segments.size() / 2);
    byte[] bytes = damaged.readAll(new BackupKey(victim));
    bytes[bytes.length / 2] ^= 0x10;
    damaged.put(new BackupKey(victim), bytes);
    Path copies = tmp.resolve("copies");

    assertThatThrownBy(() -> TopicRestore.builder(kafka.clientConfig(), new Remote(damaged), "full").rename("orders", "orders-damaged")
        .localCopyDirectory(copies).build().run())
        .isInstanceOf(BackupCorruptedException.class).hasMessageContaining(victim);
    try (var admin = kafka.admin()) {
      assertThat(admin.listTopics().names().get()).doesNotContain("orders-damaged");
    }
    assertThat(filesUnder(copies)).isEmpty();
  }

  @Test
  void segmentsOfARemoteStoreAreFetchedAsManyAtOnceAsPartitionsAreProduced() {
    // the first segment reads wait for each other: they all get in only if that many are fetched at the same time
    int atOnce = Math.min(segments.size(), 8);
    CountDownLatch together = new CountDownLatch(atOnce);
    AtomicInteger open = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    BackupTarget gated = new Remote(stored) {
      @Override
      public InputStream open(BackupKey key) {
        InputStream in = super.open(key);
        if (!key.value().endsWith(".seg")) {
          return in;
        }
        most.accumulateAndGet(open.incrementAndGet(), Math::max);
        together.countDown();
        try {
          together.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return new FilterInputStream(in) {
          @Override
          public void close() throws IOException {
            open.decrementAndGet();
            super.close();
          }
        };
      }
    };
    TopicRestore.builder(kafka.clientConfig(), gated, "full").rename("orders", "orders-fetched").build().run();

    assertThat(most.get()).isGreaterThanOrEqualTo(atOnce);
    assertThat(TopicBackupIT.fingerprint(TopicBackupIT.readAll(kafka, "orders-fetched"))).isEqualTo(source);
  }

  private static List<Path> filesUnder(Path dir) throws Exception {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  /** A store that is not a directory on this machine (as S3 is not), counting the reads of each object. */
  static class Remote extends ForwardingBackupTarget {
    private final Map<String, AtomicInteger> opens = new ConcurrentHashMap<>();

    Remote(BackupTarget store) {
      super(store);
    }

    int opens(String key) {
      AtomicInteger n = opens.get(key);
      return n == null ? 0 : n.get();
    }

    @Override
    public InputStream open(BackupKey key) {
      opens.computeIfAbsent(key.value(), k -> new AtomicInteger()).incrementAndGet();
      return super.open(key);
    }
  }
}
