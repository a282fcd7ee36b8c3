package io.streamdr.kafka.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.NotFoundException;
import io.streamdr.core.failover.Metrics;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.http.Auth;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.RetryPolicy;
import io.streamdr.core.http.Secret;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ClusterLinkClient} against the documented Kafka REST v3 cluster-linking shapes. */
class ClusterLinkClientTest {
  private static final String LINKS = "/kafka/v3/clusters/lkc-west/links";
  private MockWebServer server;
  private RestEndpoint rest;
  private ClusterLinkClient client;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
    rest = RestEndpoint.builder(server.url("/").toString()).auth(Auth.basic("LINKKEY", Secret.of("link-secret-value")))
        .retry(RetryPolicy.none()).build();
    client = new ClusterLinkClient(rest, "lkc-west");
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

  private static final String MIRRORS = """
      {"kind":"KafkaMirrorTopicDataList","metadata":{"self":"x","next":null},"data":[
        {"kind":"KafkaMirrorTopicData","metadata":{"self":"x"},"link_name":"east-to-west","mirror_topic_name":"orders",
         "source_topic_name":"orders","num_partitions":3,"mirror_status":"ACTIVE","state_time_ms":1764000000000,
         "mirror_lags":[{"partition":2,"lag":7,"last_source_fetch_offset":1007},{"partition":0,"lag":0,"last_source_fetch_offset":990},
                        {"partition":1,"lag":42,"last_source_fetch_offset":1042}]},
        {"kind":"KafkaMirrorTopicData","metadata":{"self":"x"},"link_name":"east-to-west","mirror_topic_name":"payments",
         "source_topic_name":"payments","num_partitions":1,"mirror_status":"SOURCE_UNAVAILABLE",
         "mirror_lags":[{"partition":0,"lag":5,"last_source_fetch_offset":500}]}]}
      """;

  @Test
  void lists_links_with_their_topics() throws Exception {
    enqueue(200, """
        {"kind":"KafkaLinkDataList","metadata":{"self":"x"},"data":[{"kind":"KafkaLinkData","metadata":{"self":"x"},
          "source_cluster_id":"lkc-east","destination_cluster_id":"lkc-west","link_name":"east-to-west",
          "link_id":"old-id","cluster_link_id":"Ab12Cd34","topic_names":["orders","payments"],"link_state":"ACTIVE"}]}
        """);
    assertThat(client.links()).containsExactly(new ClusterLinkClient.Link("east-to-west", "Ab12Cd34", "lkc-east", "lkc-west",
        "ACTIVE", List.of("orders", "payments")));
    RecordedRequest request = take();
    assertThat(request.getMethod()).isEqualTo("GET");
    assertThat(request.getPath()).isEqualTo(LINKS);
    assertThat(request.getHeader("Authorization")).startsWith("Basic ");
  }

  @Test
  void describes_mirror_topics_with_per_partition_lag_and_the_largest() throws Exception {
    enqueue(200, MIRRORS);
    List<ClusterLinkClient.MirrorTopic> mirrors = client.mirrors("east-to-west");
    assertThat(take().getPath()).isEqualTo(LINKS + "/east-to-west/mirrors");
    assertThat(mirrors).hasSize(2);
    ClusterLinkClient.MirrorTopic orders = mirrors.get(0);
    assertThat(orders.status()).isEqualTo("ACTIVE");
    assertThat(orders.lags()).extracting(ClusterLinkClient.PartitionLag::partition).containsExactly(0, 1, 2);
    assertThat(orders.maxLag()).isEqualTo(42);
    assertThat(orders.totalLag()).isEqualTo(49);
    assertThat(orders.stateTime()).isPresent();
    assertThat(mirrors.get(1).stateTime()).isEmpty();
  }

  @Test
  void the_lag_probe_sums_the_lag_and_is_degraded_by_a_mirror_that_is_not_active() {
    enqueue(200, MIRRORS);
    HealthSignal signal = client.lagProbe("east-to-west", Clock.systemUTC()).probe();
    assertThat(signal.status()).isEqualTo(HealthSignal.Status.DEGRADED);
    assertThat(signal.metrics()).containsEntry(Metrics.REPLICATION_LAG_RECORDS, 54.0);
    assertThat(signal.detail()).contains("most behind: 'orders' (42 records").contains("payments SOURCE_UNAVAILABLE");
  }

  @Test
  void failover_posts_the_topic_names_and_reports_an_outcome_per_topic() throws Exception {
    enqueue(200, """
        {"kind":"KafkaAlterMirrorStatusResponseDataList","metadata":{"self":"x"},"data":[
          {"kind":"KafkaAlterMirrorStatusResponseData","metadata":{"self":"x"},"mirror_topic_name":"orders",
           "error_message":null,"error_code":null,"mirror_lags":[{"partition":0,"lag":0,"last_source_fetch_offset":10}]},
          {"kind":"KafkaAlterMirrorStatusResponseData","metadata":{"self":"x"},"mirror_topic_name":"payments",
           "error_message":"Topic 'payments' is not a mirror topic","error_code":400,"mirror_lags":[]}]}
        """);
    List<ClusterLinkClient.MirrorOutcome> outcomes = client.failover("east-to-west", List.of("orders", "payments"), false);
    RecordedRequest request = take();
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getPath()).isEqualTo(LINKS + "/east-to-west/mirrors:failover?validate_only=false");
    assertThat(request.getBody().readUtf8()).isEqualTo("{\"mirror_topic_names\":[\"orders\",\"payments\"]}");
    assertThat(outcomes).containsExactly(new ClusterLinkClient.MirrorOutcome("orders", true, 0, ""),
        new ClusterLinkClient.MirrorOutcome("payments", false, 400, "Topic 'payments' is not a mirror topic"));
  }

  @Test
  void promote_can_be_validated_only() throws Exception {
    enqueue(200, """
        {"kind":"KafkaAlterMirrorStatusResponseDataList","metadata":{"self":"x"},"data":[
          {"kind":"KafkaAlterMirrorStatusResponseData","metadata":{"self":"x"},"mirror_topic_name":"orders","mirror_lags":[]}]}
        """);
    assertThat(client.promote("east-to-west", List.of("orders"), true)).extracting(ClusterLinkClient.MirrorOutcome::succeeded)
        .containsExactly(true);
    assertThat(take().getPath()).isEqualTo(LINKS + "/east-to-west/mirrors:promote?validate_only=true");
  }

  @Test
  void an_unknown_link_is_named_and_the_credentials_are_not() {
    enqueue(404, "{\"error_code\":404,\"message\":\"Cluster link 'nope' does not exist\"}");
    assertThatThrownBy(() -> client.mirrors("nope"))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("Cluster link 'nope' not found on cluster lkc-west")
        .hasMessageContaining("check the link name")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("link-secret-value").doesNotContain("LINKKEY"));
  }

  @Test
  void a_server_error_is_a_remote_service_error_naming_the_url() {
    enqueue(500, "{\"error_code\":500,\"message\":\"boom\"}");
    assertThatThrownBy(() -> client.mirror("east-to-west", "orders"))
        .isInstanceOf(io.streamdr.core.RemoteServiceException.class)
        .hasMessageContaining("/kafka/v3/clusters/lkc-west/links/east-to-west/mirrors/orders");
  }
}
