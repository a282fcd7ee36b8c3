package io.streamdr.testkit;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3-compatible server (S3Proxy with a file-system backend in a temporary directory) on a loopback ephemeral
 * port, with AWS signature v2/v4 authentication, and a ready AWS SDK v2 client for it (path-style access).
 */
public final class EmbeddedS3 extends EmbeddedComponent {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedS3.class);
  /** Access key of the embedded server (test infrastructure only). */
  public static final String ACCESS_KEY = "streamdr-access";
  /** Secret key of the embedded server (test infrastructure only). */
  public static final String SECRET_KEY = "streamdr-secret";
  private final String accessKey;
  private final String secretKey;
  private Path dir;
  private S3Proxy proxy;
  private S3Client client;

  private EmbeddedS3(String accessKey, String secretKey) {
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /** A server accepting {@link #ACCESS_KEY} and {@link #SECRET_KEY}. */
  public static EmbeddedS3 create() {
    return new EmbeddedS3(ACCESS_KEY, SECRET_KEY);
  }

  /** A server accepting these credentials (a sentinel secret key, for a secret scan). */
  public static EmbeddedS3 withCredentials(String accessKey, String secretKey) {
    return new EmbeddedS3(accessKey, secretKey);
  }

  @Override
  protected String name() {
    return "S3-compatible server";
  }

  @Override
  protected void doStart() throws Exception {
    long t0 = System.nanoTime();
    dir = TempDirs.create("s3");
    proxy = S3Proxy.builder()
        .blobStore(new FilesystemNio2BlobStore(dir.toString()))
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
        .stopTimeout(0)
        .build();
    proxy.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Proxy did not start within 30 s (state " + proxy.getState() + ")");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
    }
    client = S3Client.builder()
        .endpointOverride(endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .forcePathStyle(true)
        .build();
    LOG.info("S3-compatible server at {} in {} ms", endpoint(), (System.nanoTime() - t0) / 1_000_000);
  }

  /** The endpoint, e.g. {@code http://127.0.0.1:43123}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  /** A client for this server; do not close it (the server does). */
  public S3Client client() {
    requireStarted();
    return client;
  }

  /** Creates a bucket. */
  public void createBucket(String bucket) {
    client().createBucket(b -> b.bucket(bucket));
  }

  @Override
  protected void doClose() throws Exception {
    if (client != null) {
      client.close();
    }
    if (proxy != null) {
      proxy.stop();
    }
    TempDirs.delete(dir);
  }
}
