package io.streamdr.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedConnectIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("connect-it").build();

  @TempDir Path dir;

  static JsonNode await(RestClient rest, String path, Predicate<JsonNode> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      var r = rest.execute(RestRequest.get(path).accept(404).build());
      last = r.body();
      if (r.isSuccess() && condition.test(last)) {
        return last;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    }
    throw new AssertionError("Condition on " + path + " not met within 60 s; last: " + last);
  }

  @Test
  void runs_a_file_source_connector_and_alters_its_offsets_when_stopped() throws Exception {
    Path input = dir.resolve("lines.txt");
    Files.write(input, List.of("one", "two", "three"));
    KAFKA.createTopic("lines", 1);
    try (EmbeddedConnect connect = EmbeddedConnect.on(KAFKA, "connect-it")) {
      connect.start();
      assertThat(connect.restUrl().getHost()).isEqualTo("127.0.0.1");
      RestClient rest = RestClient.of(connect.restUrl().toString());
      rest.put("/connectors/file-src/config", Map.of(
          "connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector",
          "tasks.max", "1", "file", input.toString(), "topic", "lines"));
      await(rest, "/connectors/file-src/status", s -> "RUNNING".equals(s.path("tasks").path(0).path("state").asText()));
      assertThat(KAFKA.read("lines", 3, Duration.ofSeconds(30))).extracting(r -> r.value()).containsExactly(
          "\"one\"", "\"two\"", "\"three\"");
      JsonNode offsets = await(rest, "/connectors/file-src/offsets", o -> o.path("offsets").size() == 1);
      assertThat(offsets.path("offsets").get(0).path("offset").path("position").asLong()).isEqualTo(14);

      rest.put("/connectors/file-src/stop", Map.of());
      await(rest, "/connectors/file-src/status", s -> "STOPPED".equals(s.path("connector").path("state").asText()));
      rest.execute(RestRequest.patch("/connectors/file-src/offsets").json(Map.of("offsets", List.of(Map.of(
          "partition", Map.of("filename", input.toString()), "offset", Map.of("position", 4))))).build());
      JsonNode altered = rest.get("/connectors/file-src/offsets");
      assertThat(altered.path("offsets").get(0).path("offset").path("position").asLong()).isEqualTo(4);
    }
  }
}
