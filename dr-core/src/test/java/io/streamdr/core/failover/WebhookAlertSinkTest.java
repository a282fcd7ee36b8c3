package io.streamdr.core.failover;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

class WebhookAlertSinkTest {
  private static final String TOKEN_PATH = "/services/T0000/B0000/SENTINELtoken42";

  @Test
  void an_alert_is_posted_as_json_to_the_webhook() throws Exception {
    try (MockWebServer hook = new MockWebServer()) {
      hook.enqueue(new MockResponse().setResponseCode(200));
      new WebhookAlertSink(RestEndpoint.of(hook.url("/").toString()), TOKEN_PATH)
          .send(new AlertSink.Alert("CRITICAL", "Failed over from us-east-1 to us-west-2", Map.of("epoch", "2"), Instant.EPOCH));

      RecordedRequest r = hook.takeRequest();
      assertThat(r.getMethod()).isEqualTo("POST");
      assertThat(r.getPath()).isEqualTo(TOKEN_PATH);
      JsonNode body = Json.MAPPER.readTree(r.getBody().readUtf8());
      assertThat(body.path("severity").asText()).isEqualTo("CRITICAL");
      assertThat(body.path("details").path("epoch").asText()).isEqualTo("2");
    }
  }

  @Test
  void a_webhook_that_fails_is_logged_without_its_path_which_may_hold_its_token() throws Exception {
    PrintStream original = System.out; // the test log configuration follows System.out
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try (MockWebServer hook = new MockWebServer()) {
      for (int i = 0; i < 10; i++) {
        hook.enqueue(new MockResponse().setResponseCode(404).setBody("no such webhook " + TOKEN_PATH));
      }
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      new WebhookAlertSink(RestEndpoint.of(hook.url("/").toString()), TOKEN_PATH)
          .send(new AlertSink.Alert("CRITICAL", "Failed over", Map.of(), Instant.EPOCH));
    } finally {
      System.setOut(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log).contains("Could not deliver alert 'Failed over' to the webhook at").doesNotContain("SENTINELtoken42");
  }
}
