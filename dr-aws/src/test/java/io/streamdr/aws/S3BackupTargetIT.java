package io.streamdr.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.NotFoundException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupOutputStream;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.backup.ForwardingBackupTarget;
import io.streamdr.kafka.backup.BackupCatalog;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.testing.BackupTargetContract;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedS3;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class S3BackupTargetIT extends BackupTargetContract {
  @RegisterExtension @Order(1)
  static final EmbeddedS3 S3 = EmbeddedS3.create();

  @RegisterExtension @Order(2)
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("s3-backups").build();

  private static int n;

  @BeforeAll
  static void bucket() {
    S3.createBucket("backups");
  }

  @Override
  protected BackupTarget target() {
    return S3BackupTarget.builder(S3.client(), "backups").prefix("test-" + (++n)).partSize(S3BackupTarget.MIN_PART_SIZE).build();
  }

  @Override
  protected boolean computesChecksums() {
    return true;
  }

  @Override
  protected boolean listsChecksums() {
    return false;
  }

  @Test
  void an_upload_left_by_a_killed_writer_is_aborted_once_old_enough_and_a_recent_one_is_kept() throws Exception {
    String prefix = "abandoned-" + (++n) + "/";
    // what a killed backup leaves: a multipart upload with a part, never completed nor aborted
    String uploadId = S3.client().createMultipartUpload(r -> r.bucket("backups").key(prefix + "data/t/0/1.seg")).uploadId();
    S3.client().uploadPart(r -> r.bucket("backups").key(prefix + "data/t/0/1.seg").uploadId(uploadId).partNumber(1),
        software.amazon.awssdk.core.sync.RequestBody.fromBytes(new byte[S3BackupTarget.MIN_PART_SIZE]));
    BackupTarget patient = S3BackupTarget.builder(S3.client(), "backups").prefix(prefix).build();
    assertThat(patient.removeAbandonedWrites()).as("younger than a day: it may be a live backup's").isEqualTo(BackupTarget.CleanUp.NONE);
    BackupTarget eager = S3BackupTarget.builder(S3.client(), "backups").prefix(prefix).abandonedAfter(java.time.Duration.ZERO).build();
    BackupTarget.CleanUp removed = eager.removeAbandonedWrites();
    assertThat(removed.objects()).isEqualTo(1);
    assertThat(removed.bytes()).isEqualTo(S3BackupTarget.MIN_PART_SIZE);
    assertThat(S3.client().listMultipartUploads(r -> r.bucket("backups").prefix(prefix)).uploads()).isEmpty();
  }

  @Test
  void an_aborted_multipart_upload_leaves_no_object_and_no_pending_upload() throws Exception {
    BackupTarget t = target();
    BackupOutputStream out = t.create(BackupKey.of("big.seg"));
    out.write(new byte[6 * 1024 * 1024]); // more than one part: a multipart upload has started
    assertThat(S3.client().listMultipartUploads(r -> r.bucket("backups")).uploads()).isNotEmpty();
    out.abort();
    assertThat(t.exists(BackupKey.of("big.seg"))).isFalse();
    assertThat(S3.client().listMultipartUploads(r -> r.bucket("backups")).uploads()).isEmpty();
  }

  @Test
  void a_multipart_upload_reports_the_sha256_of_the_whole_object() throws Exception {
    byte[] bytes = new byte[12 * 1024 * 1024]; // three parts of 5 MiB at most
    new java.util.Random(3).nextBytes(bytes);
    BackupOutputStream out = target().create(BackupKey.of("whole.seg"));
    assertThat(out.computesSha256()).isTrue();
    out.write(bytes);
    out.close();
    assertThat(out.sha256()).contains(java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(bytes)));
  }

  @Test
  void small_objects_carry_their_sha256_in_metadata() {
    BackupTarget t = target();
    t.put(BackupKey.of("m.json"), "abc".getBytes(StandardCharsets.UTF_8));
    assertThat(t.stat(BackupKey.of("m.json")).orElseThrow().sha256())
        .contains("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void a_missing_bucket_is_named_in_the_error() {
    BackupTarget t = S3BackupTarget.builder(S3.client(), "no-such-bucket").build();
    assertThatThrownBy(() -> t.put(BackupKey.of("x"), new byte[1])).isInstanceOf(NotFoundException.class)
        .hasMessageContaining("no-such-bucket");
    assertThatThrownBy(() -> t.list("")).isInstanceOf(NotFoundException.class).hasMessageContaining("no-such-bucket");
  }

  @Test
  void a_topic_backs_up_to_s3_and_restores_from_it(@TempDir Path copies) {
    KAFKA.createTopic("orders", 2, 1, Map.of());
    Map<String, String> data = new LinkedHashMap<>();
    for (int i = 0; i < 500; i++) {
      data.put("k" + i, "v" + i);
    }
    KAFKA.produce("orders", data);
    BackupTarget t = S3BackupTarget.builder(S3.client(), "backups").prefix("kafka/us-east-1").build();
    BackupManifest m = TopicBackup.builder(KAFKA.clientConfig(), t).topics(List.of("orders")).build().full("s3-full");
    assertThat(m.records()).isEqualTo(500);
    assertThat(new BackupCatalog(t).verify("s3-full").ok()).isTrue();
    // each segment is downloaded once: the restore produces from the local copy it kept while verifying
    Map<String, Integer> downloads = new ConcurrentHashMap<>();
    BackupTarget counted = new ForwardingBackupTarget(t) {
      @Override
      public InputStream open(BackupKey key) {
        if (key.value().endsWith(".seg")) {
          downloads.merge(key.value(), 1, Integer::sum);
        }
        return super.open(key);
      }
    };
    TopicRestore.builder(KAFKA.clientConfig(), counted, "s3-full").rename("orders", "orders-restored").localCopyDirectory(copies)
        .build().run();
    assertThat(KAFKA.read("orders-restored", 500, Duration.ofSeconds(30))).hasSize(500);
    assertThat(downloads).isNotEmpty().allSatisfy((key, n) -> assertThat(n).as(key).isEqualTo(1));
    assertThat(copies.toFile().list()).isEmpty();
    assertThat(S3.client().listObjectsV2(r -> r.bucket("backups").prefix("kafka/us-east-1/topic-backups/s3-full/")).contents())
        .anySatisfy(o -> assertThat(o.key()).endsWith("manifest.json"));
  }
}
