package io.streamdr.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Object;

class EmbeddedS3IT {
  @RegisterExtension
  static final EmbeddedS3 S3 = EmbeddedS3.create();

  @Test
  void a_multipart_upload_is_visible_only_after_completion_and_reads_back_whole() {
    S3.createBucket("backups");
    S3Client s3 = S3.client();
    String uploadId = s3.createMultipartUpload(b -> b.bucket("backups").key("seg/big.bin")).uploadId();
    byte[] fiveMiB = new byte[5 * 1024 * 1024];
    Arrays.fill(fiveMiB, (byte) 'x');
    List<CompletedPart> parts = new ArrayList<>();
    for (int n = 1; n <= 3; n++) {
      byte[] data = n < 3 ? fiveMiB : new byte[1024];
      int part = n;
      String etag = s3.uploadPart(b -> b.bucket("backups").key("seg/big.bin").uploadId(uploadId).partNumber(part),
          RequestBody.fromBytes(data)).eTag();
      parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
    }
    assertThat(s3.listObjectsV2(b -> b.bucket("backups").prefix("seg/")).contents()).isEmpty();
    s3.completeMultipartUpload(b -> b.bucket("backups").key("seg/big.bin").uploadId(uploadId)
        .multipartUpload(m -> m.parts(parts)));
    assertThat(s3.listObjectsV2(b -> b.bucket("backups").prefix("seg/")).contents())
        .extracting(S3Object::key, S3Object::size).containsExactly(org.assertj.core.groups.Tuple.tuple("seg/big.bin", 10L * 1024 * 1024 + 1024));
    assertThat(s3.getObjectAsBytes(b -> b.bucket("backups").key("seg/big.bin")).asByteArray()).hasSize(10 * 1024 * 1024 + 1024);
    assertThat(S3.endpoint().getHost()).isEqualTo("127.0.0.1");
  }
}
