package io.streamdr.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.ConflictException;
import io.streamdr.core.SavepointFailedException;
import io.streamdr.core.UnsupportedCapabilityException;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.http.Auth;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.RetryPolicy;
import io.streamdr.core.http.Secret;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.Runbooks;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.JobSpec;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointHandle;
import io.streamdr.core.savepoint.SavepointOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConfluentCloudStatementClientTest {
  private static final String BASE = "/sql/v1/organizations/org-1/environments/env-east/statements";
  private MockWebServer server;
  private RestEndpoint rest;
  private ConfluentCloudStatementClient east;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
    rest = RestEndpoint.builder(server.url("/").toString()).auth(Auth.basic("FLINKKEY", Secret.of("flink-secret")))
        .retry(RetryPolicy.none()).build();
    east = ConfluentCloudStatementClient.builder(rest, "org-1", "env-east", "lfcp-east", "sa-router").sleeper(d -> { }).build();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  private void enqueue(int code, String body) {
    server.enqueue(new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body));
  }

  private static String statement(String phase, boolean stopped, String offsets) {
    return """
        {"api_version":"sql/v1","kind":"Statement","name":"routing","organization_id":"org-1","environment_id":"env-east",
         "metadata":{"resource_version":"7","created_at":"2026-11-24T00:00:00Z"},
         "spec":{"statement":"INSERT INTO filtered SELECT * FROM raw","properties":{},"compute_pool_id":"lfcp-east",
                 "principal":"sa-router","stopped":%s},
         "status":{"phase":"%s","detail":"detail of %s"%s}}""".formatted(stopped, phase, phase,
        offsets == null ? "" : ",\"latest_offsets\":" + offsets + ",\"latest_offsets_timestamp\":\"2026-11-24T10:00:00Z\"");
  }

  private RecordedRequest take() throws InterruptedException {
    return server.takeRequest(5, TimeUnit.SECONDS);
  }

  @Test
  void offsets_reported_without_their_timestamp_are_dated_by_the_clients_clock() throws Exception {
    Instant now = Instant.parse("2026-12-02T07:00:00Z");
    ConfluentCloudStatementClient clocked = ConfluentCloudStatementClient.builder(rest, "org-1", "env-east", "lfcp-east", "sa-router")
        .sleeper(d -> { }).clock(Clock.fixed(now, ZoneOffset.UTC)).build();
    enqueue(200, statement("RUNNING", false, null));
    enqueue(200, statement("RUNNING", false, null));
    enqueue(200, statement("STOPPING", true, null));
    enqueue(200, statement("STOPPED", true, "{\"raw-business-events\":\"partition:0,offset:7\"}")
        .replace(",\"latest_offsets_timestamp\":\"2026-11-24T10:00:00Z\"", ""));
    enqueue(200, statement("STOPPED", true, "{}"));
    enqueue(200, statement("PENDING", false, null));
    Savepoint sp = clocked.await(clocked.trigger(new JobRef("routing"), SavepointOptions.defaults()), Duration.ofSeconds(30));
    assertThat(sp.completedAt()).contains(now);
  }

  @Test
  void capturing_a_recovery_point_stops_the_statement_reads_its_offsets_and_resumes_it() throws Exception {
    enqueue(200, statement("RUNNING", false, null));                  // phase check
    enqueue(200, statement("RUNNING", false, null));                  // read before PUT
    enqueue(200, statement("STOPPING", true, null));                  // PUT stopped=true
    enqueue(200, statement("STOPPING", true, null));                  // await
    enqueue(200, statement("STOPPED", true, "{\"raw-business-events\":\"partition:0,offset:100;partition:1,offset:200\"}"));
    enqueue(200, statement("STOPPED", true, "{}"));                   // read before PUT (resume)
    enqueue(200, statement("PENDING", false, null));                  // PUT stopped=false
    SavepointHandle h = east.trigger(new JobRef("routing"), SavepointOptions.defaults());
    Savepoint sp = east.await(h, Duration.ofSeconds(30));
    assertThat(sp.kind()).isEqualTo(Savepoint.Kind.OFFSETS);
    assertThat(sp.location()).hasValueSatisfying(l -> assertThat(l)
        .contains("\"environment\":\"env-east\"").contains("partition:0,offset:100;partition:1,offset:200"));
    take();
    take();
    RecordedRequest stop = take();
    assertThat(stop.getMethod()).isEqualTo("PUT");
    assertThat(stop.getPath()).isEqualTo(BASE + "/routing");
    String body = stop.getBody().readUtf8();
    assertThat(body).contains("\"stopped\":true").contains("\"resource_version\":\"7\"").doesNotContain("\"status\"");
    take();
    take();
    take();
    assertThat(take().getBody().readUtf8()).contains("\"stopped\":false");
  }

  @Test
  void a_statement_that_fails_while_stopping_is_a_failed_capture() {
    enqueue(200, statement("RUNNING", false, null));
    enqueue(200, statement("RUNNING", false, null));
    enqueue(200, statement("STOPPING", true, null));
    enqueue(200, statement("FAILED", true, null));
    SavepointHandle h = east.trigger(new JobRef("routing"), SavepointOptions.builder().cancelJob(true).build());
    assertThatThrownBy(() -> east.await(h, Duration.ofSeconds(30))).isInstanceOf(SavepointFailedException.class)
        .hasMessageContaining("FAILED").hasMessageContaining("detail of FAILED");
  }

  @Test
  void a_statement_degraded_while_stopping_is_a_failed_capture() {
    enqueue(200, statement("RUNNING", false, null));
    enqueue(200, statement("RUNNING", false, null));
    enqueue(200, statement("STOPPING", true, null));
    enqueue(200, statement("DEGRADED", true, null));
    SavepointHandle h = east.trigger(new JobRef("routing"), SavepointOptions.defaults());
    assertThatThrownBy(() -> east.await(h, Duration.ofSeconds(30))).isInstanceOf(SavepointFailedException.class)
        .hasMessageContaining("DEGRADED");
  }

  @Test
  void a_statement_not_running_cannot_be_captured() {
    enqueue(200, statement("DEGRADED", false, null).replace("DEGRADED\",\"detail", "COMPLETED\",\"detail"));
    assertThatThrownBy(() -> east.trigger(new JobRef("routing"), SavepointOptions.defaults()))
        .isInstanceOf(ConflictException.class).hasMessageContaining("COMPLETED");
  }

  private static Savepoint offsets(String env) {
    return new Savepoint(new JobRef("routing"), "t1", Savepoint.Kind.OFFSETS, io.streamdr.core.savepoint.SavepointState.COMPLETED,
        java.util.Optional.of("{\"environment\":\"" + env + "\",\"statement\":\"routing\",\"offsets\":{\"raw\":\"partition:0,offset:42\"}}"),
        java.util.Optional.empty(), java.time.Instant.now(), java.util.Optional.of(java.time.Instant.now()));
  }

  @Test
  void restore_in_the_same_environment_carries_offsets_over_by_statement_name() throws Exception {
    enqueue(200, statement("PENDING", false, null).replace("\"name\":\"routing\"", "\"name\":\"routing-v2\""));
    JobRef created = east.restore(JobSpec.builder("routing-v2").sql("INSERT INTO filtered SELECT * FROM raw").build(), offsets("env-east"));
    assertThat(created.id()).isEqualTo("routing-v2");
    RecordedRequest post = take();
    assertThat(post.getMethod()).isEqualTo("POST");
    assertThat(post.getPath()).isEqualTo(BASE);
    assertThat(post.getBody().readUtf8()).contains("\"sql.tables.initial-offset-from\":\"routing\"")
        .contains("\"compute_pool_id\":\"lfcp-east\"").contains("\"principal\":\"sa-router\"");
  }

  @Test
  void the_dr_guide_flink_job_failure_runbook_recovers_a_failed_statement_from_its_offsets() throws Exception {
    // a statement that failed after being stopped with its offsets (the recovery point Cloud keeps)
    enqueue(200, statement("STOPPED", true, "{\"raw-business-events\":\"partition:0,offset:100\"}")); // list
    enqueue(201, statement("PENDING", false, null).replace("\"name\":\"routing\"", "\"name\":\"routing-v2\""));
    AtomicReference<JobRef> job = new AtomicReference<>(new JobRef("routing"));
    HealthProbe health = () -> new HealthSignal("flink statement " + job.get().id(),
        job.get().id().equals("routing") ? HealthSignal.Status.FAILED : HealthSignal.Status.HEALTHY, "statement " + job.get().id(),
        Map.of(), Instant.now());

    var report = Runbooks.flinkJobFailure(east, job, JobSpec.builder("routing-v2").sql("INSERT INTO filtered SELECT * FROM raw").build(),
        health, Duration.ofSeconds(5)).run(RecoveryObjectives.defaults());

    assertThat(report.succeeded()).as(report.toText()).isTrue();
    assertThat(job.get().id()).isEqualTo("routing-v2");
    assertThat(report.steps().get(1).detail()).startsWith("offsets latest");
    assertThat(take().getPath()).isEqualTo(BASE + "/routing");
    RecordedRequest post = take();
    assertThat(post.getMethod()).isEqualTo("POST");
    assertThat(post.getBody().readUtf8()).contains("\"sql.tables.initial-offset-from\":\"routing\"");
  }

  @Test
  void restore_in_another_region_substitutes_offset_placeholders_or_explains_what_is_needed() throws Exception {
    String sql = "INSERT INTO filtered SELECT * FROM raw /*+ OPTIONS('scan.startup.mode'='specific-offsets',"
        + "'scan.startup.specific-offsets'='${offsets:raw}') */";
    enqueue(201, statement("PENDING", false, null));
    east.restore(JobSpec.builder("routing").sql(sql).build(), offsets("env-west"));
    assertThat(take().getBody().readUtf8()).contains("'scan.startup.specific-offsets'='partition:0,offset:42'")
        .doesNotContain("initial-offset-from");
    assertThatThrownBy(() -> east.restore(JobSpec.builder("routing").sql("INSERT INTO x SELECT * FROM raw").build(), offsets("env-west")))
        .isInstanceOf(UnsupportedCapabilityException.class).hasMessageContaining("${offsets:<topic>}").hasMessageContaining("raw");
  }

  @Test
  void deploy_everywhere_creates_the_statement_in_each_region_s_pool() throws Exception {
    MockWebServer west = new MockWebServer();
    west.start();
    try {
      RestEndpoint westRest = RestEndpoint.builder(west.url("/").toString()).retry(RetryPolicy.none()).build();
      ConfluentCloudStatementClient westClient = ConfluentCloudStatementClient.builder(westRest, "org-1", "env-west", "lfcp-west", "sa-router").sleeper(d -> { }).build();
      enqueue(201, statement("PENDING", false, null));
      west.enqueue(new MockResponse().setResponseCode(201).setBody(statement("PENDING", false, null)));
      List<JobRef> refs = ConfluentCloudStatementClient.deployEverywhere(
          JobSpec.builder("routing").sql("INSERT INTO filtered SELECT * FROM raw").build(), List.of(east, westClient));
      assertThat(refs).hasSize(2);
      assertThat(take().getBody().readUtf8()).contains("lfcp-east");
      assertThat(west.takeRequest(5, TimeUnit.SECONDS).getBody().readUtf8()).contains("lfcp-west");
    } finally {
      west.shutdown();
    }
  }

  @Test
  void an_existing_statement_name_is_a_conflict() {
    enqueue(409, "{\"errors\":[{\"status\":\"409\",\"detail\":\"already exists\"}]}");
    assertThatThrownBy(() -> east.deploy(JobSpec.builder("routing").sql("SELECT 1").build()))
        .isInstanceOf(ConflictException.class).hasMessageContaining("routing");
  }
}
