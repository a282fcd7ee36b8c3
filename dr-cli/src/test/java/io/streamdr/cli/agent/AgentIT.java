package io.streamdr.cli.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.cli.StreamDr;
import io.streamdr.cli.TwoRegionConfig;
import io.streamdr.core.internal.Json;
import io.streamdr.testing.ChildJvm;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code streamdr agent} as a real process against real clusters: scraped, its primary stopped, stopped with SIGTERM.
 * Each test has its own primary cluster, as the first stops it.
 */
class AgentIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  @TempDir Path dir;
  private final List<Process> started = new CopyOnWriteArrayList<>();
  private Process agent;
  private List<String> lines = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private String config(String east, String west, String mode) throws Exception {
    return config(east, west, mode, "agent-it");
  }

  private String config(String east, String west, String mode, String owner) throws Exception {
    return TwoRegionConfig.write(dir, owner + ".yaml", east, west, """
        agent:
          port: 0
          owner: %s
          failover: {mode: %s, interval: 1s, unreachableFor: 3s, replicatedTopics: [orders]}
          jobs:
            - {name: orders-backup, cron: "* * * * *", backup: {topics: [orders], type: incremental}}
            - {name: prune, cron: "* * * * *", prune: {}}
        """.formatted(owner, mode));
  }

  private int start(String config) throws Exception {
    agent = ChildJvm.start(StreamDr.class, "agent", "-c", config, "--grace", "30s");
    started.add(agent);
    lines = new CopyOnWriteArrayList<>();
    List<String> lines = this.lines;
    Process agent = this.agent;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (java.io.IOException ignored) {
        // the process ended
      }
    }, "agent-stdout");
    reader.setDaemon(true);
    reader.start();
    await("the agent's start line", Duration.ofSeconds(60), () -> lines.stream().anyMatch(l -> l.contains(" started: ")));
    Matcher m = Pattern.compile("on port (\\d+)").matcher(lines.stream().filter(l -> l.contains(" started: ")).findFirst().orElseThrow());
    assertThat(m.find()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void await(String what, Duration deadline, BooleanSupplier condition) throws InterruptedException {
    Instant end = Instant.now().plus(deadline);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(end)) {
        throw new AssertionError("Timed out after " + deadline + " waiting for " + what + "; the agent printed:\n"
            + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
      }
      Thread.sleep(100); // polling interval of the wait, not a synchronization
    }
  }

  private static double metric(String scrape, String name, String labels) {
    for (String line : scrape.lines().toList()) {
      if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && containsAll(line, labels)) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return Double.NaN;
  }

  private static boolean containsAll(String line, String labels) {
    for (String l : labels.split(",")) {
      if (!l.isBlank() && !line.contains(l.trim())) {
        return false;
      }
    }
    return true;
  }

  private String scrape(int port) {
    try {
      HttpResponse<String> r = get(port, "/metrics");
      assertThat(r.statusCode()).isEqualTo(200);
      return r.body();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void auto_mode_backs_up_on_schedule_fails_over_when_the_primary_stops_and_exports_it_all() throws Exception {
    try (EmbeddedKafkaCluster east = EmbeddedKafkaCluster.builder().name("us-east-1").build();
         EmbeddedKafkaCluster west = EmbeddedKafkaCluster.builder().name("us-west-2").build()) {
      east.start();
      west.start();
      east.createTopic("orders", 2);
      east.produce("orders", Map.of("k1", "v1", "k2", "v2", "k3", "v3"));
      int port = start(config(east.bootstrapServers(), west.bootstrapServers(), "auto"));

      await("the scheduled backup", Duration.ofSeconds(60), () -> metric(scrape(port), "streamdr_agent_job_runs_total",
          "job=\"orders-backup\",outcome=\"ok\"") == 1.0);
      String before = scrape(port);
      assertThat(metric(before, "streamdr_backup_records_total", "set=\"orders-backup\"")).isEqualTo(3.0);
      assertThat(metric(before, "streamdr_progress_records", "operation=\"backup\",set=\"orders-backup\"")).isEqualTo(3.0);
      assertThat(metric(before, "streamdr_region_active", "region=\"us-east-1\"")).isEqualTo(1.0);
      assertThat(metric(before, "streamdr_probe_status", "probe=\"us-east-1/kafka\"")).isEqualTo(0.0);
      // nothing replicates orders to us-west-2 here: all three records are behind
      assertThat(metric(before, "streamdr_probe_replication_lag_records", "probe=\"us-east-1/replication\"")).isEqualTo(3.0);
      HttpResponse<String> health = get(port, "/health");
      assertThat(health.statusCode()).isEqualTo(200);
      JsonNode h = Json.MAPPER.readTree(health.body());
      assertThat(h.path("activeRegion").asText()).isEqualTo("us-east-1");
      assertThat(h.path("status").asText()).as("orders is not replicated to us-west-2 at all").isEqualTo("DEGRADED");
      assertThat(h.path("jobs").get(0).path("last").path("outcome").asText()).isEqualTo("ok");

      east.stop();

      await("the failover in the metrics", Duration.ofSeconds(60), () -> metric(scrape(port), "streamdr_failover_decisions_total",
          "action=\"switched\",trigger=\"primary-unreachable\"") == 1.0);
      String after = scrape(port);
      assertThat(metric(after, "streamdr_region_active", "region=\"us-west-2\"")).isEqualTo(1.0);
      assertThat(metric(after, "streamdr_probe_status", "probe=\"us-east-1/kafka\"")).isEqualTo(2.0);
      assertThat(metric(after, "streamdr_alerts_total", "severity=\"CRITICAL\"")).isGreaterThanOrEqualTo(1.0);
      assertThat(Files.readString(dir.resolve("active-region.json"))).contains("us-west-2");
      await("the failover's report", Duration.ofSeconds(10), () -> lines.stream().anyMatch(l -> l.contains("failover switched")));
      try (var reports = Files.list(dir.resolve("backups/agent/reports"))) {
        JsonNode report = Json.MAPPER.readTree(reports.findFirst().orElseThrow().toFile());
        assertThat(report.path("to").asText()).isEqualTo("us-west-2");
        assertThat(report.path("detectionToSwitchMillis").asLong()).isGreaterThanOrEqualTo(3000);
      }
      assertThat(lines).anyMatch(l -> l.contains("alert CRITICAL: Failed over from us-east-1 to us-west-2"));
      dashboardQueriesOnlyExportedMetrics(scrape(port));

      agent.toHandle().destroy(); // SIGTERM (Process.destroy would also close the pipe the stop line comes through)
      assertThat(agent.waitFor(60, TimeUnit.SECONDS)).isTrue();
      await("the stop line", Duration.ofSeconds(5), () -> lines.stream().anyMatch(l -> l.contains("agent agent-it stopped")));
    }
  }

  @Test
  void alert_mode_raises_the_alert_with_the_command_and_leaves_the_active_region() throws Exception {
    try (EmbeddedKafkaCluster east = EmbeddedKafkaCluster.builder().name("us-east-1").build();
         EmbeddedKafkaCluster west = EmbeddedKafkaCluster.builder().name("us-west-2").build();
         okhttp3.mockwebserver.MockWebServer hook = new okhttp3.mockwebserver.MockWebServer()) {
      east.start();
      west.start();
      hook.start();
      for (int i = 0; i < 10; i++) {
        hook.enqueue(new okhttp3.mockwebserver.MockResponse().setResponseCode(204));
      }
      String config = config(east.bootstrapServers(), west.bootstrapServers(), "alert");
      Files.writeString(Path.of(config), Files.readString(Path.of(config)).replace("  owner: agent-it\n",
          "  owner: agent-it\n  webhooks: [\"" + hook.url("/hooks/streamdr") + "\"]\n"));
      int port = start(config);
      await("the probe's first signal", Duration.ofSeconds(30), () -> metric(scrape(port), "streamdr_probe_status",
          "probe=\"us-east-1/kafka\"") == 0.0);

      east.stop();

      await("the advice", Duration.ofSeconds(60), () -> metric(scrape(port), "streamdr_failover_decisions_total",
          "action=\"advised\"") >= 1.0);
      String after = scrape(port);
      assertThat(metric(after, "streamdr_region_active", "region=\"us-east-1\"")).isEqualTo(1.0);
      assertThat(lines).anyMatch(l -> l.contains("alert CRITICAL") && l.contains("run 'streamdr failover --to us-west-2'"));
      assertThat(Files.readString(dir.resolve("active-region.json"))).contains("us-east-1").doesNotContain("us-west-2");
      HttpResponse<String> health = get(port, "/health");
      assertThat(health.statusCode()).isEqualTo(503);
      assertThat(Json.MAPPER.readTree(health.body()).path("decision").path("action").asText()).isEqualTo("ADVISED");
      // the agent keeps watching: with the primary still down it advises again after another threshold
      await("the advice repeated", Duration.ofSeconds(60), () -> metric(scrape(port), "streamdr_failover_decisions_total",
          "action=\"advised\"") >= 2.0);
      assertThat(Files.readString(dir.resolve("active-region.json"))).doesNotContain("us-west-2");
      java.util.List<JsonNode> posted = new java.util.ArrayList<>();
      for (okhttp3.mockwebserver.RecordedRequest r; (r = hook.takeRequest(5, TimeUnit.SECONDS)) != null; ) {
        assertThat(r.getPath()).isEqualTo("/hooks/streamdr");
        posted.add(Json.MAPPER.readTree(r.getBody().readUtf8()));
        if (posted.stream().anyMatch(p -> p.path("severity").asText().equals("CRITICAL"))) {
          break;
        }
      }
      assertThat(posted).anySatisfy(p -> {
        assertThat(p.path("severity").asText()).isEqualTo("CRITICAL");
        assertThat(p.path("title").asText()).contains("streamdr failover --to us-west-2");
      });
    }
  }

  @Test
  void two_agents_on_one_store_and_one_backup_target_fail_over_once_and_run_each_slot_once() throws Exception {
    try (EmbeddedKafkaCluster east = EmbeddedKafkaCluster.builder().name("us-east-1").build();
         EmbeddedKafkaCluster west = EmbeddedKafkaCluster.builder().name("us-west-2").build()) {
      east.start();
      west.start();
      east.createTopic("orders", 2);
      east.produce("orders", Map.of("k1", "v1"));
      int a = start(config(east.bootstrapServers(), west.bootstrapServers(), "auto", "agent-a"));
      List<String> linesA = lines;
      int b = start(config(east.bootstrapServers(), west.bootstrapServers(), "auto", "agent-b"));
      List<String> linesB = lines;
      await("the backup of the first slot by one of them", Duration.ofSeconds(60), () -> zeroIfAbsent(metric(scrape(a),
          "streamdr_agent_job_runs_total", "job=\"orders-backup\"")) + zeroIfAbsent(metric(scrape(b), "streamdr_agent_job_runs_total",
          "job=\"orders-backup\"")) >= 1.0);

      east.stop();

      await("a failover", Duration.ofSeconds(60), () -> Files.exists(dir.resolve("active-region.json"))
          && read(dir.resolve("active-region.json")).contains("us-west-2"));
      await("both agents following us-west-2", Duration.ofSeconds(30), () -> metric(scrape(a), "streamdr_region_active",
          "region=\"us-west-2\"") == 1.0 && metric(scrape(b), "streamdr_region_active", "region=\"us-west-2\"") == 1.0);
      double switched = zeroIfAbsent(metric(scrape(a), "streamdr_failover_decisions_total", "action=\"switched\""))
          + zeroIfAbsent(metric(scrape(b), "streamdr_failover_decisions_total", "action=\"switched\""));
      assertThat(switched).as("switches made by the two agents").isEqualTo(1.0);
      assertThat(Json.MAPPER.readTree(dir.resolve("active-region.json").toFile()).path("epoch").asLong()).isEqualTo(2);

      Path runs = dir.resolve("backups/agent/jobs/orders-backup/runs");
      // a slot that began as the minute turned may still be running: wait until every claimed slot is done and told
      await("every claimed slot done", Duration.ofSeconds(60), () -> slots(runs).stream().allMatch(slot -> Files.exists(slot.resolve("done.json")))
          && runsTold(linesA) + runsTold(linesB) == slots(runs).size());
      List<Path> slots = slots(runs);
      assertThat(slots).isNotEmpty().allSatisfy(slot -> {
        assertThat(slot.resolve("attempt-1.json")).exists();
        assertThat(slot.resolve("attempt-2.json")).doesNotExist();
      });
      long ranA = runsTold(linesA);
      long ranB = runsTold(linesB);
      assertThat(ranA + ranB).as("backup runs by both agents, one per slot").isEqualTo(slots.size());
    }
  }

  @Test
  void auto_mode_with_pipeline_restores_the_schemas_then_starts_the_connectors_of_the_newest_checkpoint_in_the_secondary() throws Exception {
    try (EmbeddedKafkaCluster east = EmbeddedKafkaCluster.builder().name("us-east-1").build();
         EmbeddedKafkaCluster west = EmbeddedKafkaCluster.builder().name("us-west-2").build();
         io.streamdr.testkit.EmbeddedSchemaRegistry eastRegistry = io.streamdr.testkit.EmbeddedSchemaRegistry.create("us-east-1");
         io.streamdr.testkit.EmbeddedSchemaRegistry westRegistry = io.streamdr.testkit.EmbeddedSchemaRegistry.create("us-west-2")) {
      east.start();
      west.start();
      eastRegistry.start();
      westRegistry.start();
      // the change events us-east-1 wrote carry this id; us-west-2's registry has never seen it
      int id = io.streamdr.core.internal.http.RestClient.of(eastRegistry.url().toString()).post("/subjects/lines-value/versions",
          Map.of("schema", "{\"type\":\"record\",\"name\":\"Line\",\"fields\":[{\"name\":\"text\",\"type\":\"string\"}]}"))
          .path("id").asInt();
      try (io.streamdr.testkit.EmbeddedConnect westConnect = io.streamdr.testkit.EmbeddedConnect.on(west, "connect-west")) {
        westConnect.start();
        io.streamdr.connect.ConnectRestAdmin admin = new io.streamdr.connect.ConnectRestAdmin(
            io.streamdr.core.http.RestEndpoint.of(westConnect.restUrl().toString()));
        // us-east-1's checkpoint holds a running file source connector (captured here from a Connect cluster that
        // then forgets it, as us-east-1's would be gone)
        Path source = dir.resolve("lines.txt");
        Files.writeString(source, "a\nb\n");
        admin.apply(io.streamdr.core.connect.ConnectorSpec.of("lines-source", Map.of("connector.class",
            "org.apache.kafka.connect.file.FileStreamSourceConnector", "tasks.max", "1", "file", source.toString(), "topic", "lines",
            "topic.creation.default.replication.factor", "1", "topic.creation.default.partitions", "1",
            // where a schema-aware converter of this connector would register its schemas: us-east-1's registry
            "value.converter.apicurio.registry.url", "http://127.0.0.1:" + eastRegistry.port() + "/apis/registry/v2")));
        await("the connector running", Duration.ofSeconds(60), () -> admin.describe("lines-source").state()
            == io.streamdr.core.connect.ConnectorState.RUNNING);
        io.streamdr.kafka.pipeline.PipelineCheckpointer.builder(new io.streamdr.core.backup.FileSystemBackupTarget(dir.resolve("backups")),
            "us-east-1").connectors(admin).schemas(io.streamdr.core.http.RestEndpoint.of(eastRegistry.url().toString())).build().capture();
        admin.delete("lines-source");
        await("the connector gone", Duration.ofSeconds(30), () -> !admin.connectors().contains("lines-source"));

        String config = TwoRegionConfig.write(dir, "pipeline.yaml", east.bootstrapServers(), west.bootstrapServers(), """
            agent:
              port: 0
              owner: agent-pipeline
              failover: {mode: auto, interval: 1s, unreachableFor: 3s, pipeline: true}
            """);
        Files.writeString(Path.of(config), Files.readString(Path.of(config)).replace("- {name: us-west-2, bootstrap: \"" + west.bootstrapServers() + "\"}",
            "- {name: us-west-2, bootstrap: \"" + west.bootstrapServers() + "\", connect: \"" + westConnect.restUrl() + "\", schemaRegistry: \""
                + westRegistry.url() + "\"}").replace("- {name: us-east-1, bootstrap: \"" + east.bootstrapServers() + "\"}",
            "- {name: us-east-1, bootstrap: \"" + east.bootstrapServers() + "\", schemaRegistry: \"" + eastRegistry.url() + "\"}"));
        start(config);

        east.stop();

        await("the takeover", Duration.ofSeconds(90), () -> lines.stream().anyMatch(l -> l.contains("connector lines-source started in us-west-2")));
        await("the connector running in us-west-2", Duration.ofSeconds(60), () -> admin.connectors().contains("lines-source")
            && admin.describe("lines-source").state() == io.streamdr.core.connect.ConnectorState.RUNNING);
        // the takeover's report is written once its last step ends, which may come after the connector runs
        await("the takeover's report", Duration.ofSeconds(30), () -> {
          try (var reports = Files.list(dir.resolve("backups/agent/reports"))) {
            var first = reports.findFirst();
            return first.isPresent() && Json.MAPPER.readTree(first.get().toFile()).path("connectors").size() >= 2;
          } catch (java.io.IOException e) {
            return false; // not written yet, or being written
          }
        });
        try (var reports = Files.list(dir.resolve("backups/agent/reports"))) {
          JsonNode report = Json.MAPPER.readTree(reports.findFirst().orElseThrow().toFile());
          assertThat(report.path("connectors").get(0).path("schemas").asText()).as(report.toString()).startsWith("pipeline-us-east-1-");
          assertThat(report.path("connectors").get(0).path("restored").asBoolean()).isTrue();
          assertThat(report.path("connectors").get(1).path("connector").asText()).isEqualTo("lines-source");
          assertThat(report.path("connectors").get(1).path("restored").asBoolean()).isTrue();
        }
        assertThat(io.streamdr.core.internal.http.RestClient.of(westRegistry.url().toString()).get("/schemas/ids/" + id).path("schema").asText())
            .as("the schema under the id the records carry, before the connector wrote").contains("Line");
        assertThat(admin.describe("lines-source").config()).as("its converter writes to us-west-2's registry now")
            .containsEntry("value.converter.apicurio.registry.url", "http://127.0.0.1:" + westRegistry.port() + "/apis/registry/v2");
        assertThat(lines).anyMatch(l -> l.contains("1 connector setting(s) pointed at us-west-2's Schema Registry"));
      }
    }
  }

  private static List<Path> slots(Path runs) {
    try (var list = Files.list(runs)) {
      return list.toList();
    } catch (java.io.IOException e) {
      return List.of();
    }
  }

  private static long runsTold(List<String> lines) {
    return lines.stream().filter(l -> l.contains("job orders-backup done") || l.contains("job orders-backup FAILED")).count();
  }

  private static double zeroIfAbsent(double v) {
    return Double.isNaN(v) ? 0 : v;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /** Every metric the Grafana dashboard queries is one the agent exports. */
  private static void dashboardQueriesOnlyExportedMetrics(String scrape) throws Exception {
    JsonNode dashboard = Json.MAPPER.readTree(Path.of("..", "docs", "grafana", "streamdr-dashboard.json").toFile());
    Set<String> queried = new TreeSet<>();
    Matcher m = Pattern.compile("streamdr_[a-z_]+").matcher("");
    dashboard.findValues("expr").forEach(e -> {
      m.reset(e.asText());
      while (m.find()) {
        queried.add(m.group());
      }
    });
    Set<String> exported = new TreeSet<>();
    scrape.lines().filter(l -> l.startsWith("streamdr_")).forEach(l -> exported.add(l.split("[{ ]")[0]));
    assertThat(queried).hasSizeGreaterThan(10);
    assertThat(exported).containsAll(queried);
  }
}
