package io.streamdr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.connect.ConnectRestAdmin;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.testkit.EmbeddedConnect;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secret scan: sentinel secrets in the configuration (through the environment) and in a connector's settings;
 * the commands run as separate processes with every log at INFO and StreamDR at DEBUG (their own log configuration); their standard output and
 * error, every file they wrote (backups, snapshots, checkpoints, the active-region record, reports) scanned for the
 * sentinels: none may appear.
 */
class SecretScanIT {
  @RegisterExtension
  @Order(1)
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  @Order(2)
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();
  @RegisterExtension
  @Order(3)
  static final EmbeddedConnect CONNECT = EmbeddedConnect.on(EAST, "connect-secrets");

  private static final String JAAS_SECRET = "SENTINEL-jaas-7f3c9a";
  private static final String TRUSTSTORE_SECRET = "SENTINEL-truststore-41d8e2";
  private static final String CONNECTOR_SECRET = "SENTINEL-connector-b62a05";
  private static final String CLOUD_SECRET = "SENTINEL-cloud-e90f17";
  private static final String S3_SECRET = "SENTINEL-s3-5ac1d3";
  private static final List<String> SENTINELS = List.of(JAAS_SECRET, TRUSTSTORE_SECRET, CONNECTOR_SECRET, CLOUD_SECRET, S3_SECRET);
  @RegisterExtension
  @Order(4)
  static final io.streamdr.testkit.EmbeddedS3 S3 = io.streamdr.testkit.EmbeddedS3.withCredentials("scan-access", S3_SECRET);

  @TempDir Path dir;

  private Path config() throws Exception {
    Path f = dir.resolve("streamdr.yaml");
    Files.writeString(f, """
        primary: us-east-1
        regions:
          - name: us-east-1
            bootstrap: "%s"
            connect: "%s"
            properties:
              sasl.jaas.config: ${EAST_JAAS}
              ssl.truststore.password: ${EAST_TRUSTSTORE_PASSWORD}
          - name: us-west-2
            bootstrap: "%s"
            confluentCloud:
              environment: env-a1b2c3
              connect: {endpoint: "http://localhost:1", cluster: lkc-x1y2z3, apiKey: KEY, apiSecret: "${CC_SECRET}"}
        replication: identity
        activeRegion: {store: file, path: "%s"}
        backups: {directory: "%s"}
        """.formatted(EAST.bootstrapServers(), CONNECT.restUrl(), WEST.bootstrapServers(), dir.resolve("active-region.json"),
        dir.resolve("backups")));
    return f;
  }

  /** Every log at INFO (the Kafka clients print their whole configuration there), StreamDR at DEBUG, on standard error. */
  private Path logConfig() throws Exception {
    Path f = dir.resolve("log4j2-scan.xml");
    Files.writeString(f, """
        <Configuration status="WARN">
          <Appenders><Console name="E" target="SYSTEM_ERR"><PatternLayout pattern="%d %p %c - %m%n%throwable"/></Console></Appenders>
          <Loggers><Logger name="io.streamdr" level="DEBUG"/><Root level="INFO"><AppenderRef ref="E"/></Root></Loggers>
        </Configuration>
        """);
    return f;
  }

  private record Ran(List<String> args, int code, String out, String err) {}

  private Ran streamdr(String... args) throws Exception {
    Process p = process(args);
    Path out = dir.resolve("out-" + p.pid() + ".txt");
    Path err = dir.resolve("err-" + p.pid() + ".txt");
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("streamdr %s finished", List.of(args)).isTrue();
    return new Ran(List.of(args), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  /** Starts {@code streamdr args} with the sentinels in its environment; its output goes to out-PID.txt and err-PID.txt. */
  private Process process(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-Dlog4j2.configurationFile=" + logConfig().toUri(), "-cp", System.getProperty("java.class.path"), StreamDr.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("EAST_JAAS", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"dr\" password=\""
        + JAAS_SECRET + "\";");
    pb.environment().put("EAST_TRUSTSTORE_PASSWORD", TRUSTSTORE_SECRET);
    pb.environment().put("CC_SECRET", CLOUD_SECRET);
    pb.environment().put("CONNECTOR_PASSWORD", CONNECTOR_SECRET);
    pb.environment().put("AWS_ACCESS_KEY_ID", "scan-access");
    pb.environment().put("AWS_SECRET_ACCESS_KEY", S3_SECRET);
    pb.environment().put("AWS_REGION", "us-east-1");
    Path out = Files.createTempFile(dir, "launch", ".txt");
    Path err = Files.createTempFile(dir, "launch", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    Files.move(out, dir.resolve("out-" + p.pid() + ".txt"));
    Files.move(err, dir.resolve("err-" + p.pid() + ".txt"));
    return p;
  }

  private static String read(Path f) {
    try {
      return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void no_secret_appears_in_any_output_log_error_or_file_of_the_commands() throws Exception {
    EAST.createTopic("orders", 2);
    EAST.produce("orders", Map.of("k1", "v1", "k2", "v2", "k3", "v3"));
    ConnectRestAdmin admin = new ConnectRestAdmin(RestEndpoint.of(CONNECT.restUrl().toString()));
    Path lines = dir.resolve("lines.txt");
    Files.writeString(lines, "a\n");
    Map<String, String> connector = new LinkedHashMap<>(Map.of("connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "tasks.max", "1", "file", lines.toString(), "topic", "lines", "topic.creation.default.replication.factor", "1",
        "topic.creation.default.partitions", "1", "connection.password", CONNECTOR_SECRET));
    admin.apply(ConnectorSpec.of("secret-source", connector));
    Instant deadline = Instant.now().plusSeconds(60);
    while (admin.describe("secret-source").state() != ConnectorState.RUNNING && Instant.now().isBefore(deadline)) {
      Thread.sleep(100); // polling the connector's state, not a synchronization
    }
    String cfg = config().toString();

    List<Ran> runs = new ArrayList<>();
    runs.add(streamdr("backup", "-c", cfg, "--topics", "orders", "--id", "scan-1"));
    runs.add(streamdr("backups", "list", "-c", cfg, "--json"));
    runs.add(streamdr("backups", "verify", "scan-1", "-c", cfg));
    runs.add(streamdr("restore", "-c", cfg, "--backup", "scan-1", "--region", "us-west-2"));
    runs.add(streamdr("verify", "-c", cfg, "--topics", "orders", "--source", "us-east-1", "--target", "us-west-2", "--json"));
    runs.add(streamdr("connectors", "backup", "-c", cfg, "--region", "us-east-1", "--id", "scan-snapshot"));
    runs.add(streamdr("connectors", "list", "-c", cfg, "--region", "us-east-1", "--json"));
    runs.add(streamdr("connectors", "restore", "scan-snapshot", "-c", cfg, "--region", "us-east-1", "--dry-run",
        "--secret", "connection.password=CONNECTOR_PASSWORD"));
    runs.add(streamdr("checkpoint", "-c", cfg, "--region", "us-east-1", "--json"));
    runs.add(streamdr("failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--dry-run"));
    runs.add(streamdr("failover", "-c", cfg, "--to", "us-west-2", "--switch-only", "--reason", "secret scan"));
    runs.add(streamdr("connectors", "list", "-c", cfg, "--region", "us-west-2")); // Confluent Cloud, unreachable: an error
    runs.add(streamdr("failback", "-c", cfg, "--switch-only"));
    runs.add(streamdr("drill", "-c", cfg, "--topics", "orders", "--dry-run", "--report-dir", dir.resolve("report").toString()));

    assertThat(runs.get(0).code()).as(runs.get(0).err()).isZero();
    assertThat(runs.get(3).code()).as(runs.get(3).err()).isZero();
    assertThat(runs.get(5).code()).as(runs.get(5).err()).isZero();
    assertThat(runs.get(11).code()).as("the unreachable Confluent Cloud endpoint is an error").isEqualTo(2);
    assertThat(String.join("\n", runs.stream().map(Ran::err).toList())).as("the logs are at INFO: the clients printed their configuration")
        .contains("sasl.jaas.config = [hidden]");
    for (Ran r : runs) {
      for (String sentinel : SENTINELS) {
        assertThat(r.out()).as("standard output of streamdr %s", r.args()).doesNotContain(sentinel);
        assertThat(r.err()).as("standard error (logs, errors) of streamdr %s", r.args()).doesNotContain(sentinel);
      }
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).filter(f -> !f.equals(dir.resolve("streamdr.yaml")) && !f.equals(lines)
          && !f.getFileName().toString().startsWith("out-") && !f.getFileName().toString().startsWith("err-")).toList();
    }
    assertThat(files).as("files the commands wrote").anyMatch(f -> f.toString().contains("scan-snapshot"))
        .anyMatch(f -> f.toString().contains("pipeline")).anyMatch(f -> f.toString().endsWith("active-region.json"));
    // the control: asked to keep secrets, a snapshot holds the connector's, so the scan can see one where it is
    Ran control = streamdr("connectors", "backup", "-c", cfg, "--region", "us-east-1", "--id", "control", "--keep-secrets");
    assertThat(control.code()).as(control.err()).isZero();
    try (Stream<Path> walk = Files.walk(dir.resolve("backups"))) {
      assertThat(walk.filter(f -> f.toString().contains("control")).filter(Files::isRegularFile).map(SecretScanIT::read))
          .anyMatch(c -> c.contains(CONNECTOR_SECRET));
    }
    for (Path f : files) {
      String content = read(f);
      for (String sentinel : SENTINELS) {
        assertThat(content).as("file %s", dir.relativize(f)).doesNotContain(sentinel);
      }
    }
  }

  @Test
  void the_agent_and_an_s3_target_leak_no_secret_in_output_metrics_health_objects_or_requests() throws Exception {
    EAST.createTopic("payments", 1);
    EAST.produce("payments", Map.of("p1", "v1", "p2", "v2"));
    S3.createBucket("scan-backups");
    try (io.streamdr.testkit.FaultProxy s3 = io.streamdr.testkit.FaultProxy.to("s3", S3.endpoint().toString()).record()) {
      Path f = dir.resolve("agent.yaml");
      Files.writeString(f, Files.readString(config()).replaceFirst("backups: \\{directory: \"[^\"]*\"}",
          "backups: {s3: {bucket: scan-backups, prefix: scan/, endpoint: \"" + s3.url(S3.endpoint().toString()) + "\"}}") + """
          agent:
            port: 0
            failover: {mode: alert, interval: 1s}
            jobs:
              - {name: scan-backup, cron: "* * * * *", backup: {topics: [payments], type: full}}
          """);
      assertThat(Files.readString(f)).contains("s3: {bucket: scan-backups");
      String cfg = f.toString();
      Ran backup = streamdr("backup", "-c", cfg, "--topics", "payments", "--id", "scan-s3");
      assertThat(backup.code()).as(backup.err()).isZero();
      Ran verified = streamdr("backups", "verify", "scan-s3", "-c", cfg);
      assertThat(verified.code()).as(verified.err()).isZero();

      Process agent = process("agent", "-c", cfg, "--grace", "10s");
      Path agentOut = dir.resolve("out-" + agent.pid() + ".txt");
      String metrics;
      String health;
      try {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(200))
            .until(() -> Files.readString(agentOut).contains("job scan-backup done"));
        java.util.regex.Matcher port = java.util.regex.Pattern.compile("on port (\\d+)").matcher(Files.readString(agentOut));
        assertThat(port.find()).isTrue();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port.group(1) + "/metrics")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        health = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port.group(1) + "/health")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      } finally {
        agent.toHandle().destroy(); // SIGTERM: the agent's own shutdown
        assertThat(agent.waitFor(60, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(metrics).contains("streamdr_agent_up");
      Map<String, String> scanned = new LinkedHashMap<>();
      scanned.put("backup's output", backup.out() + backup.err());
      scanned.put("verify's output", verified.out() + verified.err());
      scanned.put("the agent's standard output", Files.readString(agentOut));
      scanned.put("the agent's standard error (logs)", Files.readString(dir.resolve("err-" + agent.pid() + ".txt")));
      scanned.put("/metrics", metrics);
      scanned.put("/health", health);
      scanned.put("the HTTP traffic to and from S3", s3.recorded());
      for (var o : S3.client().listObjectsV2Paginator(b -> b.bucket("scan-backups")).contents()) {
        scanned.put("s3://scan-backups/" + o.key(), new String(S3.client().getObjectAsBytes(b -> b.bucket("scan-backups").key(o.key()))
            .asByteArray(), StandardCharsets.ISO_8859_1));
      }
      assertThat(scanned.keySet()).as("objects the backup and the agent wrote")
          .anyMatch(k -> k.contains("scan-s3")).anyMatch(k -> k.contains("scan-backup"));
      assertThat(s3.recorded()).as("the requests went through the recording proxy").contains("PUT /scan-backups/scan/");
      assertThat(s3.recorded()).as("signed, so the scan sees the request headers").contains("AWS4-HMAC-SHA256 Credential=scan-access/");
      scanned.forEach((where, content) -> {
        for (String sentinel : SENTINELS) {
          assertThat(content).as(where).doesNotContain(sentinel);
        }
      });
    }
  }
}
