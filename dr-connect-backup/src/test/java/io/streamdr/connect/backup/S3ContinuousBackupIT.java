package io.streamdr.connect.backup;

import static io.streamdr.connect.backup.StreamDrBackupSinkTaskIT.TP;
import static io.streamdr.connect.backup.StreamDrBackupSinkTaskIT.at;
import static io.streamdr.connect.backup.StreamDrBackupSinkTaskIT.records;
import static io.streamdr.connect.backup.StreamDrBackupSinkTaskIT.task;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.aws.S3BackupTarget;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.ContinuousBackup;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedS3;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The task writing to an S3-compatible server configured by the connector's properties, as it writes to a directory. */
class S3ContinuousBackupIT {
  @RegisterExtension
  static final EmbeddedS3 S3 = EmbeddedS3.create();

  @RegisterExtension
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("s3-continuous-it").build();

  @Test
  void segments_go_to_the_bucket_and_prefix_the_properties_name_and_a_second_task_resumes_after_them() {
    S3.createBucket("continuous");
    StreamDrBackupSinkTaskIT.source(KAFKA);
    Map<String, String> props = new HashMap<>();
    props.put("name", "orders-backup");
    props.put("source.bootstrap.servers", KAFKA.bootstrapServers());
    props.put("backup.s3.bucket", "continuous");
    props.put("backup.s3.prefix", "east/");
    props.put("backup.s3.endpoint", S3.endpoint().toString());
    props.put("segment.bytes", "4096");
    // the AWS default credentials chain reads these system properties, as it reads AWS_ACCESS_KEY_ID from the environment
    System.setProperty("aws.accessKeyId", EmbeddedS3.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", EmbeddedS3.SECRET_KEY);
    try {
      StreamDrBackupSinkTask first = task(new StreamDrBackupSinkTaskIT.Context(), props);
      first.put(records(0, 40));
      long durable = first.preCommit(at(40)).get(TP).offset();
      first.stop();
      StreamDrBackupSinkTaskIT.Context context = new StreamDrBackupSinkTaskIT.Context();
      StreamDrBackupSinkTask second = task(context, props);
      assertThat(context.rewound).containsEntry(TP, durable);
      second.put(records(0, 80));
      long end = second.preCommit(at(80)).get(TP).offset();
      second.stop();

      ContinuousBackup backup = new ContinuousBackup(S3BackupTarget.builder(S3.client(), "continuous").prefix("east/").build(), "orders-backup");
      long expected = 0;
      for (BackupManifest.SegmentEntry seg : backup.segments(TP)) {
        assertThat(seg.firstOffset()).as("segment %s", seg.key()).isEqualTo(expected);
        expected = seg.lastOffset() + 1;
      }
      assertThat(expected).isEqualTo(end).isGreaterThan(durable);
      assertThat(S3.client().listObjectsV2(b -> b.bucket("continuous").prefix("east/continuous-backups/orders-backup/")).keyCount())
          .isPositive();
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }
}
