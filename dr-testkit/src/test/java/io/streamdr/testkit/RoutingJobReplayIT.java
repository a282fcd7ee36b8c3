package io.streamdr.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import io.streamdr.testkit.flink.RoutingJob;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.RequestBody;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The routing job routes every event once even when restored from a recovery point older than what it had already
 * routed: the source replays, the sink recognises what it wrote.
 */
class RoutingJobReplayIT {
  @RegisterExtension
  @Order(1)
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("replay-it").build();
  @RegisterExtension
  @Order(2)
  static final EmbeddedFlink FLINK = EmbeddedFlink.create();

  @TempDir Path dir;

  private static List<String> keys(String type) {
    // everything the topic holds: reads until the deadline, as no count is expected
    return KAFKA.read(RoutingJob.filteredTopic(type), Integer.MAX_VALUE, Duration.ofSeconds(3)).stream().map(ConsumerRecord::key).toList();
  }

  @Test
  void a_job_restored_from_an_older_savepoint_routes_nothing_twice() {
    KAFKA.createTopic(RoutingJob.SOURCE_TOPIC, 1); // one partition: the marker below comes after every replayed event
    for (String type : RoutingJob.TYPES) {
      KAFKA.createTopic(RoutingJob.filteredTopic(type), 2);
    }
    RestClient rest = RestClient.of(FLINK.restUrl().toString());
    KAFKA.produce(RoutingJob.SOURCE_TOPIC, EmbeddedFlinkIT.events(0, 40)); // 10 of each type, 10 unknown
    String job = FLINK.submitRoutingJob(KAFKA.bootstrapServers()).toString();
    assertThat(KAFKA.read(RoutingJob.filteredTopic("loan"), 10, Duration.ofSeconds(60))).hasSize(10);
    EmbeddedFlinkIT.await(rest, "/jobs/" + job + "/checkpoints", c -> c.path("counts").path("completed").asInt() > 0);

    JsonNode trigger = rest.post("/jobs/" + job + "/savepoints", Map.of("target-directory", dir.resolve("sp").toUri().toString(),
        "cancel-job", false));
    String location = EmbeddedFlinkIT.await(rest, "/jobs/" + job + "/savepoints/" + trigger.path("request-id").asText(),
        s -> "COMPLETED".equals(s.path("status").path("id").asText())).path("operation").path("location").asText();

    KAFKA.produce(RoutingJob.SOURCE_TOPIC, EmbeddedFlinkIT.events(40, 80)); // routed after the savepoint
    assertThat(KAFKA.read(RoutingJob.filteredTopic("loan"), 20, Duration.ofSeconds(60))).hasSize(20);
    rest.execute(RestRequest.patch("/jobs/" + job).query("mode", "cancel").build());
    EmbeddedFlinkIT.await(rest, "/jobs/" + job, j -> "CANCELED".equals(j.path("state").asText()));

    Path jar = EmbeddedFlink.writeRoutingJobJar(dir);
    JsonNode upload = rest.execute(RestRequest.post("/jars/upload").body(new MultipartBody.Builder().setType(MultipartBody.FORM)
        .addFormDataPart("jarfile", "routing-job.jar", RequestBody.create(jar.toFile(), MediaType.get("application/x-java-archive")))
        .build()).build()).body();
    String jarId = Path.of(upload.path("filename").asText()).getFileName().toString();
    String restored = rest.post("/jars/" + jarId + "/run", Map.of("entryClass", RoutingJob.class.getName(),
        "programArgsList", List.of(KAFKA.bootstrapServers()), "savepointPath", location)).path("jobid").asText();
    EmbeddedFlinkIT.await(rest, "/jobs/" + restored, j -> "RUNNING".equals(j.path("state").asText()));

    // the restored source replays events 40..79; a marker after them shows when the replay is through
    KAFKA.produce(RoutingJob.SOURCE_TOPIC, EmbeddedFlinkIT.events(80, 81)); // a loan event
    assertThat(KAFKA.read(RoutingJob.filteredTopic("loan"), 21, Duration.ofSeconds(60))).hasSizeGreaterThanOrEqualTo(21);

    assertThat(keys("loan")).hasSize(21).doesNotHaveDuplicates();
    assertThat(keys("service")).hasSize(20).doesNotHaveDuplicates();
    assertThat(keys("car")).hasSize(20).doesNotHaveDuplicates();
    rest.execute(RestRequest.patch("/jobs/" + restored).query("mode", "cancel").build());
  }
}
