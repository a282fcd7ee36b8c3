package io.streamdr.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.NotFoundException;
import io.streamdr.core.RemoteServiceException;
import io.streamdr.core.UnsupportedCapabilityException;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.connect.RestartOptions;
import io.streamdr.core.http.Auth;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.RetryPolicy;
import io.streamdr.core.http.Secret;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConfluentCloudConnectorAdminTest {
  private static final String BASE = "/connect/v1/environments/env-a1b2c3/clusters/lkc-x1y2z3/connectors";
  private MockWebServer server;
  private RestEndpoint rest;
  private ConfluentCloudConnectorAdmin admin;
  private final List<Duration> waits = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
    rest = RestEndpoint.builder(server.url("/").toString())
        .auth(Auth.basic("CLOUDKEY", Secret.of("cloud-secret-value")))
        .retry(RetryPolicy.none()).build();
    admin = new ConfluentCloudConnectorAdmin(rest, "env-a1b2c3", "lkc-x1y2z3", Duration.ofSeconds(30), waits::add);
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  private void enqueue(int code, String json) {
    server.enqueue(new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(json));
  }

  private RecordedRequest take() throws InterruptedException {
    return server.takeRequest(5, TimeUnit.SECONDS);
  }

  @Test
  void lists_connector_names_sorted() throws Exception {
    enqueue(200, "[\"pg-source\",\"MySinkConnector\"]");
    assertThat(admin.connectors()).containsExactly("MySinkConnector", "pg-source");
    RecordedRequest r = take();
    assertThat(r.getPath()).isEqualTo(BASE);
    assertThat(r.getHeader("Authorization")).startsWith("Basic ");
  }

  @Test
  void describes_config_state_and_tasks_from_two_documented_calls() throws Exception {
    enqueue(200, """
        {"name":"pg-source","type":"source","config":{"connector.class":"PostgresCdcSource","kafka.api.key":"K",
         "kafka.api.secret":"****","tasks.max":"1"},"tasks":[{"connector":"pg-source","task":0}]}""");
    enqueue(200, """
        {"name":"pg-source","connector":{"state":"RUNNING","worker_id":"pg-source","trace":""},
         "tasks":[{"id":0,"state":"FAILED","worker_id":"pg-source","msg":"Connection refused"}],"type":"source"}""");
    ConnectorInfo info = admin.describe("pg-source");
    assertThat(info.state()).isEqualTo(ConnectorState.RUNNING);
    assertThat(info.type()).contains("source");
    assertThat(info.tasks()).singleElement().satisfies(t -> {
      assertThat(t.state()).isEqualTo(ConnectorState.FAILED);
      assertThat(t.trace()).contains("Connection refused");
    });
    assertThat(take().getPath()).isEqualTo(BASE + "/pg-source");
    assertThat(take().getPath()).isEqualTo(BASE + "/pg-source/status");
  }

  @Test
  void a_missing_connector_is_not_found_by_name() {
    enqueue(404, "{\"error\":{\"code\":404,\"message\":\"Connector pg-ghost not found\"}}");
    assertThatThrownBy(() -> admin.describe("pg-ghost")).isInstanceOf(NotFoundException.class).hasMessageContaining("pg-ghost");
  }

  @Test
  void apply_puts_the_config_and_a_paused_initial_state_pauses() throws Exception {
    enqueue(200, "{\"name\":\"s3-sink\",\"config\":{}}");
    enqueue(202, "");
    admin.apply(ConnectorSpec.of("s3-sink", Map.of("connector.class", "S3_SINK", "topics", "orders"))
        .withInitialState(ConnectorState.PAUSED));
    RecordedRequest put = take();
    assertThat(put.getMethod()).isEqualTo("PUT");
    assertThat(put.getPath()).isEqualTo(BASE + "/s3-sink/config");
    assertThat(put.getBody().readUtf8()).contains("\"connector.class\":\"S3_SINK\"").contains("\"name\":\"s3-sink\"");
    RecordedRequest pause = take();
    assertThat(pause.getMethod()).isEqualTo("PUT");
    assertThat(pause.getPath()).isEqualTo(BASE + "/s3-sink/pause");
  }

  @Test
  void what_cloud_cannot_do_is_refused_with_what_to_do_instead() {
    assertThatThrownBy(() -> admin.apply(ConnectorSpec.of("x", Map.of("connector.class", "C")).withInitialState(ConnectorState.STOPPED)))
        .isInstanceOf(UnsupportedCapabilityException.class).hasMessageContaining("PAUSED");
    enqueue(200, "{\"name\":\"x\",\"config\":{}}");
    enqueue(200, "{\"name\":\"x\",\"connector\":{\"state\":\"RUNNING\"},\"tasks\":[]}");
    assertThatThrownBy(() -> admin.stop("x")).isInstanceOf(UnsupportedCapabilityException.class).hasMessageContaining("pause it");
    enqueue(200, "{\"name\":\"x\",\"config\":{}}");
    enqueue(200, "{\"name\":\"x\",\"connector\":{\"state\":\"RUNNING\"},\"tasks\":[]}");
    assertThatThrownBy(() -> admin.restart("x", RestartOptions.FAILED)).isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("pause and resume");
  }

  @Test
  void reads_offsets_in_the_documented_shape() {
    enqueue(200, """
        {"name":"pg-source","id":"lcc-abc","offsets":[{"partition":{"server":"pg"},"offset":{"lsn":123456,"txId":77}}],
         "metadata":{"observed_at":"2026-11-24T10:00:00Z"}}""");
    ConnectorOffsets offsets = admin.offsets("pg-source");
    assertThat(offsets.offsets()).singleElement().satisfies(o -> {
      assertThat(o.partition()).isEqualTo(Map.of("server", "pg"));
      assertThat(o.offset()).isEqualTo(Map.of("lsn", 123456L, "txId", 77L));
    });
  }

  @Test
  void alter_offsets_submits_a_patch_request_and_waits_until_applied() throws Exception {
    enqueue(202, "{\"id\":\"lcc-abc\",\"name\":\"pg-source\",\"type\":\"PATCH\",\"requested_at\":\"2026-11-24T10:00:00Z\"}");
    enqueue(200, "{\"request\":{\"type\":\"PATCH\"},\"status\":{\"phase\":\"PENDING\"}}");
    enqueue(200, "{\"request\":{\"type\":\"PATCH\"},\"status\":{\"phase\":\"APPLIED\"},\"applied_at\":\"2026-11-24T10:00:05Z\"}");
    admin.alterOffsets("pg-source", ConnectorOffsets.of(Map.of("server", "pg"), Map.of("lsn", 100)));
    RecordedRequest post = take();
    assertThat(post.getMethod()).isEqualTo("POST");
    assertThat(post.getPath()).isEqualTo(BASE + "/pg-source/offsets/request");
    assertThat(post.getBody().readUtf8()).isEqualTo("{\"type\":\"PATCH\",\"offsets\":[{\"partition\":{\"server\":\"pg\"},\"offset\":{\"lsn\":100}}]}");
    assertThat(take().getPath()).isEqualTo(BASE + "/pg-source/offsets/request/status");
    assertThat(waits).hasSize(1);
  }

  @Test
  void a_failed_offsets_request_is_an_error_with_cloud_s_message() {
    enqueue(202, "{\"type\":\"DELETE\"}");
    enqueue(200, "{\"request\":{\"type\":\"DELETE\"},\"status\":{\"phase\":\"FAILED\",\"message\":\"connector is provisioning\"}}");
    assertThatThrownBy(() -> admin.resetOffsets("pg-source"))
        .isInstanceOf(RemoteServiceException.class)
        .hasMessageContaining("reset offsets of connector 'pg-source'").hasMessageContaining("connector is provisioning");
  }

  @Test
  void errors_never_carry_the_api_secret() {
    enqueue(401, "{\"error\":{\"code\":401,\"message\":\"invalid API key CLOUDKEY:cloud-secret-value\"}}");
    assertThatThrownBy(() -> admin.connectors()).isInstanceOf(RemoteServiceException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("cloud-secret-value"));
    assertThat(admin.toString()).doesNotContain("cloud-secret-value");
  }
}
