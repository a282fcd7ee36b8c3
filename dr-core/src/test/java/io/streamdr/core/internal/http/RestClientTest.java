package io.streamdr.core.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.RemoteServiceException;
import io.streamdr.core.http.Auth;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.RetryPolicy;
import io.streamdr.core.http.Secret;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import io.streamdr.core.internal.http.RestResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RestClientTest {
  private static final String PASSWORD = "s3cr3t-api-secret";
  private MockWebServer server;
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  private RestClient client;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
    client = RestClient.of(builder().build());
  }

  private RestEndpoint.Builder builder() {
    return RestEndpoint.builder(server.url("/api/").toString())
        .auth(Auth.basic("APIKEY1", Secret.of(PASSWORD)))
        .callTimeout(Duration.ofSeconds(10))
        .retry(RetryPolicy.builder().maxAttempts(4).initialBackoff(Duration.ofMillis(10)).build())
        .sleeper(sleeps::add);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.shutdown();
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
  }

  @Test
  void get_parses_json_and_sends_accept_and_basic_auth() throws Exception {
    server.enqueue(json(200, "{\"jobs\":[{\"id\":\"a1\",\"status\":\"RUNNING\"}]}"));
    assertThat(client.get("/jobs/overview").path("jobs").get(0).path("status").asText()).isEqualTo("RUNNING");
    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(r.getPath()).isEqualTo("/api/jobs/overview");
    assertThat(r.getHeader("Accept")).isEqualTo("application/json");
    assertThat(r.getHeader("Authorization")).startsWith("Basic ");
  }

  @Test
  void query_parameters_are_encoded() throws Exception {
    server.enqueue(json(200, "[]"));
    client.execute(RestRequest.get("/connectors").query("expand", "status info").build());
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getPath()).isEqualTo("/api/connectors?expand=status%20info");
  }

  @Test
  void an_idempotent_call_is_retried_through_a_5xx_storm_with_growing_backoff() {
    server.enqueue(json(503, "{}"));
    server.enqueue(json(502, "{}"));
    server.enqueue(json(504, "{}"));
    server.enqueue(json(200, "{\"ok\":true}"));
    assertThat(client.get("/x").path("ok").asBoolean()).isTrue();
    assertThat(server.getRequestCount()).isEqualTo(4);
    assertThat(sleeps).hasSize(3);
  }

  @Test
  void a_5xx_storm_that_outlasts_the_attempts_fails_with_status_and_count() {
    for (int i = 0; i < 4; i++) {
      server.enqueue(json(503, "{\"error_code\":503,\"message\":\"overloaded\"}"));
    }
    assertThatThrownBy(() -> client.get("/x"))
        .isInstanceOfSatisfying(RemoteServiceException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(503);
          assertThat(e.retryable()).isTrue();
          assertThat(e.bodyExcerpt()).contains("overloaded");
        })
        .hasMessageContaining("4 attempt(s)").hasMessageContaining("/api/x");
  }

  @Test
  void a_post_is_not_retried_on_5xx_because_it_may_have_been_applied() {
    server.enqueue(json(500, "{}"));
    assertThatThrownBy(() -> client.post("/jobs/1/savepoints", Map.of("cancel-job", false)))
        .isInstanceOfSatisfying(RemoteServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(500));
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void a_post_marked_idempotent_is_retried() throws Exception {
    server.enqueue(json(503, "{}"));
    server.enqueue(json(202, "{\"request-id\":\"t1\"}"));
    RestResponse r = client.execute(RestRequest.post("/jobs/1/savepoints").json(Map.of("triggerId", "t1")).idempotent(true).build());
    assertThat(r.status()).isEqualTo(202);
    server.takeRequest();
    assertThat(server.takeRequest().getBody().readUtf8()).isEqualTo("{\"triggerId\":\"t1\"}");
  }

  @Test
  void a_status_the_call_declares_transient_is_retried() {
    server.enqueue(json(409, "{\"message\":\"rebalance in progress\"}"));
    server.enqueue(json(200, "{}"));
    client.execute(RestRequest.put("/connectors/x/pause").retryOn(409).build());
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void a_429_is_retried_even_for_a_post_and_retry_after_is_honoured() {
    server.enqueue(json(429, "{}").setHeader("Retry-After", "2"));
    server.enqueue(json(200, "{}"));
    client.post("/statements", Map.of());
    assertThat(sleeps).containsExactly(Duration.ofSeconds(2));
  }

  @Test
  void a_retry_after_beyond_the_deadline_fails_at_once_instead_of_waiting() {
    RestClient shortDeadline = RestClient.of(builder().callTimeout(Duration.ofSeconds(1)).build());
    server.enqueue(json(503, "{}").setHeader("Retry-After", "30"));
    assertThatThrownBy(() -> shortDeadline.get("/x")).isInstanceOf(RemoteServiceException.class);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void malformed_json_is_a_clear_error_naming_the_endpoint() {
    server.enqueue(json(200, "<html>proxy error</html>"));
    assertThatThrownBy(() -> client.get("/overview"))
        .isInstanceOf(RemoteServiceException.class)
        .hasMessageContaining("not valid JSON").hasMessageContaining("/api/overview");
  }

  @Test
  void a_slow_body_hits_the_call_deadline() {
    RestClient fast = RestClient.of(builder().callTimeout(Duration.ofMillis(500)).build());
    server.enqueue(json(200, "{\"big\":\"" + "x".repeat(10_000) + "\"}").throttleBody(100, 1, TimeUnit.SECONDS));
    assertThatThrownBy(() -> fast.get("/slow"))
        .isInstanceOf(DrTimeoutException.class).hasMessageContaining("/api/slow").hasMessageContaining("PT0.5S");
  }

  @Test
  void a_connection_reset_is_retried_for_a_get() {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    server.enqueue(json(200, "{\"ok\":1}"));
    assertThat(client.get("/x").path("ok").asInt()).isEqualTo(1);
    assertThat(sleeps).hasSize(1);
  }

  @Test
  void a_connection_reset_on_a_post_fails_saying_it_was_not_retried() {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    assertThatThrownBy(() -> client.post("/x", Map.of()))
        .isInstanceOfSatisfying(RemoteServiceException.class, e -> assertThat(e.statusCode()).isZero())
        .hasMessageContaining("not retried");
  }

  @Test
  void an_accepted_error_status_is_returned_not_thrown() {
    server.enqueue(json(404, "{\"errors\":[\"Job not found\"]}"));
    RestResponse r = client.execute(RestRequest.get("/jobs/x").accept(404).build());
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.isSuccess()).isFalse();
  }

  @Test
  void secrets_never_appear_in_errors_or_toString() {
    server.enqueue(json(401, "{\"message\":\"bad credentials APIKEY1:" + PASSWORD + "\",\"api_secret\":\"other-secret\"}"));
    assertThatThrownBy(() -> client.get("/x"))
        .isInstanceOfSatisfying(RemoteServiceException.class, e -> {
          assertThat(e.getMessage()).doesNotContain(PASSWORD).doesNotContain("other-secret").contains("check the credentials");
          assertThat(e.bodyExcerpt()).doesNotContain(PASSWORD).contains("[redacted]");
        });
    assertThat(client.toString()).doesNotContain(PASSWORD);
    assertThat(Secret.of(PASSWORD).toString()).doesNotContain(PASSWORD);
  }

  @Test
  void credentials_in_the_base_url_are_not_shown() {
    RestClient withUserInfo = RestClient.of("http://user:" + PASSWORD + "@127.0.0.1:1/x");
    assertThat(withUserInfo.baseUrl()).doesNotContain(PASSWORD);
    assertThat(withUserInfo.toString()).doesNotContain(PASSWORD);
    RestEndpoint endpoint = RestEndpoint.of("http://user:" + PASSWORD + "@127.0.0.1:1/x");
    assertThat(endpoint.baseUrl()).isEqualTo("http://127.0.0.1:1/x");
    assertThat(endpoint.toString()).doesNotContain(PASSWORD);
  }

  @Test
  void a_bad_base_url_is_refused_by_name() {
    assertThatThrownBy(() -> RestEndpoint.of("ftp:/nowhere")).hasMessageContaining("not an http(s) URL");
  }

  @Test
  void a_post_answered_with_302_is_not_resent_as_a_get() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", "/api/elsewhere"));
    server.enqueue(json(200, "{\"ok\":1}"));
    assertThatThrownBy(() -> client.post("/jobs/j1/savepoints", Map.of("cancel-job", false)))
        .isInstanceOf(RemoteServiceException.class)
        .hasMessageContaining("POST " + server.url("/api/jobs/j1/savepoints").toString().replaceAll("/$", ""))
        .hasMessageContaining("redirected (302) to " + server.url("/api/elsewhere"))
        .hasMessageContaining("configure the endpoint");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void a_get_follows_a_redirect_on_the_same_host_and_keeps_its_credentials() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(301).setHeader("Location", "/api/v2/overview"));
    server.enqueue(json(200, "{\"ok\":1}"));
    assertThat(client.get("/overview").path("ok").asInt()).isEqualTo(1);
    server.takeRequest(5, TimeUnit.SECONDS);
    RecordedRequest followed = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(followed.getPath()).isEqualTo("/api/v2/overview");
    assertThat(followed.getHeader("Authorization")).startsWith("Basic ");
  }

  @Test
  void a_307_on_a_post_is_followed_with_the_same_method_and_body() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(307).setHeader("Location", "/api/leader/connectors"));
    server.enqueue(json(201, "{\"name\":\"c1\"}"));
    assertThat(client.post("/connectors", Map.of("name", "c1")).path("name").asText()).isEqualTo("c1");
    server.takeRequest(5, TimeUnit.SECONDS);
    RecordedRequest followed = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(followed.getMethod()).isEqualTo("POST");
    assertThat(followed.getPath()).isEqualTo("/api/leader/connectors");
    assertThat(followed.getBody().readUtf8()).isEqualTo("{\"name\":\"c1\"}");
  }

  @Test
  void a_redirect_to_another_host_is_refused_and_the_credentials_stay_home() throws Exception {
    try (MockWebServer other = new MockWebServer()) {
      other.start();
      String elsewhere = "http://user:" + PASSWORD + "@127.0.0.2:" + other.getPort() + "/steal";
      server.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", elsewhere));
      assertThatThrownBy(() -> client.get("/overview"))
          .isInstanceOf(RemoteServiceException.class)
          .hasMessageContaining("redirected (302) to http://127.0.0.2:" + other.getPort() + "/steal")
          .hasMessageContaining("another host")
          .hasMessageNotContaining(PASSWORD);
      assertThat(other.getRequestCount()).isZero();
    }
  }

  @Test
  void a_redirect_loop_ends_after_five_hops_with_a_clear_error() {
    for (int i = 0; i < 10; i++) {
      server.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", "/api/loop" + i));
    }
    assertThatThrownBy(() -> client.get("/loop"))
        .isInstanceOf(RemoteServiceException.class).hasMessageContaining("more than 5 redirects");
    assertThat(server.getRequestCount()).isEqualTo(6);
  }

  @Test
  void a_body_cut_off_mid_way_is_retried_for_a_get() {
    server.enqueue(json(200, "{\"jobs\":[" + "{\"id\":\"a\"},".repeat(2_000) + "{}]}")
        .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));
    server.enqueue(json(200, "{\"jobs\":[]}"));
    assertThat(client.get("/jobs").path("jobs").isArray()).isTrue();
    assertThat(sleeps).hasSize(1);
  }

  @Test
  void a_body_cut_off_on_a_post_fails_saying_it_may_have_been_applied() {
    server.enqueue(json(200, "{\"request-id\":\"" + "x".repeat(20_000) + "\"}")
        .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));
    assertThatThrownBy(() -> client.post("/jobs/j1/savepoints", Map.of()))
        .isInstanceOf(RemoteServiceException.class).hasMessageContaining("may have been applied");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void truncated_json_with_a_complete_response_is_a_clear_error() {
    server.enqueue(json(200, "{\"jobs\":[{\"id\":"));
    assertThatThrownBy(() -> client.get("/jobs"))
        .isInstanceOf(RemoteServiceException.class)
        .hasMessageContaining("not valid JSON").hasMessageContaining("/api/jobs");
  }
}
