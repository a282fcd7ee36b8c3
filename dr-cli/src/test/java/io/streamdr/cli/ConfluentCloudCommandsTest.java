package io.streamdr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `connectors` and `savepoint` against Confluent Cloud's documented API shapes, from a region's confluentCloud section. */
class ConfluentCloudCommandsTest {
  private static final String SECRET = "cloud-secret-value";
  private MockWebServer server;
  @TempDir Path dir;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  private void enqueue(String json) {
    server.enqueue(new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(json));
  }

  private String config() throws Exception {
    Path f = dir.resolve("streamdr.yaml");
    String url = server.url("/").toString().replaceAll("/$", "");
    Files.writeString(f, """
        primary: us-east-1
        regions:
          - name: us-east-1
            bootstrap: east:9092
            confluentCloud:
              environment: env-a1b2c3
              connect: {endpoint: "%s", cluster: lkc-x1y2z3, apiKey: CLOUDKEY, apiSecret: %s}
              flink: {endpoint: "%s", organization: org-1, computePool: lfcp-east, principal: sa-router, apiKey: FLINKKEY, apiSecret: %s}
          - {name: us-west-2, bootstrap: west:9092}
        backups: {directory: "%s"}
        """.formatted(url, SECRET, url, SECRET, dir.resolve("backups")));
    return f.toString();
  }

  @Test
  void connectors_backup_reads_confluent_cloud_connectors_with_the_cloud_api_key_and_never_shows_the_secret() throws Exception {
    String cfg = config();
    enqueue("[\"pg-source\"]");
    enqueue("""
        {"name":"pg-source","type":"source","config":{"connector.class":"PostgresCdcSource","kafka.api.key":"K",
         "kafka.api.secret":"****","tasks.max":"1"},"tasks":[{"connector":"pg-source","task":0}]}""");
    enqueue("""
        {"name":"pg-source","connector":{"state":"RUNNING","worker_id":"pg-source","trace":""},
         "tasks":[{"id":0,"state":"RUNNING","worker_id":"pg-source"}],"type":"source"}""");
    enqueue("""
        {"name":"pg-source","id":"lcc-abc","offsets":[{"partition":{"server":"pg"},"offset":{"lsn":123456,"txId":77}}],
         "metadata":{"observed_at":"2026-11-24T10:00:00Z"}}""");

    String[] r = StreamDrCliTest.run("connectors", "backup", "-c", cfg, "--id", "cc1");

    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
    assertThat(r[1]).contains("Connector snapshot cc1 of us-east-1: 1 connectors").contains("pg-source: RUNNING, 1 offset partition(s)");
    RecordedRequest list = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(list.getPath()).isEqualTo("/connect/v1/environments/env-a1b2c3/clusters/lkc-x1y2z3/connectors");
    assertThat(list.getHeader("Authorization")).isEqualTo("Basic "
        + Base64.getEncoder().encodeToString(("CLOUDKEY:" + SECRET).getBytes(StandardCharsets.UTF_8)));
    assertThat(r[1] + r[2]).doesNotContain(SECRET);
    try (Stream<Path> files = Files.walk(dir.resolve("backups"))) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        assertThat(Files.readString(p)).as(p.toString()).doesNotContain(SECRET);
      }
    }
    assertThat(Files.readString(dir.resolve("backups/connectors/cc1/snapshot.json"))).contains("\"lsn\"").contains("123456");
  }

  /** A stopped Confluent Cloud Flink statement with its latest offsets, as the statements API returns it. */
  private static final String STOPPED_STATEMENT = """
        {"api_version":"sql/v1","kind":"Statement","name":"routing","organization_id":"org-1","environment_id":"env-a1b2c3",
         "metadata":{"resource_version":"7","created_at":"2026-11-24T00:00:00Z"},
         "spec":{"statement":"INSERT INTO filtered SELECT * FROM raw","properties":{},"compute_pool_id":"lfcp-east",
                 "principal":"sa-router","stopped":true},
         "status":{"phase":"STOPPED","detail":"stopped","latest_offsets":{"raw-business-events":"partition:0,offset:100"},
                   "latest_offsets_timestamp":"2026-11-24T10:00:00Z"}}""";

  @Test
  void savepoint_list_reads_a_stopped_statement_s_offsets_from_confluent_cloud_flink() throws Exception {
    String cfg = config();
    enqueue(STOPPED_STATEMENT);

    String[] r = StreamDrCliTest.run("savepoint", "-c", cfg, "--job", "routing", "--list");

    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
    assertThat(r[1]).contains("1 recovery points of job routing in us-east-1").contains("OFFSETS").contains("partition:0,offset:100");
    RecordedRequest get = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(get.getPath()).isEqualTo("/sql/v1/organizations/org-1/environments/env-a1b2c3/statements/routing");
    assertThat(get.getHeader("Authorization")).startsWith("Basic ");

    enqueue(STOPPED_STATEMENT);
    String[] json = StreamDrCliTest.run("savepoint", "-c", cfg, "--job", "routing", "--list", "--json");
    assertThat(json[0]).as(json[2]).isEqualTo("0");
    var points = new com.fasterxml.jackson.databind.ObjectMapper()
        .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(json[1]);
    assertThat(points.isArray()).isTrue();
    assertThat(points.get(0).toString()).contains("partition:0,offset:100");
  }

  @Test
  void a_cloud_section_that_misses_a_key_or_conflicts_with_a_url_is_named() throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, """
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092, confluentCloud: {environment: env-1, connect: {cluster: lkc-1, apiKey: K}}}
          - {name: us-west-2, bootstrap: west:9092}
        """);
    String[] missing = StreamDrCliTest.run("connectors", "list", "-c", f.toString());
    assertThat(missing[0]).isEqualTo("2");
    assertThat(missing[2]).contains("'regions[0].confluentCloud.connect.apiSecret' is required");

    Files.writeString(f, """
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092, connect: "http://c:8083", confluentCloud: {environment: env-1, connect: {cluster: lkc-1, apiKey: K, apiSecret: S}}}
          - {name: us-west-2, bootstrap: west:9092}
        """);
    String[] conflict = StreamDrCliTest.run("connectors", "list", "-c", f.toString());
    assertThat(conflict[2]).contains("'regions[0].confluentCloud.connect' conflicts with the region's 'connect' URL");
  }
}
