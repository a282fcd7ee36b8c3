package io.streamdr.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.nio.charset.StandardCharsets;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@link S3BackupTarget#createIfAbsent} against MockWebServer emulating S3's documented conditional writes (a PUT with
 * {@code If-None-Match: *} of an existing key answers 412 PreconditionFailed). The embedded S3Proxy 4 accepts the
 * header and ignores it, so the race cannot be shown against it. (The fake answers GET and PUT only, so these are
 * the contract's checks of {@code ExclusiveCreateContract} written against those two calls.)
 */
class S3ExclusiveCreateTest {
  static final S3ActiveRegionStoreTest.ConditionalS3 FAKE = new S3ActiveRegionStoreTest.ConditionalS3();
  static MockWebServer server;
  static S3Client s3;
  private static int n;

  @BeforeAll
  static void start() throws Exception {
    server = new MockWebServer();
    server.setDispatcher(FAKE);
    server.start();
    s3 = S3ActiveRegionStoreTest.client(server);
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
    server.shutdown();
  }

  private static BackupTarget target() {
    return S3BackupTarget.builder(s3, "dr-backups").prefix("agent-" + (++n) + "/").build();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void the_first_call_publishes_and_a_later_one_leaves_the_object_unchanged() {
    BackupTarget target = target();
    BackupKey key = new BackupKey("agent/leases/backup/slot-1/attempt-1.json");

    assertThat(target.createIfAbsent(key, bytes("first"))).isTrue();
    assertThat(target.createIfAbsent(key, bytes("second"))).isFalse();

    assertThat(new String(target.readAll(key), StandardCharsets.UTF_8)).isEqualTo("first");
  }

  @Test
  void of_racing_callers_exactly_one_wins() throws Exception {
    BackupTarget target = target();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 10; round++) {
        BackupKey key = new BackupKey("agent/leases/race/slot-" + round + "/attempt-1.json");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          String body = "racer-" + i;
          calls.add(pool.submit(() -> {
            start.await();
            return target.createIfAbsent(key, bytes(body));
          }));
        }
        start.countDown();
        List<Integer> winners = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
          if (calls.get(i).get(30, TimeUnit.SECONDS)) {
            winners.add(i);
          }
        }
        assertThat(winners).as("winners of round %d", round).hasSize(1);
        assertThat(new String(target.readAll(key), StandardCharsets.UTF_8)).isEqualTo("racer-" + winners.get(0));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void the_put_carries_if_none_match_star() throws Exception {
    int before = server.getRequestCount();
    target().createIfAbsent(new BackupKey("agent/leases/x/slot-1/attempt-1.json"), "x".getBytes(StandardCharsets.UTF_8));
    RecordedRequest put = null;
    for (int i = before; i < server.getRequestCount(); i++) {
      RecordedRequest r = server.takeRequest();
      if ("PUT".equals(r.getMethod())) {
        put = r;
      }
    }
    assertThat(put).isNotNull();
    assertThat(put.getHeader("If-None-Match")).isEqualTo("*");
  }
}
