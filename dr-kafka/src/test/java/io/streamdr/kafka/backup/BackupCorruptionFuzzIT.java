package io.streamdr.kafka.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.DrException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.fake.InMemoryBackupTarget;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Corruption fuzzing, property-based (jqwik): random byte flips, truncations, insertions and deletions anywhere in the
 * segments and manifests of real backups (a full one and an incremental continuing it, zstd-compressed and stored)
 * must every time be found by {@code backups verify} and by a restore before the restore writes anything, naming the
 * damaged object; and an undamaged copy must verify clean. Seeded by jqwik (a failure prints its seed, and jqwik's
 * database replays it first next time); the tries per property are jqwik's {@code jqwik.tries.default} (500 in
 * {@code junit-platform.properties}; {@code -Djqwik.tries.default=10000} for the longer run).
 */
class BackupCorruptionFuzzIT {
  static EmbeddedKafkaCluster kafka;
  static InMemoryBackupTarget pristine;
  static List<BackupKey> objects;
  static final AtomicInteger RESTORES = new AtomicInteger();
  static final Map<String, AtomicInteger> DETECTED_BY = new ConcurrentHashMap<>();
  static final Map<String, String> EXAMPLE = new ConcurrentHashMap<>();

  @BeforeContainer
  static void backUp() throws Exception {
    kafka = EmbeddedKafkaCluster.builder().name("fuzz").build();
    kafka.start();
    kafka.createTopic("fuzzed", 2, 1, Map.of("retention.ms", "-1")); // the records carry 2023 timestamps
    pristine = new InMemoryBackupTarget();
    produce(0, 300);
    TopicBackup.builder(kafka.clientConfig(), pristine).topics(List.of("fuzzed")).segmentBytes(4 * 1024).build().full("full");
    produce(300, 400);
    TopicBackup.builder(kafka.clientConfig(), pristine).topics(List.of("fuzzed")).segmentBytes(4 * 1024).compressionLevel(0)
        .build().incremental("incr", "full");
    // what a restore reads: the segments and the manifests (the sidecars and plan.json only guide a resumed backup)
    objects = pristine.list("topic-backups/").stream().map(BackupObject::key)
        .filter(k -> k.value().endsWith(".seg") || k.value().endsWith("/manifest.json")).toList();
    assertThat(objects).hasSizeGreaterThan(4);
  }

  @AfterContainer
  static void stop() {
    if (kafka != null) {
      kafka.close();
    }
    System.out.printf("corruption fuzzing: detected by %s; restores attempted %d%n", DETECTED_BY, RESTORES.get());
    EXAMPLE.forEach((k, v) -> System.out.printf("  %s, e.g.: %s%n", k, v));
  }

  private static void produce(int from, int to) throws Exception {
    Map<String, Object> c = kafka.clientConfig();
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = from; i < to; i++) {
        byte[] value = ("value-" + i + "-" + "x".repeat(i % 50)).getBytes(StandardCharsets.UTF_8);
        p.send(new ProducerRecord<>("fuzzed", i % 2, 1_700_000_000_000L + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
            i % 17 == 0 ? null : value)).get();
      }
    }
  }

  /** One damage: which object, what, where and how much. */
  record Damage(int object, String kind, double at, int length, int seed) {
    byte[] apply(byte[] bytes) {
      int pos = (int) Math.min(bytes.length - 1, Math.floor(at * bytes.length));
      int n = Math.max(1, Math.min(length, bytes.length - pos));
      return switch (kind) {
        case "flip" -> {
          byte[] out = bytes.clone();
          for (int i = 0; i < n; i++) {
            out[pos + i] ^= (byte) (1 << ((seed + i) % 8)); // never 0: every flipped byte changes
          }
          yield out;
        }
        case "truncate" -> Arrays.copyOf(bytes, pos);
        case "insert" -> {
          byte[] out = new byte[bytes.length + n];
          System.arraycopy(bytes, 0, out, 0, pos);
          for (int i = 0; i < n; i++) {
            out[pos + i] = (byte) (seed * 31 + i);
          }
          System.arraycopy(bytes, pos, out, pos + n, bytes.length - pos);
          yield out;
        }
        default -> { // delete
          byte[] out = new byte[bytes.length - n];
          System.arraycopy(bytes, 0, out, 0, pos);
          System.arraycopy(bytes, pos + n, out, pos, bytes.length - pos - n);
          yield out;
        }
      };
    }
  }

  @Provide
  Arbitrary<Damage> damages() {
    return Combinators.combine(Arbitraries.integers().between(0, 10_000), Arbitraries.of("flip", "truncate", "insert", "delete"),
        Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(1, 64), Arbitraries.integers().between(1, 1_000_000))
        .as(Damage::new);
  }

  /** A copy of the pristine backups with one object damaged; returns the damaged key. */
  private static BackupKey damage(InMemoryBackupTarget copy, Damage d) {
    for (BackupObject o : pristine.list("")) {
      copy.put(o.key(), pristine.readAll(o.key()));
    }
    BackupKey key = objects.get(d.object() % objects.size());
    byte[] damaged = d.apply(pristine.readAll(key));
    assertThat(damaged).as("the damage changes %s", key).isNotEqualTo(pristine.readAll(key));
    copy.put(key, damaged);
    return key;
  }

  /** The backup whose chain holds the object. */
  private static String backupOf(BackupKey key) {
    return key.value().startsWith("topic-backups/full/") ? "full" : "incr";
  }

  @Property(edgeCases = EdgeCasesMode.MIXIN)
  void backups_verify_finds_every_damage_and_names_the_object(@ForAll("damages") Damage d) {
    InMemoryBackupTarget copy = new InMemoryBackupTarget();
    BackupKey key = damage(copy, d);
    String problem;
    try {
      BackupCatalog.VerifyReport report = new BackupCatalog(copy).verify("incr"); // the chain holds both backups
      assertThat(report.ok()).as("%s of %s passed verification", d, key).isFalse();
      problem = String.join("; ", report.problems());
    } catch (DrException e) {
      problem = e.getMessage();
    }
    String object = key.value().endsWith("manifest.json") ? "manifest of backup " + backupOf(key) : key.value();
    assertThat(problem.toLowerCase(java.util.Locale.ROOT)).as("for %s", d).contains(object.toLowerCase(java.util.Locale.ROOT))
        .contains("restore from another backup");
    DETECTED_BY.computeIfAbsent(detector(problem), k -> new AtomicInteger()).incrementAndGet();
    EXAMPLE.putIfAbsent(detector(problem), problem);
  }

  private static String detector(String problem) {
    for (String s : List.of("CRC32C", "SHA-256", "truncated", "malformed frame", "impossible length", "unknown type", "decompressed",
        "magic", "format version", "unknown codec", "not a valid manifest", "was changed after", "no valid checksum", "records but")) {
      if (problem.contains(s)) {
        return s;
      }
    }
    return problem;
  }

  @Property(edgeCases = EdgeCasesMode.MIXIN)
  void a_restore_of_a_damaged_backup_writes_nothing(@ForAll("damages") Damage d) throws Exception {
    InMemoryBackupTarget copy = new InMemoryBackupTarget();
    BackupKey key = damage(copy, d);
    String target = "restored-" + RESTORES.incrementAndGet();
    Throwable refused = null;
    try {
      TopicRestore.builder(kafka.clientConfig(), copy, "incr").rename("fuzzed", target).build().run();
    } catch (DrException e) {
      refused = e;
    }
    assertThat(refused).as("%s of %s was restored", d, key).isNotNull();
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      assertThat(admin.listTopics().names().get()).as("a topic created for %s", d).doesNotContain(target);
    }
  }

  @Example
  void an_undamaged_copy_verifies_clean() {
    InMemoryBackupTarget copy = new InMemoryBackupTarget();
    for (BackupObject o : pristine.list("")) {
      copy.put(o.key(), pristine.readAll(o.key()));
    }
    BackupCatalog.VerifyReport report = new BackupCatalog(copy).verify("incr");
    assertThat(report.ok()).as(String.join("; ", report.problems())).isTrue();
    assertThat(report.recordsChecked()).isEqualTo(400);
  }
}
