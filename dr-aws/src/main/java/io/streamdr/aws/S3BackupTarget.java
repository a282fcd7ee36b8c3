package io.streamdr.aws;

import io.streamdr.core.BackupIoException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.backup.BackupOutputStream;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.http.Sleeper;
import io.streamdr.core.internal.Checks;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;

/**
 * A {@link BackupTarget} in an S3 bucket under a prefix. Publishing is atomic, as S3 makes an object visible only
 * when its upload completes: objects smaller than the part size go up in one PUT, larger ones as a multipart upload
 * holding one part in memory at a time (bounded memory whatever the object size); an aborted or failed write aborts
 * the multipart upload. Every PUT and part carries a SHA-256 checksum that S3 verifies; single-PUT objects also
 * record their SHA-256 in the {@code x-amz-meta-streamdr-sha256} metadata, which {@link #stat} reports.
 * Server-side encryption and storage class are passed through. Credentials come from the client you build (the SDK's
 * default provider chain, or yours) and never appear in messages. Thread-safe.
 */
public final class S3BackupTarget implements BackupTarget {
  private static final Logger LOG = LoggerFactory.getLogger(S3BackupTarget.class);
  private static final String SHA_META = "streamdr-sha256";
  /** S3's smallest part (except the last). */
  public static final int MIN_PART_SIZE = 5 * 1024 * 1024;
  private final S3Client s3;
  private final String bucket;
  private final String prefix;
  private final Duration abandonedAfter;
  private final int partSize;
  private final ServerSideEncryption sse;
  private final String kmsKeyId;
  private final StorageClass storageClass;
  private final Clock clock;
  private final Sleeper sleeper;

  private S3BackupTarget(Builder b) {
    this.s3 = b.s3;
    this.bucket = b.bucket;
    this.prefix = b.prefix;
    this.abandonedAfter = b.abandonedAfter;
    this.partSize = b.partSize;
    this.sse = b.sse;
    this.kmsKeyId = b.kmsKeyId;
    this.storageClass = b.storageClass;
    this.clock = b.clock;
    this.sleeper = b.sleeper;
  }

  /**
   * A client with credentials from the AWS default chain (environment, system properties, profile, instance or task
   * role), for {@code region} (the SDK's default region chain when empty) and, when {@code endpoint} is given, an
   * S3-compatible server addressed path-style. The caller owns and closes it.
   */
  public static S3Client defaultClient(Optional<String> region, Optional<URI> endpoint) {
    var b = S3Client.builder();
    region.ifPresent(r -> b.region(software.amazon.awssdk.regions.Region.of(r)));
    endpoint.ifPresent(e -> {
      b.endpointOverride(e).forcePathStyle(true);
      if (region.isEmpty()) {
        b.region(software.amazon.awssdk.regions.Region.US_EAST_1); // S3-compatible servers ignore it; the SDK needs one
      }
    });
    return b.build();
  }

  /**
   * @param s3     a client (region, credentials, endpoint) you own and close
   * @param bucket the bucket
   */
  public static Builder builder(S3Client s3, String bucket) {
    return new Builder(s3, bucket);
  }

  private String objectKey(BackupKey key) {
    return prefix + key.value();
  }

  @Override
  public BackupOutputStream create(BackupKey key) {
    return new Upload(objectKey(Checks.requireNonNull(key, "key")), key);
  }

  /**
   * One PUT with {@code If-None-Match: *} (S3 conditional writes): S3 answers 412 Precondition Failed when the key
   * exists, and 409 while another conditional write of the key is in flight, which is retried. S3-compatible servers
   * that ignore the header (S3Proxy 4 among them) would let two callers both win; use AWS S3, MinIO or another server
   * that implements conditional writes.
   */
  @Override
  public boolean createIfAbsent(BackupKey key, byte[] bytes) {
    String k = objectKey(Checks.requireNonNull(key, "key"));
    String hex = sha256Hex(bytes);
    for (int attempt = 1; ; attempt++) {
      try {
        s3.putObject(r -> {
          r.bucket(bucket).key(k).ifNoneMatch("*").metadata(Map.of(SHA_META, hex));
          if (sse != null) {
            r.serverSideEncryption(sse);
          }
          if (kmsKeyId != null) {
            r.ssekmsKeyId(kmsKeyId);
          }
        }, RequestBody.fromBytes(bytes));
        return true;
      } catch (S3Exception e) {
        if (e.statusCode() == 412) {
          return false;
        }
        if (e.statusCode() != 409 || attempt == 5) {
          throw S3Errors.translate(e, bucket, k, "PUT If-None-Match");
        }
        try {
          sleeper.sleep(Duration.ofMillis(50L * attempt)); // back off before asking again who won
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw S3Errors.translate(e, bucket, k, "PUT If-None-Match");
        }
      } catch (SdkException e) {
        throw S3Errors.translate(e, bucket, k, "PUT If-None-Match");
      }
    }
  }

  private static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public InputStream open(BackupKey key) {
    String k = objectKey(key);
    try {
      return s3.getObject(r -> r.bucket(bucket).key(k));
    } catch (NoSuchKeyException e) {
      throw notFound(key);
    } catch (SdkException e) {
      if (e instanceof S3Exception s && s.statusCode() == 404 && !"NoSuchBucket".equals(code(s))) {
        throw notFound(key);
      }
      throw S3Errors.translate(e, bucket, k, "GET");
    }
  }

  private static String code(S3Exception e) {
    return e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
  }

  private NotFoundException notFound(BackupKey key) {
    return new NotFoundException(ResourceType.BACKUP, key.value(),
        "No backup object '%s' in s3://%s/%s; list what exists with list(\"\")".formatted(key, bucket, prefix));
  }

  @Override
  public List<BackupObject> list(String keyPrefix) {
    String p = prefix + (keyPrefix == null ? "" : keyPrefix);
    List<BackupObject> out = new ArrayList<>();
    try {
      for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(p)).contents()) {
        String relative = o.key().substring(prefix.length());
        try {
          out.add(new BackupObject(new BackupKey(relative), o.size(), o.lastModified(), Optional.empty()));
        } catch (InvalidRequestException e) {
          // an object someone else put under the prefix; not ours to list
        }
      }
    } catch (SdkException e) {
      throw S3Errors.translate(e, bucket, p, "LIST");
    }
    out.sort(Comparator.comparing(BackupObject::key));
    return out;
  }

  /** One object, with its SHA-256 when it was uploaded in a single PUT. */
  @Override
  public Optional<BackupObject> stat(BackupKey key) {
    String k = objectKey(key);
    try {
      HeadObjectResponse head = s3.headObject(r -> r.bucket(bucket).key(k));
      return Optional.of(new BackupObject(key, head.contentLength(), head.lastModified(),
          Optional.ofNullable(head.metadata().get(SHA_META))));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw S3Errors.translate(e, bucket, k, "HEAD");
    } catch (SdkException e) {
      throw S3Errors.translate(e, bucket, k, "HEAD");
    }
  }

  @Override
  public void delete(BackupKey key) {
    String k = objectKey(key);
    try {
      s3.deleteObject(r -> r.bucket(bucket).key(k));
    } catch (SdkException e) {
      throw S3Errors.translate(e, bucket, k, "DELETE");
    }
  }

  /**
   * Aborts the unfinished multipart uploads under the prefix that were started longer ago than
   * {@link Builder#abandonedAfter} (a backup killed while uploading a segment leaves one, and S3 keeps charging for its
   * parts). The bytes reported are those of their uploaded parts.
   */
  @Override
  public CleanUp removeAbandonedWrites() {
    Instant before = clock.instant().minus(abandonedAfter);
    int removed = 0;
    long bytes = 0;
    try {
      for (var upload : s3.listMultipartUploadsPaginator(r -> r.bucket(bucket).prefix(prefix)).uploads()) {
        if (upload.initiated() != null && !upload.initiated().isBefore(before)) {
          continue;
        }
        long size = 0;
        for (var part : s3.listPartsPaginator(r -> r.bucket(bucket).key(upload.key()).uploadId(upload.uploadId())).parts()) {
          size += part.size() == null ? 0 : part.size();
        }
        s3.abortMultipartUpload(r -> r.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()));
        removed++;
        bytes += size;
      }
    } catch (SdkException e) {
      throw S3Errors.translate(e, bucket, prefix, "LIST/ABORT multipart uploads");
    }
    return new CleanUp(removed, bytes);
  }

  @Override
  public String toString() {
    return "S3BackupTarget[s3://" + bucket + "/" + prefix + "]";
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Buffers one part; the first full part starts a multipart upload. */
  private final class Upload extends BackupOutputStream {
    private final String objectKey;
    private final BackupKey key;
    private final MessageDigest whole = newSha256();
    private byte[] part = new byte[Math.min(partSize, 1024 * 1024)];
    private int len;
    private String uploadId;
    private final List<CompletedPart> parts = new ArrayList<>();
    private boolean done;

    Upload(String objectKey, BackupKey key) {
      this.objectKey = objectKey;
      this.key = key;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int n) throws IOException {
      if (done) {
        throw new IOException("Backup stream for '%s' is already closed or aborted".formatted(key));
      }
      whole.update(b, off, n);
      while (n > 0) {
        if (len == partSize) {
          flushPart();
        }
        if (len == part.length) {
          part = Arrays.copyOf(part, Math.min(partSize, part.length * 2));
        }
        int take = Math.min(n, part.length - len);
        System.arraycopy(b, off, part, len, take);
        len += take;
        off += take;
        n -= take;
      }
    }

    private void flushPart() throws IOException {
      try {
        if (uploadId == null) {
          uploadId = s3.createMultipartUpload(r -> {
            r.bucket(bucket).key(objectKey).checksumAlgorithm(ChecksumAlgorithm.SHA256);
            encryption(r);
          }).uploadId();
        }
        int number = parts.size() + 1;
        String checksum = Base64.getEncoder().encodeToString(newSha256().digest(Arrays.copyOf(part, len)));
        String etag = s3.uploadPart(r -> r.bucket(bucket).key(objectKey).uploadId(uploadId).partNumber(number)
            .checksumSHA256(checksum), RequestBody.fromBytes(Arrays.copyOf(part, len))).eTag();
        parts.add(CompletedPart.builder().partNumber(number).eTag(etag).checksumSHA256(checksum).build());
        len = 0;
      } catch (SdkException e) {
        abort();
        throw new IOException(S3Errors.translate(e, bucket, objectKey, "multipart upload").getMessage(), e);
      }
    }

    private void encryption(software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest.Builder r) {
      if (sse != null) {
        r.serverSideEncryption(sse);
      }
      if (kmsKeyId != null) {
        r.ssekmsKeyId(kmsKeyId);
      }
      if (storageClass != null) {
        r.storageClass(storageClass);
      }
    }

    @Override
    public void abort() {
      if (done) {
        return;
      }
      done = true;
      if (uploadId != null) {
        try {
          s3.abortMultipartUpload(r -> r.bucket(bucket).key(objectKey).uploadId(uploadId));
        } catch (SdkException e) {
          LOG.warn("Could not abort multipart upload of s3://{}/{}; a bucket lifecycle rule should clean it up: {}", bucket, objectKey,
              e.getMessage());
        }
      }
    }

    private String published;

    /** The SHA-256 of the whole object is computed while writing, for single PUTs and multipart uploads alike. */
    @Override
    public boolean computesSha256() {
      return true;
    }

    @Override
    public Optional<String> sha256() {
      return Optional.ofNullable(published);
    }

    @Override
    public void close() {
      if (done) {
        return;
      }
      String hex = HexFormat.of().formatHex(whole.digest());
      try {
        if (uploadId == null) {
          byte[] bytes = Arrays.copyOf(part, len);
          String checksum = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
          s3.putObject(r -> {
            r.bucket(bucket).key(objectKey).checksumSHA256(checksum).metadata(Map.of(SHA_META, hex));
            if (sse != null) {
              r.serverSideEncryption(sse);
            }
            if (kmsKeyId != null) {
              r.ssekmsKeyId(kmsKeyId);
            }
            if (storageClass != null) {
              r.storageClass(storageClass);
            }
          }, RequestBody.fromBytes(bytes));
        } else {
          if (len > 0) {
            flushPart();
          }
          s3.completeMultipartUpload(r -> r.bucket(bucket).key(objectKey).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
        }
        done = true;
        published = hex;
      } catch (IOException e) {
        done = true;
        throw new BackupIoException(key, "publish", e);
      } catch (SdkException e) {
        abort();
        throw S3Errors.translate(e, bucket, objectKey, "PUT");
      }
    }
  }

  /** Builder for {@link S3BackupTarget}. */
  public static final class Builder {
    private final S3Client s3;
    private final String bucket;
    private String prefix = "";
    private int partSize = 8 * 1024 * 1024;
    private ServerSideEncryption sse;
    private String kmsKeyId;
    private StorageClass storageClass;
    private Duration abandonedAfter = Duration.ofHours(24);
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.SYSTEM;

    private Builder(S3Client s3, String bucket) {
      this.s3 = Checks.requireNonNull(s3, "S3 client");
      this.bucket = Checks.requireNonBlank(bucket, "bucket");
    }

    /** Key prefix inside the bucket, e.g. {@code streamdr/us-east-1/}; a trailing slash is added if missing. */
    public Builder prefix(String prefix) {
      String p = prefix == null ? "" : prefix.replaceAll("^/+", "");
      this.prefix = p.isEmpty() || p.endsWith("/") ? p : p + "/";
      return this;
    }

    /** Size of each multipart part and the threshold for multipart (default 8 MiB, at least 5 MiB). */
    public Builder partSize(int bytes) {
      if (bytes < MIN_PART_SIZE) {
        throw new InvalidRequestException("S3 part size must be at least 5 MiB, was " + bytes);
      }
      this.partSize = bytes;
      return this;
    }

    /** Server-side encryption (AES256 or aws:kms), optionally with a KMS key id. */
    public Builder serverSideEncryption(ServerSideEncryption sse, String kmsKeyId) {
      this.sse = sse;
      this.kmsKeyId = kmsKeyId;
      return this;
    }

    public Builder storageClass(StorageClass storageClass) {
      this.storageClass = storageClass;
      return this;
    }

    /**
     * How old an unfinished multipart upload under the prefix must be for {@link #removeAbandonedWrites()} to abort
     * it (default 24 hours). S3 cannot tell a live upload from one whose process died, so its age decides: a segment's
     * upload takes seconds to minutes; keep this well above the longest one.
     */
    public Builder abandonedAfter(Duration age) {
      this.abandonedAfter = Checks.requireNonNull(age, "abandoned upload age");
      return this;
    }

    /** What ages unfinished uploads and how a lost race for a key backs off (default: the system's). */
    public Builder clock(Clock clock, Sleeper sleeper) {
      this.clock = Checks.requireNonNull(clock, "clock");
      this.sleeper = Checks.requireNonNull(sleeper, "sleeper");
      return this;
    }

    public S3BackupTarget build() {
      return new S3BackupTarget(this);
    }
  }
}
