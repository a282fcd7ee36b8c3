package io.streamdr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.connect.ConnectRestAdmin;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.flink.FlinkRestSavepointClient;
import io.streamdr.testkit.EmbeddedConnect;
import io.streamdr.testkit.EmbeddedFlink;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** `savepoint` and `connectors` against a real Flink MiniCluster and Connect worker, driven as a user would. */
class ConnectFlinkCommandsIT {
  @RegisterExtension
  @Order(1)
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  @Order(2)
  static final EmbeddedConnect CONNECT = EmbeddedConnect.on(KAFKA, "connect-cli");
  @RegisterExtension
  @Order(3)
  static final EmbeddedFlink FLINK = EmbeddedFlink.create();

  @RegisterExtension
  @Order(4)
  static final io.streamdr.testkit.EmbeddedPostgres POSTGRES = io.streamdr.testkit.EmbeddedPostgres.create();

  @TempDir Path dir;

  private String config(boolean withEndpoints) throws Exception {
    Path f = dir.resolve(withEndpoints ? "streamdr.yaml" : "bare.yaml");
    String endpoints = withEndpoints ? ", flink: \"%s\", connect: \"%s\"".formatted(FLINK.restUrl(), CONNECT.restUrl()) : "";
    Files.writeString(f, """
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: "%s"%s}
          - {name: us-west-2, bootstrap: "%s"%s}
        backups: {directory: "%s"}
        activeRegion: {store: file, path: "%s"}
        """.formatted(KAFKA.bootstrapServers(), endpoints, KAFKA.bootstrapServers(), endpoints, dir.resolve("backups"),
        dir.resolve("active-region.json")));
    return f.toString();
  }

  /**
   * A two-region file named {@code name}.yaml on the one embedded cluster, with its own backups ({@code name}-backups)
   * and active-region record ({@code name}-region.json): us-east-1's region keys {@code east} (e.g. {@code connect: "…"}),
   * us-west-2's lines {@code west}, then {@code extra} top-level sections.
   */
  private String twoRegions(String name, String east, List<String> west, String extra) throws Exception {
    Path f = dir.resolve(name + ".yaml");
    StringBuilder yaml = new StringBuilder("primary: us-east-1\nregions:\n");
    yaml.append("  - {name: us-east-1, bootstrap: \"").append(KAFKA.bootstrapServers()).append('"')
        .append(east.isEmpty() ? "" : ", " + east).append("}\n");
    yaml.append("  - name: us-west-2\n    bootstrap: \"").append(KAFKA.bootstrapServers()).append("\"\n");
    west.forEach(line -> yaml.append("    ").append(line).append('\n'));
    yaml.append(extra);
    yaml.append("backups: {directory: \"").append(dir.resolve(name + "-backups")).append("\"}\n");
    yaml.append("activeRegion: {store: file, path: \"").append(dir.resolve(name + "-region.json")).append("\"}\n");
    Files.writeString(f, yaml);
    return f.toString();
  }

  /** A file source connector named {@code name} reading {@code lines} into the topic of its name, with {@code extra} settings. */
  private ConnectRestAdmin fileSource(String name, String lines, Map<String, String> extra) throws Exception {
    ConnectRestAdmin admin = new ConnectRestAdmin(RestEndpoint.of(CONNECT.restUrl().toString()));
    Path file = dir.resolve(name + ".txt");
    Files.writeString(file, lines);
    Map<String, String> config = new java.util.HashMap<>(Map.of("connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "tasks.max", "1", "file", file.toString(), "topic", name, "topic.creation.default.replication.factor", "1",
        "topic.creation.default.partitions", "1"));
    config.putAll(extra);
    admin.apply(ConnectorSpec.of(name, config));
    return admin;
  }

  private static String flink(String job) {
    return RestClient.of(FLINK.restUrl().toString()).get("/jobs/" + job).path("state").asText();
  }

  @Test
  void the_agent_takes_savepoints_keeps_the_newest_copies_them_and_snapshots_and_checkpoints_the_connectors() throws Exception {
    Path file = dir.resolve("agent.yaml");
    String job = FLINK.submitFailOnDemandJob(dir.resolve("never.marker")).toString();
    new FlinkRestSavepointClient(RestEndpoint.of(FLINK.restUrl().toString())).awaitRunning(new JobRef(job), Duration.ofSeconds(60));
    ConnectRestAdmin connect = fileSource("agent-lines", "a\nb\nc\n", Map.of());
    try {
      agentJobs(file, job);
    } finally {
      connect.delete("agent-lines"); // the other tests count the connectors of this Connect cluster
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (connect.connectors().contains("agent-lines") && System.nanoTime() < deadline) {
        Thread.sleep(100); // polling the connector list, not a synchronization
      }
    }
  }

  private void agentJobs(Path file, String job) throws Exception {
    Files.writeString(file, Files.readString(Path.of(config(true))) + """
        agent:
          jobs:
            - {name: savepoints, cron: "0 * * * *", savepoint: {job: "%s", targetDir: "%s", keep: 2}}
            - {name: snapshot, cron: "0 * * * *", connectors: {}}
            - {name: pipeline, cron: "0 * * * *", checkpoint: {job: "%s"}}
        """.formatted(job, dir.resolve("sp").toUri(), job));
    io.streamdr.cli.config.StreamDrConfig cfg = io.streamdr.cli.config.StreamDrConfig.load(file, Map.of());
    io.streamdr.testing.MutableClock clock = new io.streamdr.testing.MutableClock(java.time.Instant.parse("2026-12-01T00:00:00Z"));
    io.streamdr.core.region.DefaultRegionRouter router = new io.streamdr.core.region.DefaultRegionRouter(cfg.topology(), cfg.activeRegionStore(), clock);
    io.streamdr.cli.agent.AgentJobs work = new io.streamdr.cli.agent.AgentJobs(cfg, cfg.backups(), router,
        new io.streamdr.kafka.metrics.KafkaMeters(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), clock),
        name -> io.streamdr.core.progress.ProgressListener.NONE, (name, report) -> { }, clock);
    java.util.List<io.streamdr.cli.agent.JobScheduler.Run> runs = new java.util.ArrayList<>();
    io.streamdr.cli.agent.JobScheduler agent = new io.streamdr.cli.agent.JobScheduler(cfg.agent().jobs().stream().map(work::job).toList(),
        cfg.backups(), "agent-a", clock, runs::add);

    for (int hour = 0; hour < 3; hour++) {
      clock.set(java.time.Instant.parse("2026-12-01T00:00:00Z").plus(Duration.ofHours(hour)));
      agent.runDue();
    }

    assertThat(runs).hasSize(9).allSatisfy(r -> assertThat(r.ok()).as(r.job() + ": " + r.detail()).isTrue());
    assertThat(runs.stream().filter(r -> r.job().equals("savepoints")).map(io.streamdr.cli.agent.JobScheduler.Run::detail))
        .last().asString().contains("2 kept, 1 disposed").contains("copied to savepoints/" + job);
    try (var sp = Files.list(dir.resolve("sp"))) {
      assertThat(sp.toList()).as("the savepoint directories left after retention").hasSize(2);
    }
    try (var copies = Files.list(dir.resolve("backups/savepoints/" + job))) {
      assertThat(copies.toList()).as("the copies of the savepoints kept, the disposed one's deleted with it").hasSize(2);
    }
    assertThat(runs.stream().filter(r -> r.job().equals("snapshot")).findFirst().orElseThrow().detail()).contains("connector snapshot snapshot-20261201T0000Z");
    assertThat(io.streamdr.connect.ConnectorSnapshots.read(cfg.backups(), "snapshot-20261201T0200Z").connectors())
        .extracting(io.streamdr.connect.ConnectorSnapshot.Entry::name).contains("agent-lines");
    assertThat(io.streamdr.kafka.pipeline.PipelineCheckpointer.latest(cfg.backups(), "us-east-1")).hasValueSatisfying(c -> {
      assertThat(c.connector("agent-lines")).isPresent();
      assertThat(c.job()).isPresent();
    });
  }

  @Test
  void savepoint_takes_and_lists_recovery_points_of_a_running_job() throws Exception {
    String cfg = config(true);
    Path marker = dir.resolve("absent.marker"); // the job fails only while this file exists
    String job = FLINK.submitFailOnDemandJob(marker).toString();
    new FlinkRestSavepointClient(RestEndpoint.of(FLINK.restUrl().toString()))
        .awaitRunning(new JobRef(job), Duration.ofSeconds(60)); // a savepoint needs every task running

    String[] dry = StreamDrCliTest.run("savepoint", "-c", cfg, "--job", job, "--stop", "--dry-run");
    assertThat(dry[0]).as(dry[2]).isEqualTo("0");
    assertThat(dry[1]).contains("Would take a savepoint of job " + job + " in us-east-1 and then cancel the job");
    assertThat(flink(job)).as("a dry run cancels nothing").isEqualTo("RUNNING");

    String[] taken = StreamDrCliTest.run("savepoint", "-c", cfg, "--job", job, "--target-dir", dir.resolve("sp").toUri().toString());

    assertThat(taken[0]).as(taken[2]).isEqualTo("0");
    Matcher m = Pattern.compile("Savepoint of job " + job + " in us-east-1: (file:\\S+)").matcher(taken[1]);
    assertThat(m.find()).as(taken[1]).isTrue();
    assertThat(Path.of(java.net.URI.create(m.group(1)))).isDirectory();
    assertThat(taken[2]).contains("savepoint of job " + job);

    // Flink's REST API caches checkpoint statistics for a few seconds (rest.cache.checkpoint-statistics.timeout)
    String[] listed = StreamDrCliTest.run("savepoint", "-c", cfg, "--job", job, "--list");
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!listed[1].contains(m.group(1)) && System.nanoTime() < until) {
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
      listed = StreamDrCliTest.run("savepoint", "-c", cfg, "--job", job, "--list");
    }
    assertThat(listed[0]).isEqualTo("0");
    assertThat(listed[1]).contains("SAVEPOINT").contains(m.group(1));

    String[] unknown = StreamDrCliTest.run("savepoint", "-c", cfg, "--job", "00000000000000000000000000000000");
    assertThat(unknown[0]).isEqualTo("2");
    assertThat(unknown[2]).contains("00000000000000000000000000000000");
  }

  @Test
  void connectors_back_up_list_and_restore_with_their_offsets() throws Exception {
    String cfg = config(true);
    ConnectRestAdmin admin = fileSource("lines", "one\ntwo\nthree\n", Map.of());
    admin.awaitState("lines", i -> i.fullyRunning() && !admin.offsets("lines").isEmpty(), Duration.ofSeconds(60));

    String[] backup = StreamDrCliTest.run("connectors", "backup", "-c", cfg, "--id", "s1", "--stop-first");
    assertThat(backup[0]).as(backup[2]).isEqualTo("0");
    assertThat(backup[1]).contains("Connector snapshot s1 of us-east-1: 1 connectors").contains("lines: RUNNING, 1 offset partition(s)");
    assertThat(StreamDrCliTest.run("connectors", "list", "-c", cfg)[1]).contains("1 connector snapshots").contains("s1");

    String[] dry = StreamDrCliTest.run("connectors", "restore", "s1", "-c", cfg, "--region", "us-west-2", "--dry-run");
    assertThat(dry[0]).isEqualTo("0");
    assertThat(dry[1]).contains("Would restore 1 connectors of snapshot s1 (from us-east-1) into us-west-2")
        .contains("lines: created STOPPED, 1 offset partition(s) set, then resumed");

    var strict = new com.fasterxml.jackson.databind.ObjectMapper()
        .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    var planned = strict.readTree(StreamDrCliTest.run("connectors", "restore", "s1", "-c", cfg, "--region", "us-west-2", "--dry-run",
        "--json")[1]);
    assertThat(planned.get(0).path("connector").asText()).isEqualTo("lines");
    assertThat(planned.get(0).path("then").asText()).isEqualTo("RUNNING");

    String[] clash = StreamDrCliTest.run("connectors", "restore", "s1", "-c", cfg, "--region", "us-west-2");
    assertThat(clash[0]).as("the connector still exists there").isEqualTo("1");
    assertThat(clash[1]).contains("✘ lines").contains("already exists");
    String[] clashJson = StreamDrCliTest.run("connectors", "restore", "s1", "-c", cfg, "--region", "us-west-2", "--json");
    assertThat(clashJson[0]).isEqualTo("1");
    var outcome = strict.readTree(clashJson[1]).get(0);
    assertThat(outcome.path("restored").asBoolean()).isFalse();
    assertThat(outcome.path("detail").asText()).contains("already exists");

    var offsets = admin.offsets("lines");
    admin.delete("lines");
    String[] restored = StreamDrCliTest.run("connectors", "restore", "s1", "-c", cfg, "--region", "us-west-2");
    assertThat(restored[0]).as(restored[1] + restored[2]).isEqualTo("0");
    assertThat(restored[1]).contains("✔ lines");
    assertThat(admin.describe("lines").state().name()).isEqualTo("RUNNING");
    assertThat(admin.offsets("lines")).isEqualTo(offsets);
  }

  @Test
  void a_region_without_the_endpoint_is_refused_naming_the_key() throws Exception {
    String cfg = config(false);

    String[] savepoint = StreamDrCliTest.run("savepoint", "-c", cfg, "--job", "abc");
    assertThat(savepoint[0]).isEqualTo("2");
    assertThat(savepoint[2]).contains("'regions[0].flink' is required");

    String[] connectors = StreamDrCliTest.run("connectors", "backup", "-c", cfg, "--region", "us-west-2");
    assertThat(connectors[0]).isEqualTo("2");
    assertThat(connectors[2]).contains("'regions[1].connect' is required");
  }

  @Test
  void a_pipeline_checkpoint_carries_the_connectors_and_their_offsets_to_another_region() throws Exception {
    String cfg = config(true);
    ConnectRestAdmin admin = fileSource("cdc", "a\nb\nc\nd\n", Map.of("slot.name", "streamdr_cli_slot", "database.password", "hunter2"));
    admin.awaitState("cdc", i -> i.fullyRunning() && !admin.offsets("cdc").isEmpty(), Duration.ofSeconds(60));
    String[] none = StreamDrCliTest.run("connectors", "restore", "-c", cfg, "--from-checkpoint", "us-east-1", "--region", "us-west-2");
    assertThat(none[0]).isEqualTo("2");
    assertThat(none[2]).contains("No pipeline checkpoint of us-east-1").contains("streamdr checkpoint --region us-east-1");

    var strict = new com.fasterxml.jackson.databind.ObjectMapper()
        .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    String[] taken = StreamDrCliTest.run("checkpoint", "-c", cfg, "--region", "us-east-1", "--json");
    assertThat(taken[0]).as(taken[2]).isEqualTo("0");
    var checkpoint = strict.readTree(taken[1]);
    assertThat(checkpoint.path("region").asText()).isEqualTo("us-east-1");
    var cdc = java.util.stream.StreamSupport.stream(checkpoint.path("connectors").spliterator(), false)
        .filter(c -> c.path("name").asText().equals("cdc")).findFirst().orElseThrow();
    assertThat(cdc.path("config").path("database.password").asText()).isEqualTo("[redacted]");
    assertThat(taken[1]).doesNotContain("hunter2");

    var offsets = admin.offsets("cdc");
    admin.delete("cdc"); // us-east-1's Connect is gone; the same worker plays us-west-2's
    POSTGRES.execute("select pg_create_logical_replication_slot('streamdr_cli_slot', 'pgoutput')");
    String[] dry = StreamDrCliTest.run("connectors", "restore", "-c", cfg, "--from-checkpoint", "us-east-1", "--region", "us-west-2",
        "--connectors", "cdc", "--dry-run");
    assertThat(dry[0]).as(dry[2]).isEqualTo("0");
    assertThat(dry[1]).contains("cdc: created STOPPED, 1 offset partition(s) set, then resumed; needs --secret for [database.password]");
    assertThat(admin.connectors()).as("a dry run restores nothing").doesNotContain("cdc");

    String[] plan = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--connectors", "cdc", "--slot",
        "streamdr_cli_slot", "--database-url", POSTGRES.jdbcUrl(), "--dry-run");
    assertThat(plan[0]).as(plan[2]).isEqualTo("0");
    assertThat(plan[1]).contains("Dry run of a pipeline failover us-east-1 -> us-west-2").contains("1. switch the active region")
        .contains("2. restore 1 connector(s) of us-east-1's pipeline checkpoint").contains("slot streamdr_cli_slot at ").contains("Nothing was changed.");
    assertThat(dir.resolve("active-region.json")).as("a dry run switches nothing").doesNotExist();
    assertThat(admin.connectors()).doesNotContain("cdc");

    String[] failover = StreamDrCliTest.runWithEnv(Map.of("CDC_DB_PASSWORD", "hunter2", "PGPASSWORD", POSTGRES.password()),
        "failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--connectors", "cdc", "--json",
        "--secret", "database.password=CDC_DB_PASSWORD", "--slot", "streamdr_cli_slot", "--database-url", POSTGRES.jdbcUrl(),
        "--database-user", "postgres");
    assertThat(failover[0]).as(failover[1] + failover[2]).isEqualTo("0");
    var outcome = strict.readTree(failover[1]);
    assertThat(outcome.path("failover").path("to").asText()).isEqualTo("us-west-2");
    assertThat(outcome.path("failover").path("epoch").asLong()).isEqualTo(2);
    assertThat(outcome.path("checkpointOf").asText()).isEqualTo("us-east-1");
    assertThat(outcome.path("connectors").get(0).path("restored").asBoolean()).isTrue();
    assertThat(failover[2]).contains("Switched the active region us-east-1 -> us-west-2").contains("slot streamdr_cli_slot not in use")
        .contains("offsets at or past the slot's confirmed LSN");
    String[] again = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--pipeline");
    assertThat(again[0]).as(again[2]).isEqualTo("0");
    assertThat(again[1]).contains("The pipeline failover us-east-1 -> us-west-2 at epoch 2 completed at").contains("nothing to do");
    assertThat(admin.describe("cdc").config()).containsEntry("database.password", "hunter2");
    assertThat(admin.offsets("cdc")).isEqualTo(offsets);
    admin.delete("cdc");
  }

  @Test
  void a_pipeline_failover_killed_after_the_switch_is_completed_by_running_it_again() throws Exception {
    try (io.streamdr.testkit.FaultProxy westConnect = io.streamdr.testkit.FaultProxy.to("us-west-2 connect", CONNECT.restUrl().toString())) {
      String cfg = twoRegions("killed", "connect: \"" + CONNECT.restUrl() + "\"",
          List.of("connect: \"" + westConnect.url(CONNECT.restUrl().toString()) + "\""), "");
      ConnectRestAdmin admin = fileSource("killed-cdc", "a\nb\nc\n", Map.of());
      admin.awaitState("killed-cdc", i -> i.fullyRunning() && !admin.offsets("killed-cdc").isEmpty(), Duration.ofSeconds(60));
      var offsets = admin.offsets("killed-cdc");
      String[] taken = StreamDrCliTest.run("checkpoint", "-c", cfg, "--region", "us-east-1");
      assertThat(taken[0]).as(taken[2]).isEqualTo("0");
      admin.delete("killed-cdc"); // us-east-1's Connect is gone; the same worker plays us-west-2's, behind the proxy

      // the failover switches, then hangs on us-west-2's Connect (a black hole) and is killed there
      westConnect.blackHole();
      List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
          "-cp", System.getProperty("java.class.path"), StreamDr.class.getName(),
          "failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--connectors", "killed-cdc"));
      Process failover = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      try {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(dir.resolve("killed-region.json"))
            && Files.readString(dir.resolve("killed-region.json")).contains("us-west-2"));
        assertThat(failover.isAlive()).as("still taking over when killed").isTrue();
      } finally {
        failover.destroyForcibly(); // SIGKILL: nothing after the switch ran
        assertThat(failover.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      }
      westConnect.heal();
      assertThat(admin.connectors()).doesNotContain("killed-cdc");

      var strict = new com.fasterxml.jackson.databind.ObjectMapper()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
      String[] rerun = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--connectors", "killed-cdc", "--json");
      assertThat(rerun[0]).as(rerun[1] + rerun[2]).isEqualTo("0");
      assertThat(rerun[2]).contains("Completing the pipeline failover us-east-1 -> us-west-2 that stopped after the switch at epoch 2");
      var outcome = strict.readTree(rerun[1]);
      assertThat(outcome.path("failover").path("switched").asBoolean()).as("switched by the killed run, not again").isFalse();
      assertThat(outcome.path("failover").path("epoch").asLong()).isEqualTo(2);
      assertThat(outcome.path("connectors").get(0).path("restored").asBoolean()).isTrue();
      assertThat(admin.describe("killed-cdc").state().name()).isEqualTo("RUNNING");
      assertThat(admin.offsets("killed-cdc")).isEqualTo(offsets);

      String[] third = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--connectors", "killed-cdc");
      assertThat(third[0]).as(third[2]).isEqualTo("0");
      assertThat(third[1]).contains("completed at").contains("nothing to do");
      admin.delete("killed-cdc");
    }
  }

  @Test
  void an_agent_restarted_after_a_switch_completes_the_takeover_its_predecessor_journaled() throws Exception {
    var status = new java.util.concurrent.atomic.AtomicReference<>("ACTIVE");
    var record = new java.util.concurrent.atomic.AtomicReference<>("kafka.us-east-1.example.com");
    List<String> linkCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
    okhttp3.mockwebserver.MockWebServer links = new okhttp3.mockwebserver.MockWebServer();
    okhttp3.mockwebserver.MockWebServer dns = new okhttp3.mockwebserver.MockWebServer();
    links.setDispatcher(clusterLink(status, linkCalls));
    dns.setDispatcher(route53(record, new java.util.concurrent.atomic.AtomicBoolean(false), new java.util.concurrent.CopyOnWriteArrayList<>()));
    System.setProperty("aws.accessKeyId", "AKIATEST");
    System.setProperty("aws.secretAccessKey", "route53-test-secret");
    try (links; dns) {
      agentCompletesTakeover(links, dns, record, linkCalls);
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }

  private void agentCompletesTakeover(okhttp3.mockwebserver.MockWebServer links, okhttp3.mockwebserver.MockWebServer dns,
      java.util.concurrent.atomic.AtomicReference<String> record, List<String> linkCalls) throws Exception {
    Path file = dir.resolve("takeover-agent.yaml");
    String base = Files.readString(Path.of(config(true))).replaceFirst("(- \\{name: us-west-2, [^\n]*)}\n",
        "$1, clusterLink: {endpoint: \"" + links.url("/") + "\", cluster: lkc-west, link: east-to-west, topics: [orders], apiKey: K,"
            + " apiSecret: S}}\n");
    assertThat(base).contains("clusterLink");
    Files.writeString(file, base + """
        dns:
          hostedZone: Z1D633PJN98FT9
          record: kafka.streaming.example.com
          values: {us-east-1: kafka.us-east-1.example.com, us-west-2: kafka.us-west-2.example.com}
          endpoint: "%s"
        agent:
          port: 0
          failover: {mode: auto, interval: 1s, pipeline: true}
        """.formatted(dns.url("/")));
    ConnectRestAdmin admin = fileSource("agent-cdc", "a\nb\n", Map.of());
    admin.awaitState("agent-cdc", i -> i.fullyRunning() && !admin.offsets("agent-cdc").isEmpty(), Duration.ofSeconds(60));
    var offsets = admin.offsets("agent-cdc");
    String cfgPath = file.toString();
    assertThat(StreamDrCliTest.run("checkpoint", "-c", cfgPath, "--region", "us-east-1")[0]).isEqualTo("0");
    admin.delete("agent-cdc");
    // what an agent that died right after its switch leaves: the journal written before the switch, and the switch
    io.streamdr.cli.config.StreamDrConfig cfg = io.streamdr.cli.config.StreamDrConfig.load(file, Map.of());
    Takeover.Journal.begin("us-east-1", "us-west-2", 2, "newest", java.time.Instant.now()).write(cfg.backups());
    assertThat(StreamDrCliTest.run("failover", "-c", cfgPath, "--to", "us-west-2", "--switch-only")[0]).isEqualTo("0");

    java.io.StringWriter events = new java.io.StringWriter();
    try (io.streamdr.cli.agent.Agent agent = new io.streamdr.cli.agent.Agent(cfg, java.time.Clock.systemUTC(),
        new java.io.PrintWriter(events, true), Duration.ofSeconds(5))) {
      agent.start();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
          Takeover.Journal.read(cfg.backups(), "us-west-2").map(Takeover.Journal::completed).orElse(false));
    }
    assertThat(events.toString()).contains("completing the pipeline failover us-east-1 -> us-west-2 that stopped after the switch at epoch 2")
        .contains("mirror topics east-to-west: 1 made writable [orders]")
        .contains("connector agent-cdc started in us-west-2")
        .contains("DNS kafka.streaming.example.com. -> kafka.us-west-2.example.com");
    assertThat(linkCalls).anyMatch(c -> c.startsWith("POST /kafka/v3/clusters/lkc-west/links/east-to-west/mirrors:failover"));
    assertThat(record.get()).isEqualTo("kafka.us-west-2.example.com");
    assertThat(admin.describe("agent-cdc").state().name()).isEqualTo("RUNNING");
    assertThat(admin.offsets("agent-cdc")).isEqualTo(offsets);
    admin.delete("agent-cdc");
  }

  @Test
  void the_connector_and_savepoint_clients_ride_out_latency_and_resets_and_fail_within_their_deadline_in_a_black_hole() throws Exception {
    String job = FLINK.submitFailOnDemandJob(dir.resolve("never-net.marker")).toString();
    ConnectRestAdmin direct = new ConnectRestAdmin(RestEndpoint.of(CONNECT.restUrl().toString()));
    Map<String, String> endpoints = new java.util.LinkedHashMap<>();
    endpoints.put("connect", CONNECT.restUrl().toString());
    endpoints.put("flink", FLINK.restUrl().toString());
    for (var endpoint : endpoints.entrySet()) {
      try (io.streamdr.testkit.FaultProxy proxy = io.streamdr.testkit.FaultProxy.to(endpoint.getKey(), endpoint.getValue())) {
        RestEndpoint rest = RestEndpoint.builder(proxy.url(endpoint.getValue())).callTimeout(Duration.ofSeconds(3)).build();
        // one client per endpoint, so that its pooled connection is the one the proxy resets
        ConnectRestAdmin connect = new ConnectRestAdmin(rest);
        FlinkRestSavepointClient flink = new FlinkRestSavepointClient(rest);
        java.util.function.Supplier<Object> call = endpoint.getKey().equals("connect") ? connect::connectors
            : () -> flink.state(new JobRef(job));
        java.util.function.Supplier<Object> expected = endpoint.getKey().equals("connect") ? direct::connectors : () -> "RUNNING";
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> call.get().equals(expected.get()));

        proxy.latency(Duration.ofMillis(100));
        assertThat(call.get()).as("%s through 100 ms of latency", endpoint.getKey()).isEqualTo(expected.get());
        proxy.heal();
        proxy.resetConnections(); // the pooled connection is dead: the GET is retried on a new one
        assertThat(call.get()).as("%s after its connections were reset", endpoint.getKey()).isEqualTo(expected.get());

        proxy.blackHole();
        long t0 = System.nanoTime();
        Throwable error = org.assertj.core.api.Assertions.catchThrowable(call::get);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(error).as(endpoint.getKey()).isInstanceOf(io.streamdr.core.DrTimeoutException.class)
            .hasMessageContaining(proxy.address()).hasMessageContaining("PT3S");
        assertThat(took).as("%s fails at its 3 s deadline", endpoint.getKey()).isLessThan(Duration.ofSeconds(10));
        System.out.printf("[NETWORK] %s client: latency and a reset ridden out; a black hole failed after %d ms: %s%n",
            endpoint.getKey(), took.toMillis(), error.getMessage());
      }
    }
    RestClient.of(FLINK.restUrl().toString()).execute(io.streamdr.core.internal.http.RestRequest.patch("/jobs/" + job)
        .query("mode", "cancel").build());
  }

  @Test
  void a_pipeline_failover_starts_the_flink_job_the_region_names_and_a_rerun_leaves_it_running() throws Exception {
    Path jar = EmbeddedFlink.writeRoutingJobJar(dir);
    KAFKA.createTopic("raw-takeover", 1);
    String cfg = twoRegions("flink", "connect: \"" + CONNECT.restUrl() + "\"", List.of("connect: \"" + CONNECT.restUrl() + "\"",
        "flink: \"" + FLINK.restUrl() + "\"", "flinkJob: {name: routing-takeover, jar: \"" + jar + "\", entryClass: "
            + io.streamdr.testkit.flink.RoutingJob.class.getName() + ", args: [\"" + KAFKA.bootstrapServers() + "\", raw-takeover], parallelism: 1}"), "");
    Path f = Path.of(cfg);
    ConnectRestAdmin admin = fileSource("flink-cdc", "x\ny\n", Map.of());
    admin.awaitState("flink-cdc", i -> i.fullyRunning() && !admin.offsets("flink-cdc").isEmpty(), Duration.ofSeconds(60));
    assertThat(StreamDrCliTest.run("checkpoint", "-c", cfg, "--region", "us-east-1")[0]).isEqualTo("0");
    admin.delete("flink-cdc");

    String[] dry = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--connectors", "flink-cdc", "--dry-run");
    assertThat(dry[0]).as(dry[2]).isEqualTo("0");
    assertThat(dry[1]).contains("3. start Flink job routing-takeover (" + jar + ", " + io.streamdr.testkit.flink.RoutingJob.class.getName())
        .contains("in us-west-2's Flink at " + FLINK.restUrl()).contains("without state");

    var strict = new com.fasterxml.jackson.databind.ObjectMapper()
        .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    String[] failover = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--connectors", "flink-cdc", "--json");
    assertThat(failover[0]).as(failover[1] + failover[2]).isEqualTo("0");
    var job = strict.readTree(failover[1]).path("flinkJob");
    assertThat(job.path("started").asBoolean()).as(job.toString()).isTrue();
    assertThat(job.path("detail").asText()).contains("started from no state, all tasks RUNNING");
    String id = job.path("startedAs").asText();
    assertThat(flink(id)).isEqualTo("RUNNING");
    assertThat(admin.describe("flink-cdc").state().name()).isEqualTo("RUNNING");

    // as if the run had stopped after starting the job: the rerun leaves the job it started running
    io.streamdr.cli.config.StreamDrConfig loaded = io.streamdr.cli.config.StreamDrConfig.load(f, Map.of());
    Takeover.Journal journal = Takeover.Journal.read(loaded.backups(), "us-west-2").orElseThrow();
    assertThat(journal.flinkJob()).isEqualTo(id);
    new Takeover.Journal(journal.from(), journal.to(), journal.epoch(), journal.checkpoint(), journal.startedAt(), null, id)
        .write(loaded.backups());
    String[] rerun = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--connectors", "flink-cdc");
    assertThat(rerun[0]).as(rerun[1] + rerun[2]).isEqualTo("0");
    assertThat(rerun[1]).contains("✔ Flink job routing-takeover as " + id + ": already RUNNING from the interrupted run, left as it is")
        .contains("already RUNNING from the interrupted run, left as it is");
    assertThat(flink(id)).isEqualTo("RUNNING");

    RestClient.of(FLINK.restUrl().toString()).execute(io.streamdr.core.internal.http.RestRequest.patch("/jobs/" + id)
        .query("mode", "cancel").build());
    admin.delete("flink-cdc");
  }

  @Test
  void a_pipeline_failover_can_start_the_flink_job_from_the_checkpoints_recovery_point() throws Exception {
    Path jar = EmbeddedFlink.writeRoutingJobJar(dir);
    KAFKA.createTopic("raw-recovery", 1);
    try (var admin = KAFKA.admin()) { // the routing job's sink writes these; a checkpoint waits for them
      var existing = admin.listTopics().names().get();
      for (String type : io.streamdr.testkit.flink.RoutingJob.TYPES) {
        if (!existing.contains(io.streamdr.testkit.flink.RoutingJob.filteredTopic(type))) {
          KAFKA.createTopic(io.streamdr.testkit.flink.RoutingJob.filteredTopic(type), 1);
        }
      }
    }
    io.streamdr.core.savepoint.JobSpec spec = io.streamdr.core.savepoint.JobSpec.builder("routing-east").jarFile(jar)
        .entryClass(io.streamdr.testkit.flink.RoutingJob.class.getName()).arguments(List.of(KAFKA.bootstrapServers(), "raw-recovery"))
        .parallelism(1).build();
    FlinkRestSavepointClient flink = new FlinkRestSavepointClient(RestEndpoint.of(FLINK.restUrl().toString()));
    JobRef east = flink.start(spec); // us-east-1's routing job, checkpointing every second
    flink.awaitRunning(east, Duration.ofSeconds(60));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !flink.list(east).isEmpty());
    String cfg = twoRegions("recovery", "flink: \"" + FLINK.restUrl() + "\"", List.of("flink: \"" + FLINK.restUrl() + "\"",
        "flinkJob: {name: routing-west, jar: \"" + jar + "\", entryClass: " + io.streamdr.testkit.flink.RoutingJob.class.getName()
            + ", args: [\"" + KAFKA.bootstrapServers() + "\", raw-recovery], fromRecoveryPoint: true}"), "");
    String[] taken = StreamDrCliTest.run("checkpoint", "-c", cfg, "--region", "us-east-1", "--no-connectors", "--job", east.id(), "--json");
    assertThat(taken[0]).as(taken[2]).isEqualTo("0");
    String location = new com.fasterxml.jackson.databind.ObjectMapper().readTree(taken[1]).path("job").path("location").asText();
    assertThat(location).as(taken[1]).isNotBlank();
    flink.cancel(east); // us-east-1 is gone

    String[] dry = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--dry-run");
    assertThat(dry[0]).as(dry[2]).isEqualTo("0");
    assertThat(dry[1]).contains("from the checkpoint's recovery point " + location);
    String[] failover = StreamDrCliTest.run("failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--json");
    assertThat(failover[0]).as(failover[1] + failover[2]).isEqualTo("0");
    var job = new com.fasterxml.jackson.databind.ObjectMapper().readTree(failover[1]).path("flinkJob");
    assertThat(job.path("detail").asText()).as(job.toString()).contains("started from checkpoint " + location)
        .contains("all tasks RUNNING");
    String id = job.path("startedAs").asText();
    assertThat(flink(id)).isEqualTo("RUNNING");
    flink.cancel(new JobRef(id));
  }

  /** Confluent's cluster-link REST API for one mirror topic, failed over on request. */
  private static okhttp3.mockwebserver.Dispatcher clusterLink(java.util.concurrent.atomic.AtomicReference<String> status,
      List<String> calls) {
    return new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public okhttp3.mockwebserver.MockResponse dispatch(okhttp3.mockwebserver.RecordedRequest r) {
        calls.add(r.getMethod() + " " + r.getPath());
        okhttp3.mockwebserver.MockResponse json = new okhttp3.mockwebserver.MockResponse().setHeader("Content-Type", "application/json");
        if (r.getMethod().equals("GET") && r.getPath().endsWith("/links/east-to-west/mirrors/orders")) {
          return json.setBody("{\"link_name\":\"east-to-west\",\"mirror_topic_name\":\"orders\",\"source_topic_name\":\"orders\","
              + "\"mirror_status\":\"" + status.get() + "\",\"num_partitions\":1,\"mirror_lags\":[]}");
        }
        if (r.getMethod().equals("POST") && r.getPath().startsWith("/kafka/v3/clusters/lkc-west/links/east-to-west/mirrors:failover")) {
          status.set("STOPPED");
          return json.setBody("{\"data\":[{\"mirror_topic_name\":\"orders\",\"error_code\":null,\"error_message\":null}]}");
        }
        return json.setResponseCode(404).setBody("{\"error_code\":404,\"message\":\"not found\"}");
      }
    };
  }

  /** Route 53's record-set API for one record, failing with 500 while {@code failing} holds. */
  private static okhttp3.mockwebserver.Dispatcher route53(java.util.concurrent.atomic.AtomicReference<String> value,
      java.util.concurrent.atomic.AtomicBoolean failing, List<String> calls) {
    String ns = "https://route53.amazonaws.com/doc/2013-04-01/";
    return new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public okhttp3.mockwebserver.MockResponse dispatch(okhttp3.mockwebserver.RecordedRequest r) {
        calls.add(r.getMethod() + " " + r.getPath());
        okhttp3.mockwebserver.MockResponse xml = new okhttp3.mockwebserver.MockResponse().setHeader("Content-Type", "text/xml");
        if (failing.get()) {
          return xml.setResponseCode(500).setBody("<?xml version=\"1.0\"?><ErrorResponse xmlns=\"" + ns + "\"><Error><Type>Receiver</Type>"
              + "<Code>InternalFailure</Code><Message>down</Message></Error><RequestId>r1</RequestId></ErrorResponse>");
        }
        if (r.getMethod().equals("GET") && r.getPath().contains("/rrset")) {
          return xml.setBody("<?xml version=\"1.0\"?><ListResourceRecordSetsResponse xmlns=\"" + ns + "\"><ResourceRecordSets>"
              + "<ResourceRecordSet><Name>kafka.streaming.example.com.</Name><Type>CNAME</Type><TTL>60</TTL><ResourceRecords>"
              + "<ResourceRecord><Value>" + value.get() + "</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>"
              + "</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>1</MaxItems></ListResourceRecordSetsResponse>");
        }
        if (r.getMethod().equals("POST") && r.getPath().contains("/rrset")) {
          String body = r.getBody().readUtf8();
          value.set(body.replaceAll("(?s).*<Value>([^<]+)</Value>.*", "$1"));
          return xml.setBody("<?xml version=\"1.0\"?><ChangeResourceRecordSetsResponse xmlns=\"" + ns + "\"><ChangeInfo>"
              + "<Id>/change/C1</Id><Status>PENDING</Status><SubmittedAt>2026-12-01T00:00:00.000Z</SubmittedAt></ChangeInfo>"
              + "</ChangeResourceRecordSetsResponse>");
        }
        if (r.getMethod().equals("GET") && r.getPath().contains("/change/")) {
          return xml.setBody("<?xml version=\"1.0\"?><GetChangeResponse xmlns=\"" + ns + "\"><ChangeInfo><Id>/change/C1</Id>"
              + "<Status>INSYNC</Status><SubmittedAt>2026-12-01T00:00:00.000Z</SubmittedAt></ChangeInfo></GetChangeResponse>");
        }
        return xml.setResponseCode(404);
      }
    };
  }

  @Test
  void a_pipeline_failover_makes_the_mirror_topics_writable_first_points_dns_last_and_a_rerun_completes_a_failed_dns_step()
      throws Exception {
    var status = new java.util.concurrent.atomic.AtomicReference<>("ACTIVE");
    var record = new java.util.concurrent.atomic.AtomicReference<>("kafka.us-east-1.example.com");
    var dnsDown = new java.util.concurrent.atomic.AtomicBoolean(true);
    List<String> linkCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<String> dnsCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
    System.setProperty("aws.accessKeyId", "AKIATEST");
    System.setProperty("aws.secretAccessKey", "route53-test-secret");
    try (okhttp3.mockwebserver.MockWebServer links = new okhttp3.mockwebserver.MockWebServer();
         okhttp3.mockwebserver.MockWebServer dns = new okhttp3.mockwebserver.MockWebServer()) {
      links.setDispatcher(clusterLink(status, linkCalls));
      dns.setDispatcher(route53(record, dnsDown, dnsCalls));
      links.start();
      dns.start();
      String cfg = twoRegions("links", "connect: \"" + CONNECT.restUrl() + "\"", List.of("connect: \"" + CONNECT.restUrl() + "\"",
          "clusterLink: {endpoint: \"" + links.url("/") + "\", cluster: lkc-west, link: east-to-west, topics: [orders], apiKey: CLKEY,"
              + " apiSecret: \"${CL_SECRET}\"}"), """
          dns:
            hostedZone: Z1D633PJN98FT9
            record: kafka.streaming.example.com
            values: {us-east-1: kafka.us-east-1.example.com, us-west-2: kafka.us-west-2.example.com}
            endpoint: "%s"
            timeout: 10s
          """.formatted(dns.url("/")));
      Path f = Path.of(cfg);
      Map<String, String> env = Map.of("CL_SECRET", "cluster-link-secret");
      ConnectRestAdmin admin = fileSource("links-cdc", "x\n", Map.of());
      admin.awaitState("links-cdc", i -> i.fullyRunning() && !admin.offsets("links-cdc").isEmpty(), Duration.ofSeconds(60));
      assertThat(StreamDrCliTest.runWithEnv(env, "checkpoint", "-c", cfg, "--region", "us-east-1")[0]).isEqualTo("0");
      admin.delete("links-cdc");

      Path noValue = dir.resolve("links-no-value.yaml");
      Files.writeString(noValue, Files.readString(f).replace(", us-west-2: kafka.us-west-2.example.com", ""));
      String[] refused = StreamDrCliTest.runWithEnv(env, "failover", "-c", noValue.toString(), "--to", "us-west-2", "--pipeline");
      assertThat(refused[0]).isEqualTo("2");
      assertThat(refused[2]).contains("'dns.values' has no value for us-west-2");
      assertThat(dir.resolve("links-region.json")).as("refused before switching").doesNotExist();
      String[] dry = StreamDrCliTest.runWithEnv(env, "failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--connectors", "links-cdc",
          "--dry-run");
      assertThat(dry[0]).as(dry[2]).isEqualTo("0");
      assertThat(dry[1]).contains("1. fail over the mirror topics [orders] of cluster link east-to-west on lkc-west at " + links.url("/"))
          .contains("2. switch the active region in the store to us-west-2").contains("3. restore 1 connector(s)")
          .contains("4. point kafka.streaming.example.com (CNAME) at kafka.us-west-2.example.com in Route 53 zone Z1D633PJN98FT9 at " + dns.url("/"))
          .doesNotContain("cluster-link-secret");
      assertThat(linkCalls).as("a dry run calls nothing").isEmpty();

      var strict = new com.fasterxml.jackson.databind.ObjectMapper()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
      String[] first = StreamDrCliTest.runWithEnv(env, "failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--connectors", "links-cdc",
          "--json");
      assertThat(first[0]).as("the DNS step failed: " + first[2]).isEqualTo("1");
      var outcome = strict.readTree(first[1]);
      assertThat(outcome.path("mirrors").path("madeWritable").get(0).asText()).isEqualTo("orders");
      assertThat(outcome.path("dns").path("error").asText()).contains("Route 53 zone Z1D633PJN98FT9 record kafka.streaming.example.com.");
      assertThat(first[2]).contains("✘ DNS").contains("run the same failover again").doesNotContain("route53-test-secret");
      assertThat(linkCalls.get(0)).startsWith("GET /kafka/v3/clusters/lkc-west/links/east-to-west/mirrors/orders");
      assertThat(linkCalls.get(1)).startsWith("POST /kafka/v3/clusters/lkc-west/links/east-to-west/mirrors:failover");
      assertThat(admin.describe("links-cdc").state().name()).isEqualTo("RUNNING");

      dnsDown.set(false);
      String[] rerun = StreamDrCliTest.runWithEnv(env, "failover", "-c", cfg, "--to", "us-west-2", "--pipeline", "--connectors", "links-cdc");
      assertThat(rerun[0]).as(rerun[1] + rerun[2]).isEqualTo("0");
      assertThat(rerun[1]).contains("Completing the pipeline failover us-east-1 -> us-west-2")
          .contains("east-to-west: 0 made writable [], 1 already writable [orders]")
          .contains("✔ DNS kafka.streaming.example.com. -> kafka.us-west-2.example.com (INSYNC after");
      assertThat(record.get()).isEqualTo("kafka.us-west-2.example.com");
      assertThat(linkCalls).filteredOn(c -> c.startsWith("POST")).as("failed over once").hasSize(1);
      admin.delete("links-cdc");
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }
}
