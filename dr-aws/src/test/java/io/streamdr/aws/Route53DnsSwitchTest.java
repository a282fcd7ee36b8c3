package io.streamdr.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.RemoteServiceException;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionSwitch;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
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
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.RRType;

class Route53DnsSwitchTest {
  private static final String NS = "https://route53.amazonaws.com/doc/2013-04-01/";
  private static final Region EAST = Region.of("us-east-1", "east:9092");
  private static final Region WEST = Region.of("us-west-2", "west:9092");
  private MockWebServer server;
  private Route53Client route53;
  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  private Route53DnsSwitch dns;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
    route53 = Route53Client.builder().endpointOverride(URI.create(server.url("/").toString()))
        .region(software.amazon.awssdk.regions.Region.AWS_GLOBAL)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIATESTKEY", "route53-secret-key")))
        .build();
    dns = new Route53DnsSwitch(route53, "Z1D633PJN98FT9", "kafka.streaming.example.com", RRType.CNAME, 60,
        Map.of("us-east-1", "kafka.us-east-1.example.com", "us-west-2", "kafka.us-west-2.example.com"), Duration.ofSeconds(30), waits::add);
  }

  @AfterEach
  void stop() throws Exception {
    route53.close();
    server.shutdown();
  }

  private void xml(int code, String body) {
    server.enqueue(new MockResponse().setResponseCode(code).setHeader("Content-Type", "text/xml").setBody(body));
  }

  private void current(String value) {
    xml(200, """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListResourceRecordSetsResponse xmlns="%s"><ResourceRecordSets><ResourceRecordSet>
        <Name>kafka.streaming.example.com.</Name><Type>CNAME</Type><TTL>60</TTL>
        <ResourceRecords><ResourceRecord><Value>%s</Value></ResourceRecord></ResourceRecords>
        </ResourceRecordSet></ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>1</MaxItems></ListResourceRecordSetsResponse>"""
        .formatted(NS, value));
  }

  private void change(String responseElement, String status) {
    xml(200, """
        <?xml version="1.0" encoding="UTF-8"?>
        <%s xmlns="%s"><ChangeInfo><Id>/change/C2682N5HXP0BZ4</Id><Status>%s</Status>
        <SubmittedAt>2026-11-24T10:00:00.000Z</SubmittedAt></ChangeInfo></%s>""".formatted(responseElement, NS, status, responseElement));
  }

  private RecordedRequest take() throws InterruptedException {
    return server.takeRequest(5, TimeUnit.SECONDS);
  }

  @Test
  void upserts_the_record_and_waits_until_the_change_is_insync() throws Exception {
    current("kafka.us-east-1.example.com");
    change("ChangeResourceRecordSetsResponse", "PENDING");
    change("GetChangeResponse", "PENDING");
    change("GetChangeResponse", "INSYNC");
    Route53DnsSwitch.Result result = dns.switchTo(WEST);
    assertThat(result.changed()).isTrue();
    assertThat(result.value()).isEqualTo("kafka.us-west-2.example.com");
    assertThat(result.changeId()).hasValueSatisfying(id -> assertThat(id).contains("C2682N5HXP0BZ4"));
    RecordedRequest list = take();
    assertThat(list.getMethod()).isEqualTo("GET");
    assertThat(list.getPath()).startsWith("/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset").contains("name=kafka.streaming.example.com.")
        .contains("type=CNAME");
    RecordedRequest upsert = take();
    assertThat(upsert.getMethod()).isEqualTo("POST");
    assertThat(upsert.getPath()).isEqualTo("/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset/"); // the documented path
    String body = upsert.getBody().readUtf8();
    assertThat(body).contains("<Action>UPSERT</Action>").contains("<Name>kafka.streaming.example.com.</Name>")
        .contains("<Type>CNAME</Type>").contains("<TTL>60</TTL>").contains("<Value>kafka.us-west-2.example.com</Value>");
    assertThat(upsert.getHeader("Authorization")).contains("AKIATESTKEY").doesNotContain("route53-secret-key");
    assertThat(take().getPath()).endsWith("/change/C2682N5HXP0BZ4");
    assertThat(take().getPath()).endsWith("/change/C2682N5HXP0BZ4");
    assertThat(waits).hasSize(1);
  }

  @Test
  void is_idempotent_when_the_record_already_points_at_the_target() {
    current("kafka.us-west-2.example.com");
    Route53DnsSwitch.Result result = dns.switchTo(WEST);
    assertThat(result.changed()).isFalse();
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void a_throttled_or_failing_call_is_retried_by_the_sdk() {
    current("kafka.us-east-1.example.com");
    xml(503, "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"" + NS + "\"><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
        + "<Message>try again</Message></Error><RequestId>r1</RequestId></ErrorResponse>");
    change("ChangeResourceRecordSetsResponse", "PENDING");
    change("GetChangeResponse", "INSYNC");
    assertThat(dns.switchTo(WEST).changed()).isTrue();
    assertThat(server.getRequestCount()).isEqualTo(4);
  }

  @Test
  void a_change_that_stays_pending_past_the_deadline_is_a_timeout_naming_the_change() {
    Route53DnsSwitch quick = new Route53DnsSwitch(route53, "Z1D633PJN98FT9", "kafka.streaming.example.com", RRType.CNAME, 60,
        Map.of("us-west-2", "kafka.us-west-2.example.com"), Duration.ofMillis(1), d -> { });
    current("kafka.us-east-1.example.com");
    change("ChangeResourceRecordSetsResponse", "PENDING");
    change("GetChangeResponse", "PENDING");
    assertThatThrownBy(() -> quick.switchTo(WEST)).isInstanceOf(DrTimeoutException.class).hasMessageContaining("C2682N5HXP0BZ4")
        .hasMessageContaining("PENDING");
  }

  @Test
  void follows_a_region_router_switch() {
    current("kafka.us-east-1.example.com");
    change("ChangeResourceRecordSetsResponse", "PENDING");
    change("GetChangeResponse", "INSYNC");
    dns.listener().accept(new RegionSwitch(EAST, WEST, 2, "drill", Instant.now(), true));
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void a_region_without_a_dns_value_is_refused_by_name() {
    assertThatThrownBy(() -> dns.switchTo(Region.of("eu-west-1", "eu:9092"))).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("eu-west-1");
  }

  private static final String WHERE = "Route 53 zone Z1D633PJN98FT9 record kafka.streaming.example.com.";

  private void error(int code, String errorCode) {
    xml(code, "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"" + NS + "\"><Error><Type>Receiver</Type><Code>" + errorCode
        + "</Code><Message>try again</Message></Error><RequestId>r1</RequestId></ErrorResponse>");
  }

  @Test
  void a_5xx_storm_longer_than_the_sdk_retries_fails_naming_the_zone_and_the_record() {
    for (int i = 0; i < 6; i++) {
      error(503, "ServiceUnavailable");
    }
    assertThatThrownBy(() -> dns.switchTo(WEST))
        .isInstanceOfSatisfying(RemoteServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(503))
        .hasMessageContaining(WHERE).hasMessageContaining("ServiceUnavailable")
        .hasMessageNotContaining("route53-secret-key");
    assertThat(server.getRequestCount()).as("the SDK's default retries: one attempt and three retries").isEqualTo(4);
  }

  @Test
  void throttling_is_retried_by_the_sdk() {
    error(400, "Throttling");
    current("kafka.us-west-2.example.com");
    assertThat(dns.switchTo(WEST).changed()).isFalse();
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void malformed_xml_fails_naming_the_zone_and_the_record() {
    xml(200, "<?xml version=\"1.0\"?><ListResourceRecordSetsResponse xmlns=\"" + NS + "\"><ResourceRecordSets><Resou");
    assertThatThrownBy(() -> dns.switchTo(WEST)).isInstanceOf(RemoteServiceException.class).hasMessageContaining(WHERE);
  }

  @Test
  void a_body_slower_than_the_clients_call_timeout_is_a_timeout_naming_the_record() {
    try (Route53Client slowCalls = Route53Client.builder().endpointOverride(URI.create(server.url("/").toString()))
        .region(software.amazon.awssdk.regions.Region.AWS_GLOBAL)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIATESTKEY", "route53-secret-key")))
        .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofMillis(800)))
        .build()) {
      Route53DnsSwitch slow = new Route53DnsSwitch(slowCalls, "Z1D633PJN98FT9", "kafka.streaming.example.com", RRType.CNAME,
          60, Map.of("us-west-2", "kafka.us-west-2.example.com"), Duration.ofSeconds(30), d -> { });
      for (int i = 0; i < 3; i++) {
        server.enqueue(new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/xml")
            .setBody("<?xml version=\"1.0\"?>" + " ".repeat(4_000)).throttleBody(64, 1, TimeUnit.SECONDS));
      }
      assertThatThrownBy(() -> slow.switchTo(WEST)).isInstanceOf(DrTimeoutException.class)
          .hasMessageContaining(WHERE).hasMessageContaining("PT0.8S");
    }
  }
}
