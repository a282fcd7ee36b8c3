package io.streamdr.aws;

import io.streamdr.core.DrException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.OperationFailedException;
import io.streamdr.core.RemoteServiceException;
import io.streamdr.core.ResourceType;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Turns AWS SDK exceptions into StreamDR's, naming bucket and key, never credentials. */
final class S3Errors {
  private S3Errors() {}

  static DrException translate(SdkException e, String bucket, String key, String what) {
    String where = "s3://" + bucket + (key == null ? "" : "/" + key);
    if (e instanceof NoSuchBucketException) {
      return new NotFoundException(ResourceType.BUCKET, bucket, "S3 bucket '%s' does not exist; create it or fix the bucket name".formatted(bucket));
    }
    if (e instanceof S3Exception s3) {
      int status = s3.statusCode();
      String code = s3.awsErrorDetails() == null ? "" : s3.awsErrorDetails().errorCode();
      if ("NoSuchBucket".equals(code)) {
        return new NotFoundException(ResourceType.BUCKET, bucket, "S3 bucket '%s' does not exist; create it or fix the bucket name".formatted(bucket));
      }
      if (status == 403) {
        return new RemoteServiceException(what, where, 403, code,
            "Access denied to %s %s (%s); grant this principal the S3 permission for it".formatted(what, where, code), e, false);
      }
      boolean retryable = status >= 500 || status == 429 || "SlowDown".equals(code);
      return new RemoteServiceException(what, where, status, code,
          "S3 %s of %s failed with %d %s%s".formatted(what, where, status, code, retryable ? "; retry later" : ""), e, retryable);
    }
    if (e instanceof SdkClientException) {
      return new RemoteServiceException(what, where, 0, "",
          "S3 %s of %s failed before a response: %s; check the endpoint and network".formatted(what, where, e.getMessage()), e, true);
    }
    return new OperationFailedException(ResourceType.BACKUP_KEY, where, "S3 %s of %s failed: %s".formatted(what, where, e.getMessage()), e, e.retryable());
  }
}
