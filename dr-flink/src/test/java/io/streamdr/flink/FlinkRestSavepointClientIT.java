package io.streamdr.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.JobSpec;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.savepoint.SavepointOptions;
import io.streamdr.testing.SavepointClientContract;
import io.streamdr.testkit.EmbeddedFlink;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.flink.RoutingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FlinkRestSavepointClientIT extends SavepointClientContract {
  @RegisterExtension @Order(1)
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("flink-savepoints").build();

  @RegisterExtension @Order(2)
  static final EmbeddedFlink FLINK = EmbeddedFlink.create();

  static RestEndpoint endpoint;
  static RestClient rest;
  static FlinkRestSavepointClient client;
  static Path jar;

  @BeforeAll
  static void setUp() throws Exception {
    KAFKA.createTopic(RoutingJob.SOURCE_TOPIC, 2);
    for (String type : RoutingJob.TYPES) {
      KAFKA.createTopic(RoutingJob.filteredTopic(type), 2);
    }
    endpoint = RestEndpoint.of(FLINK.restUrl().toString());
    rest = RestClient.of(endpoint);
    client = new FlinkRestSavepointClient(endpoint);
    jar = EmbeddedFlink.writeRoutingJobJar(Files.createTempDirectory("routing-jar"));
  }

  /** Each test starts jobs; cancel what still runs so slots stay free. */
  @AfterEach
  void cancelRunningJobs() {
    for (JsonNode j : rest.get("/jobs/overview").path("jobs")) {
      if ("RUNNING".equals(j.path("state").asText())) {
        client.cancel(new JobRef(j.path("jid").asText()));
      }
    }
  }

  @Override
  protected SavepointClient client() {
    return client;
  }

  @Override
  protected JobRef runningJob() {
    JobRef job = new JobRef(FLINK.submitRoutingJob(KAFKA.bootstrapServers()).toString());
    client.awaitRunning(job, Duration.ofSeconds(60));
    return job;
  }

  @Override
  protected void awaitRunning(JobRef job) {
    client.awaitRunning(job, Duration.ofSeconds(60));
  }

  static void awaitState(JobRef job, String state) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!state.equals(client.state(job))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Job " + job + " not " + state + " within 60 s; is " + client.state(job));
      }
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
  }

  @Override
  protected JobSpec specFor(JobRef job) {
    return JobSpec.builder("routing").jarFile(jar).entryClass(RoutingJob.class.getName())
        .arguments(List.of(KAFKA.bootstrapServers())).build();
  }

  @Override
  protected SavepointOptions options() {
    return SavepointOptions.builder().targetDirectory(FLINK.savepointDir().toUri().toString()).build();
  }

  private static Map<String, String> loanEvents(int from, int to) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = from; i < to; i++) {
      m.put("{\"id\":" + i + "}", "{\"before\":null,\"after\":{\"id\":" + i + ",\"event_type\":\"loan\"},\"op\":\"c\"}");
    }
    return m;
  }

  @Test
  void restore_through_the_rest_jar_run_loses_and_repeats_no_record() {
    String topic = RoutingJob.filteredTopic("loan");
    int before = KAFKA.read(topic, 0, Duration.ofMillis(500)).size();
    JobRef job = runningJob();
    KAFKA.produce(RoutingJob.SOURCE_TOPIC, loanEvents(1000, 1100));
    assertThat(KAFKA.read(topic, before + 100, Duration.ofSeconds(60))).hasSize(before + 100);
    Savepoint sp = client.take(job, options().toBuilder().cancelJob(true).triggerId(null).build(), Duration.ofSeconds(60));
    awaitState(job, "CANCELED");
    KAFKA.produce(RoutingJob.SOURCE_TOPIC, loanEvents(1100, 1150)); // while no job runs
    JobRef restored = client.restore(specFor(job), sp);
    client.awaitRunning(restored, Duration.ofSeconds(60));
    List<ConsumerRecord<String, String>> out = KAFKA.read(topic, before + 150, Duration.ofSeconds(60));
    List<String> keys = out.stream().map(ConsumerRecord::key).filter(k -> k.matches("\\{\"id\":1[01]\\d\\d}")).toList();
    assertThat(keys).hasSize(150).doesNotHaveDuplicates();
  }

  @Test
  void a_retained_savepoint_is_disposed_and_its_directory_removed() throws Exception {
    JobRef job = runningJob();
    Savepoint sp = client.take(job, options().toBuilder().triggerId(null).build(), Duration.ofSeconds(60));
    Path dir = Path.of(java.net.URI.create(sp.location().orElseThrow()));
    assertThat(Files.isDirectory(dir)).isTrue();
    client.dispose(sp.location().get(), Duration.ofSeconds(60));
    assertThat(Files.exists(dir)).isFalse();
  }

  @Test
  void the_health_probe_counts_real_task_failures_in_its_window_and_sees_recovery() throws Exception {
    Path marker = Files.createTempFile("fail-", ".marker");
    JobRef job = new JobRef(FLINK.submitFailOnDemandJob(marker).toString());
    FlinkJobHealthProbe probe = FlinkJobHealthProbe.builder(endpoint, () -> job)
        .maxFailures(3)
        .window(Duration.ofMinutes(5))
        .maxCheckpointAge(Duration.ofMinutes(10))
        .build();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (probe.failuresInWindow() <= 3 && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
    }
    HealthSignal signal = probe.probe();
    assertThat(signal.status()).isEqualTo(HealthSignal.Status.FAILED);
    assertThat(signal.detail()).contains("more than 3");
    assertThat(signal.metrics().get("failures_in_window")).isGreaterThan(3.0);
    // a probe with a window that ends before the failures sees none of them
    FlinkJobHealthProbe later = FlinkJobHealthProbe.builder(endpoint, () -> job)
        .maxFailures(3)
        .window(Duration.ofMinutes(5))
        .maxCheckpointAge(Duration.ofMinutes(10))
        .clock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10)))
        .build();
    Files.delete(marker);
    awaitState(job, "RUNNING");
    assertThat(later.failuresInWindow()).isZero();
  }
}
