package io.streamdr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.kafka.backup.ContinuousBackup;
import io.streamdr.testing.MutableClock;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore and verify as a data owner tries them: restores that must not duplicate into targets that already hold
 * data, a verifier that must not pass a wrong copy, and a catalog that must notice an edited or incomplete backup.
 */
class RestoreVerifyTrustIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2")
      .brokerProperty("log.cleaner.backoff.ms", "100").build();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static int topicNo;

  @TempDir Path dir;

  private String config() throws Exception {
    return config(WEST.bootstrapServers());
  }

  private String config(String westBootstrap) throws Exception {
    return TwoRegionConfig.write(dir, "streamdr-" + westBootstrap.hashCode() + ".yaml", EAST.bootstrapServers(), westBootstrap);
  }

  private static String topic(String what) {
    return what + "-" + (++topicNo) + "-" + Long.toHexString(System.nanoTime());
  }

  /** Records key-i / value-i stamped {@code baseTs + i}, in order, to one partition. */
  private static void produce(EmbeddedKafkaCluster cluster, String topic, int partition, String prefix, int from, int to, long baseTs) {
    produce(cluster, topic, partition, prefix, from, to, baseTs, "");
  }

  /** The same, each value followed by {@code padding}. */
  private static void produce(EmbeddedKafkaCluster cluster, String topic, int partition, String prefix, int from, int to, long baseTs,
      String padding) {
    Map<String, Object> c = cluster.clientConfig();
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    try (var producer = new KafkaProducer<String, String>(c, new StringSerializer(), new StringSerializer())) {
      for (int i = from; i < to; i++) {
        producer.send(new ProducerRecord<>(topic, partition, baseTs + i, prefix + "-" + i, "value-" + i + padding));
      }
      producer.flush();
    }
  }

  /** Records a partition holds (its offset range). */
  private static long count(EmbeddedKafkaCluster cluster, String topic) throws Exception {
    try (Admin admin = cluster.admin()) {
      int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
      Map<TopicPartition, OffsetSpec> start = new HashMap<>();
      Map<TopicPartition, OffsetSpec> end = new HashMap<>();
      for (int p = 0; p < partitions; p++) {
        start.put(new TopicPartition(topic, p), OffsetSpec.earliest());
        end.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      var s = admin.listOffsets(start).all().get(30, TimeUnit.SECONDS);
      var e = admin.listOffsets(end).all().get(30, TimeUnit.SECONDS);
      return e.keySet().stream().mapToLong(tp -> e.get(tp).offset() - s.get(tp).offset()).sum();
    }
  }

  /** Records a topic holds now, read (compaction leaves offsets behind, so counting offsets is not enough). */
  private static long read(EmbeddedKafkaCluster cluster, String topic) {
    Map<String, Object> c = cluster.clientConfig();
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (var consumer = new KafkaConsumer<String, String>(c, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> tps = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      long n = 0;
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        n += consumer.poll(Duration.ofMillis(200)).count();
      }
      return n;
    }
  }

  private static Set<String> topics(EmbeddedKafkaCluster cluster) throws Exception {
    try (Admin admin = cluster.admin()) {
      return admin.listTopics().names().get(30, TimeUnit.SECONDS);
    }
  }

  /** A new topic of one partition in us-east-1 holding {@code records} records, and its full backup {@code id}. */
  private static String backedUp(String cfg, String what, int records, String id, Map<String, String> configs) {
    String t = topic(what);
    EAST.createTopic(t, 1, 1, configs);
    produce(EAST, t, 0, what.substring(0, 1), 0, records, 1_000);
    ok("backup", "-c", cfg, "--topics", t, "--id", id);
    return t;
  }

  private static final Map<String, String> KEEP = Map.of("retention.ms", "-1");

  /** A new one-partition topic in both regions, each holding the same {@code records} records. */
  private static String inBothRegions(String what, int records) {
    String t = topic(what);
    EAST.createTopic(t, 1, 1, KEEP);
    WEST.createTopic(t, 1, 1, KEEP);
    produce(EAST, t, 0, what.substring(0, 1), 0, records, 1_000);
    produce(WEST, t, 0, what.substring(0, 1), 0, records, 1_000);
    return t;
  }

  private static String[] ok(String... args) {
    String[] r = StreamDrCliTest.run(args);
    assertThat(r[0]).as("streamdr %s%nout: %s%nerr: %s", String.join(" ", args), r[1], r[2]).isEqualTo("0");
    return r;
  }

  @Test
  void restoring_again_with_a_rename_writes_only_the_renamed_topic_and_topics_choose_what_is_restored() throws Exception {
    String cfg = config();
    String a = topic("orders");
    String b = topic("payments");
    EAST.createTopic(a, 2, 1, Map.of("retention.ms", "-1"));
    EAST.createTopic(b, 1, 1, Map.of("retention.ms", "-1"));
    produce(EAST, a, 0, "a", 0, 20, 1_000);
    produce(EAST, a, 1, "a", 20, 30, 1_000);
    produce(EAST, b, 0, "b", 0, 20, 1_000);
    ok("backup", "-c", cfg, "--topics", a + "," + b, "--id", "full1");
    ok("restore", "-c", cfg, "--backup", "full1", "--region", "us-west-2");
    assertThat(count(WEST, a)).isEqualTo(30);

    String[] renamed = ok("restore", "-c", cfg, "--backup", "full1", "--region", "us-west-2", "--rename", a + "=" + a + "-copy");
    assertThat(renamed[1]).contains("30 records written, 20 already there");
    assertThat(count(WEST, a + "-copy")).isEqualTo(30);
    assertThat(count(WEST, a)).as("the topics restored before are not written again").isEqualTo(30);
    assertThat(count(WEST, b)).isEqualTo(20);

    Path copies = dir.resolve("copies");
    ok("restore", "-c", cfg, "--backup", "full1", "--region", "us-west-2", "--topics", b, "--rename", b + "=" + b + "-only",
        "--local-copy-dir", copies.toString());
    assertThat(count(WEST, b + "-only")).isEqualTo(20);
    assertThat(copies.toFile().list()).as("the local copies are deleted when the restore ends").isEmpty();
    assertThat(topics(WEST)).doesNotContain(a + "-only");
  }

  @Test
  void a_rename_or_topic_the_backup_lacks_is_refused_before_anything_is_written() throws Exception {
    String cfg = config();
    String t = backedUp(cfg, "occupied", 10, "typo", KEEP);
    for (String[] args : List.of(
        new String[] {"restore", "-c", cfg, "--backup", "typo", "--region", "us-west-2", "--rename", t + "d=foo"},
        new String[] {"restore", "-c", cfg, "--backup", "typo", "--region", "us-west-2", "--rename", t + "d=foo", "--dry-run"},
        new String[] {"restore", "-c", cfg, "--backup", "typo", "--region", "us-west-2", "--topics", t + "d"})) {
      String[] r = StreamDrCliTest.run(args);
      assertThat(r[0]).as(String.join(" ", args)).isEqualTo("2");
      assertThat(r[2]).contains("'" + t + "d'").contains("holds no topic").contains(t);
    }
    assertThat(topics(WEST)).doesNotContain(t, "foo");
  }

  @Test
  void a_chain_restored_after_its_full_backup_writes_each_record_once_and_a_target_holding_other_records_is_refused()
      throws Exception {
    String cfg = config();
    String t = topic("chain");
    EAST.createTopic(t, 1, 1, Map.of("retention.ms", "-1"));
    produce(EAST, t, 0, "c", 0, 40, 1_000);
    ok("backup", "-c", cfg, "--topics", t, "--id", "chain-full");
    produce(EAST, t, 0, "c", 40, 50, 1_000);
    ok("backup", "-c", cfg, "--topics", t, "--id", "chain-inc", "--incremental-from", "chain-full");
    ok("restore", "-c", cfg, "--backup", "chain-full", "--region", "us-west-2");
    String[] inc = ok("restore", "-c", cfg, "--backup", "chain-inc", "--region", "us-west-2");
    assertThat(inc[1]).contains("10 records written, 40 already there");
    assertThat(count(WEST, t)).isEqualTo(50);
    assertThat(ok("verify", "-c", cfg, "--topics", t)[1]).contains("PASSED");

    String occupied = topic("foreign");
    EAST.createTopic(occupied, 1, 1, Map.of("retention.ms", "-1"));
    produce(EAST, occupied, 0, "mine", 0, 30, 1_000);
    WEST.createTopic(occupied, 1, 1, Map.of("retention.ms", "-1"));
    produce(WEST, occupied, 0, "unrelated", 0, 50, 5_000);
    ok("backup", "-c", cfg, "--topics", occupied, "--id", "occupied");
    String[] dry = ok("restore", "-c", cfg, "--backup", "occupied", "--region", "us-west-2", "--dry-run");
    assertThat(dry[1]).contains(occupied + "-0: holds records at offsets 0..49 that are not the backup's").contains("REFUSED")
        .contains("would be refused").contains("Nothing was written.");
    String[] refused = StreamDrCliTest.run("restore", "-c", cfg, "--backup", "occupied", "--region", "us-west-2");
    assertThat(refused[0]).isEqualTo("2");
    assertThat(refused[2]).contains("nothing was written").contains(occupied + "-0").contains("--append");
    assertThat(count(WEST, occupied)).isEqualTo(50);

    assertThat(ok("restore", "-c", cfg, "--backup", "occupied", "--region", "us-west-2", "--append")[1])
        .contains("30 records written");
    assertThat(count(WEST, occupied)).isEqualTo(80);
    assertThat(ok("restore", "-c", cfg, "--backup", "occupied", "--region", "us-west-2", "--append")[1])
        .as("an append run again resumes, it does not append twice").contains("0 records written, 30 already there");
    assertThat(count(WEST, occupied)).isEqualTo(80);
  }

  @Test
  void verify_fails_a_copy_holding_every_record_twice_and_reports_the_true_ranges() throws Exception {
    String cfg = config();
    String t = inBothRegions("doubled", 102);
    produce(WEST, t, 0, "d", 0, 102, 1_000); // the copy holds every record twice

    String[] text = StreamDrCliTest.run("verify", "-c", cfg, "--topics", t);
    assertThat(text[0]).as(text[1]).isEqualTo("1");
    assertThat(text[1]).contains("Integrity FAILED").contains("source 102 records [0..101], target 204 records [0..203]")
        .contains("EXTRA " + t + "[0] source offset -1, target offset 102, 102 record(s)").contains("Cut: source end offsets");
    assertThat(text[2]).as("a failed comparison is not shown as a success").contains("✘").doesNotContain("✔");

    String[] json = StreamDrCliTest.run("verify", "-c", cfg, "--topics", t, "--json");
    JsonNode report = JSON.readTree(json[1]);
    assertThat(report.path("verdict").asText()).isEqualTo("FAILED");
    assertThat(report.path("partitions").get(0).path("beyondCutoff").asLong()).isZero();
    assertThat(report.path("partitions").get(0).path("targetRecords").asLong()).isEqualTo(204);
    assertThat(report.path("cut").asText()).contains("when verification started");

    ok("backup", "-c", cfg, "--topics", t, "--id", "doubled");
    String[] backup = StreamDrCliTest.run("verify", "-c", cfg, "--backup", "doubled", "--target", "us-west-2");
    assertThat(backup[0]).as(backup[1]).isEqualTo("1");
    assertThat(backup[1]).contains("FAILED").contains("EXTRA");

    String framed = topic("framed"); // 50 foreign records before the copy, 100 after
    EAST.createTopic(framed, 1, 1, Map.of("retention.ms", "-1"));
    WEST.createTopic(framed, 1, 1, Map.of("retention.ms", "-1"));
    produce(EAST, framed, 0, "f", 0, 30, 1_000);
    produce(WEST, framed, 0, "lead", 0, 50, 9_000);
    produce(WEST, framed, 0, "f", 0, 30, 1_000);
    produce(WEST, framed, 0, "trail", 0, 100, 9_000);
    JsonNode both = JSON.readTree(StreamDrCliTest.run("verify", "-c", cfg, "--topics", framed, "--json")[1]);
    assertThat(both.path("verdict").asText()).isEqualTo("FAILED");
    List<String> extras = Stream.of(JSON.treeToValue(both.path("discrepancies"), JsonNode[].class))
        .map(d -> d.path("kind").asText() + "@" + d.path("targetOffset").asLong() + "x" + d.path("count").asLong()).toList();
    assertThat(extras).containsExactly("EXTRA@0x50", "EXTRA@80x100");
  }

  @Test
  void records_the_source_holds_after_a_cut_off_are_beyond_it_and_the_cut_off_names_itself() throws Exception {
    String cfg = config();
    String t = inBothRegions("live", 40);
    // a cut-off before the last ten: the target's last ten are the source's records after the cut, so they pass
    String[] r = StreamDrCliTest.run("verify", "-c", cfg, "--topics", t, "--cutoff", "1970-01-01T00:00:01.029Z", "--json");
    JsonNode report = JSON.readTree(r[1]);
    assertThat(report.path("verdict").asText()).as(r[1]).isEqualTo("PASSED");
    assertThat(report.path("partitions").get(0).path("sourceRecords").asLong()).isEqualTo(30);
    assertThat(report.path("partitions").get(0).path("beyondCutoff").asLong()).isEqualTo(10);
    assertThat(report.path("cut").asText()).contains("1970-01-01T00:00:01.029Z");
  }

  @Test
  void an_edited_manifest_is_a_damaged_backup_for_verify_list_and_restore() throws Exception {
    String cfg = config();
    String t = backedUp(cfg, "edited", 10, "edited", Map.of("cleanup.policy", "compact"));
    Path manifest = dir.resolve("backups/topic-backups/edited/manifest.json");
    String original = Files.readString(manifest);
    assertThat(original).contains("\"cleanup.policy\" : \"compact\"");
    Files.writeString(manifest, original.replace("\"cleanup.policy\" : \"compact\"", "\"cleanup.policy\" : \"delete\""));

    String[] verify = StreamDrCliTest.run("backups", "verify", "edited", "-c", cfg);
    assertThat(verify[0]).as(verify[1] + verify[2]).isEqualTo("1");
    assertThat(verify[1]).contains("DAMAGED").contains("was changed after it was written");
    String[] list = StreamDrCliTest.run("backups", "list", "-c", cfg);
    assertThat(list[0]).isEqualTo("1");
    assertThat(list[1]).contains("edited").contains("DAMAGED");
    String[] restore = StreamDrCliTest.run("restore", "-c", cfg, "--backup", "edited", "--region", "us-west-2");
    assertThat(restore[0]).isEqualTo("2");
    assertThat(restore[2]).contains("was changed after it was written");
    assertThat(topics(WEST)).doesNotContain(t);
  }

  @Test
  void an_incremental_whose_full_backup_is_gone_is_reported_unrestorable() throws Exception {
    String cfg = config();
    String t = backedUp(cfg, "orphan", 10, "orphan-full", KEEP);
    produce(EAST, t, 0, "o", 10, 20, 1_000);
    ok("backup", "-c", cfg, "--topics", t, "--id", "orphan-inc", "--incremental-from", "orphan-full");
    assertThat(ok("backups", "verify", "orphan-inc", "-c", cfg)[1]).contains("intact").contains("[orphan-full, orphan-inc]");
    Files.delete(dir.resolve("backups/topic-backups/orphan-full/manifest.json"));

    String[] verify = StreamDrCliTest.run("backups", "verify", "orphan-inc", "-c", cfg);
    assertThat(verify[0]).as(verify[1]).isEqualTo("1");
    assertThat(verify[1]).contains("DAMAGED").contains("orphan-inc continues orphan-full, which is missing");
    String[] restore = StreamDrCliTest.run("restore", "-c", cfg, "--backup", "orphan-inc", "--region", "us-west-2");
    assertThat(restore[0]).isEqualTo("2");
    assertThat(restore[2]).contains("orphan-full").contains("missing");
  }

  @Test
  void a_damaged_segment_makes_the_restore_write_nothing_at_all_and_names_it_once() throws Exception {
    String cfg = config();
    String t = topic("damaged");
    EAST.createTopic(t, 2, 1, Map.of("retention.ms", "-1"));
    produce(EAST, t, 0, "x", 0, 500, 1_000);
    produce(EAST, t, 1, "y", 0, 500, 1_000);
    ok("backup", "-c", cfg, "--topics", t, "--id", "damaged");
    Path segment;
    try (Stream<Path> files = Files.walk(dir.resolve("backups/topic-backups/damaged/data/" + t + "/1"))) {
      segment = files.filter(f -> f.toString().endsWith(".seg")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(segment);
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(segment, bytes);

    String[] r = StreamDrCliTest.run("restore", "-c", cfg, "--backup", "damaged", "--region", "us-west-2");
    assertThat(r[0]).isEqualTo("2");
    String message = r[2];
    assertThat(message).contains("Backup damaged, " + t + "-1").contains(segment.getFileName().toString());
    assertThat(message.split("frame", -1)).as("the frame is named once: %s", message).hasSizeLessThanOrEqualTo(2);
    assertThat(topics(WEST)).as("not even the intact partition's topic was created").doesNotContain(t);

    String[] pipelined = StreamDrCliTest.run("restore", "-c", cfg, "--backup", "damaged", "--region", "us-west-2", "--pipelined");
    assertThat(pipelined[0]).isEqualTo("2");
    assertThat(pipelined[2]).contains("Backup damaged, " + t + "-1");
  }

  @Test
  void a_target_whose_cleaner_compacted_the_restored_topic_compares_identical_by_latest_value_per_key() throws Exception {
    String cfg = config();
    String t = topic("compacted");
    EAST.createTopic(t, 1, 1, Map.of("cleanup.policy", "compact", "segment.ms", "100", "min.cleanable.dirty.ratio", "0.001",
        "delete.retention.ms", "100"));
    String padding = "x".repeat(1024);
    int rounds = 30; // the same 20 keys thirty times: 600 KiB, so the restore writes several batches
    for (int round = 0; round < rounds; round++) {
      produce(EAST, t, 0, "k", 0, 20, round * 100L, padding);
    }
    ok("backup", "-c", cfg, "--topics", t, "--id", "compacted");
    ok("restore", "-c", cfg, "--backup", "compacted", "--region", "us-west-2");
    // The restored topic carries the compaction settings. A record equal to the latest of one key rolls the segment;
    // the cleaner then removes superseded values (it keeps the restoring producer's last batch whole, as it keeps
    // every producer's last batch).
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (read(WEST, t) >= 20 * rounds && System.nanoTime() < deadline) {
      produce(WEST, t, 0, "k", 19, 20, (rounds - 1) * 100L, padding);
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
    }
    assertThat(read(WEST, t)).as("the target's cleaner compacted the restored topic").isLessThan(20L * rounds);

    String[] r = StreamDrCliTest.run("verify", "-c", cfg, "--backup", "compacted", "--target", "us-west-2");
    assertThat(r[0]).as(r[1]).isEqualTo("0");
    assertThat(r[1]).contains("PASSED").contains("compared by latest value per key (20 live keys)");
  }

  @Test
  void prune_removes_what_killed_backups_left_and_says_how_much() throws Exception {
    String cfg = config();
    String t = backedUp(cfg, "pruned", 5, "pruned", KEEP);
    Path tmp = dir.resolve("backups/.streamdr/tmp");
    // a write of a process that is gone: its owner holds no lock any more
    Files.write(tmp.resolve("w0123456789abcdef-3f1e.part"), new byte[2048]);
    String[] r = ok("backups", "prune", "-c", cfg);
    assertThat(r[1]).contains("Removed 1 temporary file(s) of killed backups, 2.0 KiB freed");
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
    }
  }

  @Test
  void errors_name_what_is_wrong_in_the_command_line_s_terms() throws Exception {
    String cfg = config();
    String[] missing = StreamDrCliTest.run("restore", "-c", cfg, "--backup", "nope", "--region", "us-west-2");
    assertThat(missing[0]).isEqualTo("2");
    assertThat(missing[2]).contains("'nope'").contains("streamdr backups list").doesNotContain("BackupCatalog");

    String[] when = StreamDrCliTest.run("restore", "-c", cfg, "--backup", "nope", "--region", "us-west-2", "--point-in-time", "yesterday");
    assertThat(when[0]).isEqualTo("2");
    assertThat(when[2]).contains("'yesterday' is not a point in time").contains("2026-11-24T05:30:00Z").doesNotContain("java.");

    String closed = "127.0.0.1:1";
    String t = topic("unreachable");
    EAST.createTopic(t, 1, 1, Map.of());
    String[] refused = StreamDrCliTest.run("verify", "-c", config(closed), "--topics", t);
    assertThat(refused[0]).isEqualTo("2");
    assertThat(refused[2]).contains(closed).contains("connection refused");
  }

  @Test
  void a_continuous_backup_is_restored_by_its_name_from_the_checkpoint_for_a_point_in_time() throws Exception {
    String cfg = config();
    String t = topic("stream");
    EAST.createTopic(t, 1, 1, KEEP);
    Instant t0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    produce(EAST, t, 0, "s", 0, 20, t0.minusSeconds(60).toEpochMilli());
    produce(EAST, t, 0, "s", 20, 30, t0.plusSeconds(45).toEpochMilli());
    // the backup the sink connector writes, through the same API: two segments, a checkpoint after each
    MutableClock clock = new MutableClock(t0);
    ContinuousBackup continuous = new ContinuousBackup(new FileSystemBackupTarget(dir.resolve("backups")), "stream-backup", clock);
    List<ConsumerRecord<byte[], byte[]>> records = readBytes(EAST, t, 30);
    try (Admin admin = EAST.admin()) {
      for (List<ConsumerRecord<byte[], byte[]>> part : List.of(records.subList(0, 20), records.subList(20, 30))) {
        ContinuousBackup.Segment segment = continuous.startSegment(new TopicPartition(t, 0), part.get(0).offset(), 1);
        part.forEach(r -> segment.write(r.offset(), r.timestamp(), (byte) r.timestampType().id, r.key(), r.value(), List.of()));
        segment.publish();
        continuous.checkpoint(admin, List.of(t), List.of(), Duration.ofSeconds(30));
        clock.advance(Duration.ofMinutes(1));
      }
    }
    String second = continuous.checkpointId(t0.plusSeconds(60));
    assertThat(continuous.checkpointIds().values()).containsExactly(continuous.checkpointId(t0), second);

    String[] listed = ok("backups", "list", "-c", cfg);
    assertThat(listed[1]).contains("stream-backup").contains("CONTINUOUS").contains("2 checkpoint(s)").contains(second);
    assertThat(ok("backups", "list", "-c", cfg, "--checkpoints")[1]).contains(continuous.checkpointId(t0)).contains(second);
    // between the two checkpoints: the second (the first taken after the point), cut at the point
    String[] atPoint = ok("restore", "-c", cfg, "--backup", "stream-backup", "--point-in-time", t0.plusSeconds(30).toString(),
        "--region", "us-west-2", "--rename", t + "=" + t + "-at-point");
    assertThat(atPoint[2]).contains("Continuous backup stream-backup: restoring its checkpoint " + second);
    assertThat(read(WEST, t + "-at-point")).as("the records stamped up to the point").isEqualTo(20);
    String[] newest = ok("restore", "-c", cfg, "--backup", "stream-backup", "--region", "us-west-2", "--rename", t + "=" + t + "-newest");
    assertThat(newest[2]).contains(second).contains("the newest");
    assertThat(read(WEST, t + "-newest")).isEqualTo(30);
    ok("backups", "verify", second, "-c", cfg);
    String[] pruned = ok("backups", "prune", "-c", cfg, "--dry-run", "--now", t0.plus(Duration.ofDays(40)).toString());
    assertThat(pruned[1]).contains("Continuous backup stream-backup: would delete 1 checkpoint(s), kept 1")
        .contains("would delete 0 segment(s)");
  }

  private static List<ConsumerRecord<byte[], byte[]>> readBytes(EmbeddedKafkaCluster cluster, String topic, int count) {
    try (var consumer = new KafkaConsumer<byte[], byte[]>(cluster.clientConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      List<ConsumerRecord<byte[], byte[]>> out = new java.util.ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      assertThat(out).hasSize(count);
      return out;
    }
  }
}
