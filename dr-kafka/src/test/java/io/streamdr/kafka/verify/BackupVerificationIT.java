package io.streamdr.kafka.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.verify.Discrepancy;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.PartitionResult;
import io.streamdr.core.verify.ReplicationNaming;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@link BackupIntegrityVerifier}: a backup compared with a real cluster, record by record. */
class BackupVerificationIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("us-east-1").build();

  @TempDir
  Path dir;

  private IntegrityReport verify(FileSystemBackupTarget target, String backupId, ReplicationNaming naming) {
    BackupIntegrityVerifier verifier = new BackupIntegrityVerifier(target, Map.of("us-east-1", KAFKA.clientConfig()));
    return verifier.verify(verifier.requestFor(backupId, "us-east-1").naming(naming).build());
  }

  private static void produce(String topic) {
    Map<String, String> data = new LinkedHashMap<>();
    for (int i = 0; i < 200; i++) {
      data.put("account-" + i, "{\"balance\":" + i + "}");
    }
    KAFKA.produce(topic, data);
  }

  @Test
  void a_backup_matches_its_source_and_a_renamed_restore_of_it() {
    KAFKA.createTopic("accounts", 2, 1, Map.of("retention.ms", "-1"));
    produce("accounts");
    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    BackupManifest full = TopicBackup.builder(KAFKA.clientConfig(), target).topics(List.of("accounts")).build().full();

    IntegrityReport source = verify(target, full.id(), ReplicationNaming.identity());
    assertThat(source.verdict()).as(source.toText()).isEqualTo(IntegrityReport.Verdict.PASSED);
    assertThat(source.partitions()).hasSize(2);
    assertThat(source.partitions().stream().mapToLong(PartitionResult::sourceRecords).sum()).isEqualTo(200);
    assertThat(source.source()).isEqualTo("backup " + full.id());

    TopicRestore.builder(KAFKA.clientConfig(), target, full.id()).rename("accounts", "accounts-restored").build().run();
    IntegrityReport restored = verify(target, full.id(), t -> t + "-restored");
    assertThat(restored.verdict()).as(restored.toText()).isEqualTo(IntegrityReport.Verdict.PASSED);
    assertThat(restored.partitions()).allSatisfy(p -> {
      assertThat(p.targetTopic()).isEqualTo("accounts-restored");
      assertThat(p.targetRecords()).isEqualTo(p.sourceRecords());
      assertThat(p.targetDigest()).isEqualTo(p.sourceDigest());
    });
  }

  @Test
  void a_copy_that_lost_one_record_and_altered_another_is_located_record_by_record() throws Exception {
    KAFKA.createTopic("ledger", 1, 1, Map.of("retention.ms", "-1"));
    produce("ledger");
    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    BackupManifest full = TopicBackup.builder(KAFKA.clientConfig(), target).topics(List.of("ledger")).build().full();
    // a damaged copy: the record at offset 50 lost, the one at offset 120 altered, everything else identical
    KAFKA.createTopic("ledger-copy", 1, 1, Map.of("retention.ms", "-1"));
    List<ConsumerRecord<String, String>> original = KAFKA.read("ledger", 200, Duration.ofSeconds(30));
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(KAFKA.clientConfig(), new StringSerializer(), new StringSerializer())) {
      for (ConsumerRecord<String, String> r : original) {
        if (r.offset() == 50) {
          continue;
        }
        String value = r.offset() == 120 ? "{\"balance\":-1}" : r.value();
        producer.send(new ProducerRecord<>("ledger-copy", 0, r.timestamp(), r.key(), value)).get();
      }
    }
    IntegrityReport report = verify(target, full.id(), t -> t + "-copy");
    assertThat(report.verdict()).isEqualTo(IntegrityReport.Verdict.FAILED);
    assertThat(report.discrepancies()).extracting(Discrepancy::kind, Discrepancy::sourceOffset)
        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(Discrepancy.Kind.MISSING, 50L),
            org.assertj.core.groups.Tuple.tuple(Discrepancy.Kind.ALTERED, 120L));
  }

  @Test
  void a_damaged_segment_is_named_instead_of_compared() throws Exception {
    KAFKA.createTopic("orders-v", 1, 1, Map.of("retention.ms", "-1"));
    produce("orders-v");
    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    BackupManifest full = TopicBackup.builder(KAFKA.clientConfig(), target).topics(List.of("orders-v")).build().full();
    String segment = full.topic("orders-v").orElseThrow().partitions().get(0).segments().get(0).key();
    Path file;
    try (Stream<Path> files = Files.walk(dir)) {
      file = files.filter(p -> p.toString().endsWith(segment)).findFirst().orElseThrow();
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(raf.length() / 2);
      int b = raf.read();
      raf.seek(raf.length() / 2);
      raf.write(b ^ 0xFF);
    }
    assertThatThrownBy(() -> verify(target, full.id(), ReplicationNaming.identity()))
        .isInstanceOf(BackupCorruptedException.class).hasMessageContaining(segment);
  }

  @Test
  void a_request_compares_only_the_topics_it_names_and_refuses_what_does_not_apply_to_a_backup() {
    KAFKA.createTopic("payments", 1, 1, Map.of("retention.ms", "-1"));
    KAFKA.createTopic("refunds", 1, 1, Map.of("retention.ms", "-1"));
    produce("payments");
    produce("refunds");
    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    BackupManifest full = TopicBackup.builder(KAFKA.clientConfig(), target).topics(List.of("payments", "refunds")).build().full();
    BackupIntegrityVerifier verifier = new BackupIntegrityVerifier(target, Map.of("us-east-1", KAFKA.clientConfig()));

    assertThat(verifier.requestFor(full.id(), "us-east-1").build().topics()).containsExactlyInAnyOrder("payments", "refunds");
    IntegrityReport one = verifier.verify(verifier.requestFor(full.id(), "us-east-1").topics("refunds").build());
    assertThat(one.verdict()).as(one.toText()).isEqualTo(IntegrityReport.Verdict.PASSED);
    assertThat(one.partitions()).extracting(PartitionResult::topic).containsOnly("refunds");

    assertThatThrownBy(() -> verifier.verify(verifier.requestFor(full.id(), "us-east-1").topics("chargebacks").build()))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("holds no topic chargebacks")
        .hasMessageContaining("payments");
    assertThatThrownBy(() -> verifier.verify(verifier.requestFor(full.id(), "us-east-1").cutoff(java.time.Instant.now()).build()))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("cut");
    assertThatThrownBy(() -> verifier.verify(verifier.requestFor(full.id(), "us-east-1").groups(List.of("billing")).build()))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("billing");
  }
}
