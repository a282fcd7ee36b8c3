package io.streamdr.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.RetryPolicy;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.Savepoint;
import java.util.List;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which entries of {@code GET /jobs/:id/checkpoints} can be restored from. */
class FlinkRestSavepointListTest {
  private MockWebServer server;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  private static String entry(long id, boolean savepoint, String status, boolean discarded, String path, long at) {
    return """
        {"id":%d,"status":"%s","is_savepoint":%s,"discarded":%s,"external_path":"%s","trigger_timestamp":%d,"latest_ack_timestamp":%d}"""
        .formatted(id, status, savepoint, discarded, path, at, at + 50);
  }

  @Test
  void lists_retained_checkpoints_and_savepoints_newest_first_but_not_deleted_or_failed_ones() {
    server.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody("{\"history\":["
        + entry(9, false, "COMPLETED", false, "file:/cp/chk-9", 9000) + ","
        + entry(8, false, "FAILED", false, "", 8000) + ","
        + entry(7, true, "COMPLETED", true, "file:/sp/savepoint-7", 7000) + ","
        + entry(6, false, "COMPLETED", true, "file:/cp/chk-6", 6000) + ","
        + entry(5, false, "COMPLETED", false, "<checkpoint-not-externally-addressable>", 5000) + "]}"));
    FlinkRestSavepointClient client = new FlinkRestSavepointClient(RestEndpoint.builder(server.url("/").toString())
        .retry(RetryPolicy.none()).build());

    List<Savepoint> points = client.list(new JobRef("a1b2"));

    assertThat(points).extracting(p -> p.location().orElseThrow()).containsExactly("file:/cp/chk-9", "file:/sp/savepoint-7");
    assertThat(points).extracting(Savepoint::kind).containsExactly(Savepoint.Kind.CHECKPOINT, Savepoint.Kind.SAVEPOINT);
  }
}
