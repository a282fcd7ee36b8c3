package io.streamdr.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import io.streamdr.testkit.flink.RoutingJob;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.RequestBody;
import org.apache.flink.api.common.JobID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedFlinkIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("flink-it").build();

  @RegisterExtension
  static final EmbeddedFlink FLINK = EmbeddedFlink.create();

  @TempDir Path dir;

  /** Debezium-shaped change events, ids from..to, types cycling loan, service, car, unknown. */
  static Map<String, String> events(int from, int to) {
    String[] types = {"loan", "service", "car", "mortgage"};
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = from; i < to; i++) {
      m.put("{\"id\":" + i + "}", "{\"before\":null,\"after\":{\"id\":" + i + ",\"event_type\":\"" + types[i % 4]
          + "\",\"customer_id\":7},\"op\":\"c\"}");
    }
    return m;
  }

  static JsonNode await(RestClient rest, String path, Predicate<JsonNode> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = rest.get(path);
      if (condition.test(last)) {
        return last;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
    }
    throw new AssertionError("Condition on " + path + " not met; last: " + last);
  }

  static List<String> routed(String type, int atLeast) {
    return KAFKA.read(RoutingJob.filteredTopic(type), atLeast, Duration.ofSeconds(60)).stream()
        .map(ConsumerRecord::key).toList();
  }

  @Test
  void routes_savepoints_over_rest_and_restores_from_an_uploaded_jar_without_duplicates() {
    KAFKA.createTopic(RoutingJob.SOURCE_TOPIC, 2);
    for (String type : RoutingJob.TYPES) {
      KAFKA.createTopic(RoutingJob.filteredTopic(type), 2);
    }
    KAFKA.produce(RoutingJob.SOURCE_TOPIC, events(0, 40)); // 10 of each type, 10 unknown
    JobID job = FLINK.submitRoutingJob(KAFKA.bootstrapServers());
    assertThat(routed("loan", 10)).hasSize(10).doesNotHaveDuplicates();
    assertThat(routed("car", 10)).hasSize(10);

    RestClient rest = RestClient.of(FLINK.restUrl().toString());
    await(rest, "/jobs/" + job + "/checkpoints", c -> c.path("counts").path("completed").asInt() > 0);
    JsonNode trigger = rest.post("/jobs/" + job + "/savepoints",
        Map.of("target-directory", dir.resolve("sp").toUri().toString(), "cancel-job", true));
    String triggerId = trigger.path("request-id").asText();
    JsonNode done = await(rest, "/jobs/" + job + "/savepoints/" + triggerId,
        s -> "COMPLETED".equals(s.path("status").path("id").asText()));
    String location = done.path("operation").path("location").asText();
    assertThat(location).startsWith("file:");
    await(rest, "/jobs/" + job, j -> "CANCELED".equals(j.path("state").asText()));

    KAFKA.produce(RoutingJob.SOURCE_TOPIC, events(40, 80)); // arrives while the job is down

    Path jar = EmbeddedFlink.writeRoutingJobJar(dir);
    JsonNode upload = rest.execute(RestRequest.post("/jars/upload").body(new MultipartBody.Builder()
        .setType(MultipartBody.FORM)
        .addFormDataPart("jarfile", "routing-job.jar", RequestBody.create(jar.toFile(), MediaType.get("application/x-java-archive")))
        .build()).build()).body();
    String jarId = Path.of(upload.path("filename").asText()).getFileName().toString();
    JsonNode run = rest.post("/jars/" + jarId + "/run", Map.of("entryClass", RoutingJob.class.getName(),
        "programArgsList", List.of(KAFKA.bootstrapServers()), "savepointPath", location));
    String restored = run.path("jobid").asText();
    await(rest, "/jobs/" + restored, j -> "RUNNING".equals(j.path("state").asText()));
    // the restored job continues from the savepoint: exactly 20 of each type, none twice
    assertThat(routed("loan", 20)).hasSize(20).doesNotHaveDuplicates();
    assertThat(routed("service", 20)).hasSize(20).doesNotHaveDuplicates();
    JsonNode checkpoints = await(rest, "/jobs/" + restored + "/checkpoints", c -> !c.path("latest").path("restored").isMissingNode()
        && !c.path("latest").path("restored").isNull());
    assertThat(checkpoints.path("latest").path("restored").path("external_path").asText()).isEqualTo(location);
    rest.execute(RestRequest.patch("/jobs/" + restored).query("mode", "cancel").build());
  }
}
