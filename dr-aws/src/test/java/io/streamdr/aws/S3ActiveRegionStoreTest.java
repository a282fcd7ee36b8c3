package io.streamdr.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.region.ActiveRegionStore;
import io.streamdr.testing.ActiveRegionStoreContract;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The store against MockWebServer emulating S3's documented conditional writes (PUT with If-None-Match: * or
 * If-Match: ETag answers 412 PreconditionFailed when the condition fails). The embedded S3Proxy 4.1 accepts those
 * headers but does not enforce them on PUT, so it cannot show the race.
 */
class S3ActiveRegionStoreTest extends ActiveRegionStoreContract {
  static MockWebServer server;
  static S3Client s3;
  static final ConditionalS3 FAKE = new ConditionalS3();
  private static int n;

  /** One bucket's objects with ETags, enforcing conditional PUTs as S3 does. */
  static final class ConditionalS3 extends Dispatcher {
    private final Map<String, String[]> objects = new HashMap<>(); // path -> {etag, body}
    private final AtomicInteger etags = new AtomicInteger();
    final AtomicInteger preconditionFailures = new AtomicInteger();

    /** Answers "Expect: 100-continue" at once, as S3 does, instead of letting the client wait for it. */
    @Override
    public MockResponse peek() {
      return new MockResponse().setSocketPolicy(okhttp3.mockwebserver.SocketPolicy.CONTINUE_ALWAYS);
    }

    @Override
    public synchronized MockResponse dispatch(RecordedRequest request) {
      String path = request.getRequestUrl().encodedPath();
      String[] current = objects.get(path);
      if ("GET".equals(request.getMethod())) {
        if (current == null) {
          return new MockResponse().setResponseCode(404).setHeader("Content-Type", "application/xml")
              .setBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>");
        }
        return new MockResponse().setResponseCode(200).setHeader("ETag", current[0]).setHeader("Content-Type", "application/json")
            .setBody(current[1]);
      }
      if ("PUT".equals(request.getMethod())) {
        String ifNoneMatch = request.getHeader("If-None-Match");
        String ifMatch = request.getHeader("If-Match");
        boolean ok = (ifNoneMatch == null || current == null) && (ifMatch == null || (current != null && current[0].equals(ifMatch)));
        if (!ok) {
          preconditionFailures.incrementAndGet();
          return new MockResponse().setResponseCode(412).setHeader("Content-Type", "application/xml")
              .setBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>PreconditionFailed</Code>"
                  + "<Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-Match</Condition></Error>");
        }
        String etag = "\"" + etags.incrementAndGet() + "\"";
        objects.put(path, new String[] {etag, decode(request)});
        return new MockResponse().setResponseCode(200).setHeader("ETag", etag);
      }
      return new MockResponse().setResponseCode(405);
    }
  }

  /** The object's bytes: plain, or wrapped in aws-chunked encoding ("<hex size>;chunk-signature=...\\r\\n<data>\\r\\n..."). */
  static String decode(RecordedRequest request) {
    String body = request.getBody().readUtf8();
    String encoding = request.getHeader("Content-Encoding");
    if (encoding == null || !encoding.contains("aws-chunked")) {
      return body;
    }
    StringBuilder out = new StringBuilder();
    int pos = 0;
    while (pos < body.length()) {
      int eol = body.indexOf("\r\n", pos);
      int size = Integer.parseInt(body.substring(pos, eol).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.append(body, eol + 2, eol + 2 + size);
      pos = eol + 2 + size + 2;
    }
    return out.toString();
  }

  @BeforeAll
  static void start() throws Exception {
    server = new MockWebServer();
    server.setDispatcher(FAKE);
    server.start();
    s3 = client(server);
  }

  /** An S3 client of the fake: path-style, plain (not chunked) bodies, checksums only where S3 requires them. */
  static S3Client client(MockWebServer server) {
    return S3Client.builder().endpointOverride(URI.create(server.url("/").toString())).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIATEST", "s3-secret")))
        .forcePathStyle(true).requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder().chunkedEncodingEnabled(false).build())
        .build();
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
    server.shutdown();
  }

  @Override
  protected ActiveRegionStore newStore() {
    return new S3ActiveRegionStore(s3, "dr-state", "streams/active-region-" + (++n) + ".json");
  }

  @Override
  protected ActiveRegionStore sameState(ActiveRegionStore store) {
    String s = store.toString();
    return new S3ActiveRegionStore(s3, "dr-state", s.substring(s.indexOf("/dr-state/") + "/dr-state/".length(), s.length() - 1));
  }

  @Override
  protected int racingRounds() {
    return racingRounds(100); // each round is a network round trip per racer
  }

  @Test
  void a_lost_race_is_decided_by_s3_with_a_precondition_failure() {
    ActiveRegionStore a = newStore();
    a.compareAndSet(0, "us-east-1", "initial");
    int before = FAKE.preconditionFailures.get();
    // b read the record before a's switch, so its conditional PUT carries a stale ETag
    ActiveRegionStore b = sameState(a);
    a.compareAndSet(1, "us-west-2", "a wins");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.compareAndSet(1, "us-west-2", "b too late"))
        .isInstanceOf(io.streamdr.core.FencedException.class);
    assertThat(a.read().orElseThrow().epoch()).isEqualTo(2);
    assertThat(FAKE.preconditionFailures.get()).isGreaterThanOrEqualTo(before);
  }
}
