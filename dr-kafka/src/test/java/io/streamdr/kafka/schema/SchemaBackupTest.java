package io.streamdr.kafka.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamdr.core.ConflictException;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.Json;
import io.streamdr.kafka.schema.SchemaSnapshot.Subject;
import io.streamdr.kafka.schema.SchemaSnapshot.Version;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A restore into a registry with IMPORT mode (Confluent Schema Registry's documented API, played by MockWebServer):
 * ids with gaps are kept, each subject is put in IMPORT mode only while it is written, and a used id stops the restore
 * before anything is written.
 */
class SchemaBackupTest {
  private MockWebServer server;
  private final ConfluentRegistry registry = new ConfluentRegistry();

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.setDispatcher(registry);
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  private static SchemaSnapshot snapshot() {
    return new SchemaSnapshot("s1", Instant.parse("2026-12-02T06:00:00Z"), "http://sr-east:8081", Optional.of("BACKWARD"),
        Optional.of("READWRITE"), List.of(
            new Subject("orders-value", Optional.of("FULL"), List.of(
                new Version(1, 100, "AVRO", "{\"type\":\"string\"}", List.of()),
                new Version(2, 105, "AVRO", "{\"type\":\"int\"}", List.of()))),
            new Subject("payments-value", Optional.empty(), List.of(
                new Version(1, 103, "JSON", "{\"type\":\"object\"}", List.of())))));
  }

  @Test
  void ids_with_gaps_are_kept_in_import_mode_set_per_subject_and_set_back() {
    SchemaBackup.RestoreReport report = SchemaBackup.restore(snapshot(), RestEndpoint.of(server.url("/").toString()));

    assertThat(report.importMode()).isTrue();
    assertThat(report.restored()).isEqualTo(3);
    assertThat(report.outcomes()).extracting(SchemaBackup.Outcome::id).containsExactly(100, 103, 105);
    assertThat(registry.ids).containsOnlyKeys(100, 103, 105);
    assertThat(registry.subjects.get("orders-value")).extracting(v -> v.path("id").asInt()).containsExactly(100, 105);
    assertThat(registry.posts).allSatisfy(p -> assertThat(p.has("id") && p.has("version")).as("%s carries its id and version", p).isTrue());
    assertThat(registry.posts.get(1).path("schemaType").asText()).isEqualTo("JSON");
    assertThat(registry.modeChanges).containsExactly("orders-value=IMPORT", "payments-value=IMPORT",
        "orders-value=READWRITE", "payments-value=READWRITE");
    assertThat(registry.configs).containsExactly(Map.entry("orders-value", "FULL"));

    SchemaBackup.RestoreReport again = SchemaBackup.restore(snapshot(), RestEndpoint.of(server.url("/").toString()));
    assertThat(again.restored()).isZero();
    assertThat(registry.posts).hasSize(3);
  }

  @Test
  void a_schema_is_registered_after_the_schemas_it_references_whatever_their_ids() {
    SchemaSnapshot withReference = new SchemaSnapshot("s2", Instant.parse("2026-12-02T06:00:00Z"), "http://sr-east:8081",
        Optional.empty(), Optional.empty(), List.of(
            new Subject("common-value", Optional.empty(), List.of(new Version(1, 110, "AVRO", "{\"type\":\"fixed\",\"name\":\"Id\",\"size\":16}", List.of()))),
            new Subject("orders-value", Optional.empty(), List.of(new Version(1, 100, "AVRO", "{\"type\":\"record\",\"name\":\"O\",\"fields\":[{\"name\":\"id\",\"type\":\"Id\"}]}",
                List.of(new SchemaSnapshot.Reference("Id", "common-value", 1)))))));
    SchemaBackup.RestoreReport report = SchemaBackup.restore(withReference, RestEndpoint.of(server.url("/").toString()));
    assertThat(report.outcomes()).extracting(SchemaBackup.Outcome::subject).containsExactly("common-value", "orders-value");
    assertThat(registry.posts.get(1).path("references").get(0).path("subject").asText()).isEqualTo("common-value");
    assertThat(registry.ids).containsOnlyKeys(100, 110);
  }

  @Test
  void an_id_the_target_uses_for_another_schema_stops_the_restore_before_it_writes() {
    registry.add("audit-value", 103, "{\"type\":\"boolean\"}");
    assertThatThrownBy(() -> SchemaBackup.restore(snapshot(), RestEndpoint.of(server.url("/").toString())))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("id 103 is another schema there than payments-value version 1's")
        .hasMessageContaining("nothing was written");
    assertThat(registry.posts).isEmpty();
    assertThat(registry.modeChanges).isEmpty();
  }

  /** The parts of Confluent Schema Registry's REST API a restore uses, with IMPORT mode. */
  private static final class ConfluentRegistry extends Dispatcher {
    final Map<String, List<JsonNode>> subjects = new TreeMap<>();
    final Map<Integer, JsonNode> ids = new ConcurrentHashMap<>();
    final Map<String, String> modes = new ConcurrentHashMap<>();
    final List<JsonNode> posts = new CopyOnWriteArrayList<>();
    final List<String> modeChanges = new CopyOnWriteArrayList<>();
    final Map<String, String> configs = new TreeMap<>();

    synchronized void add(String subject, int id, String schema) {
      ObjectNode v = Json.MAPPER.createObjectNode().put("subject", subject)
          .put("version", subjects.getOrDefault(subject, List.of()).size() + 1).put("id", id).put("schema", schema);
      subjects.computeIfAbsent(subject, s -> new ArrayList<>()).add(v);
      ids.put(id, Json.MAPPER.createObjectNode().put("schema", schema));
    }

    @Override
    public synchronized MockResponse dispatch(RecordedRequest request) {
      String[] path = request.getRequestUrl().encodedPath().substring(1).split("/");
      String method = request.getMethod();
      try {
        if (path[0].equals("subjects") && path.length == 1) {
          ArrayNode a = Json.MAPPER.createArrayNode();
          subjects.keySet().forEach(a::add);
          return json(200, a);
        }
        if (path[0].equals("subjects") && path.length == 3 && method.equals("GET")) {
          List<JsonNode> versions = subjects.get(path[1]);
          if (versions == null) {
            return json(404, Json.MAPPER.createObjectNode().put("error_code", 40401).put("message", "Subject not found"));
          }
          ArrayNode a = Json.MAPPER.createArrayNode();
          versions.forEach(v -> a.add(v.path("version").asInt()));
          return json(200, a);
        }
        if (path[0].equals("subjects") && path.length == 4) {
          List<JsonNode> versions = subjects.getOrDefault(path[1], List.of());
          int v = Integer.parseInt(path[3]);
          return v <= versions.size() ? json(200, versions.get(v - 1))
              : json(404, Json.MAPPER.createObjectNode().put("error_code", 40402).put("message", "Version not found"));
        }
        if (path[0].equals("subjects") && path.length == 3 && method.equals("POST")) {
          JsonNode body = Json.MAPPER.readTree(request.getBody().readUtf8());
          posts.add(body);
          if (!"IMPORT".equals(modes.get(path[1]))) {
            return json(422, Json.MAPPER.createObjectNode().put("error_code", 42205).put("message", "not in import mode"));
          }
          add(path[1], body.path("id").asInt(), body.path("schema").asText());
          if (body.has("schemaType")) {
            ((ObjectNode) subjects.get(path[1]).get(subjects.get(path[1]).size() - 1)).put("schemaType", body.path("schemaType").asText());
            ((ObjectNode) ids.get(body.path("id").asInt())).put("schemaType", body.path("schemaType").asText());
          }
          return json(200, Json.MAPPER.createObjectNode().put("id", body.path("id").asInt()));
        }
        if (path[0].equals("schemas") && path[1].equals("ids")) {
          JsonNode s = ids.get(Integer.parseInt(path[2]));
          return s != null ? json(200, s) : json(404, Json.MAPPER.createObjectNode().put("error_code", 40403).put("message", "Schema not found"));
        }
        if (path[0].equals("mode")) {
          String subject = path.length > 1 ? path[1] : null;
          if (method.equals("GET")) {
            return json(200, Json.MAPPER.createObjectNode().put("mode", subject == null ? "READWRITE" : modes.getOrDefault(subject, "READWRITE")));
          }
          String mode = method.equals("DELETE") ? "READWRITE" : Json.MAPPER.readTree(request.getBody().readUtf8()).path("mode").asText();
          modes.put(subject, mode);
          modeChanges.add(subject + "=" + mode);
          return json(200, Json.MAPPER.createObjectNode().put("mode", mode));
        }
        if (path[0].equals("config") && method.equals("PUT")) {
          configs.put(path[1], Json.MAPPER.readTree(request.getBody().readUtf8()).path("compatibility").asText());
          return json(200, Json.MAPPER.createObjectNode().put("compatibility", configs.get(path[1])));
        }
        if (path[0].equals("config")) {
          return json(404, Json.MAPPER.createObjectNode().put("error_code", 40408).put("message", "Subject compatibility not configured"));
        }
        return json(404, Json.MAPPER.createObjectNode().put("error_code", 404).put("message", "no route " + method + " " + request.getPath()));
      } catch (Exception e) {
        return json(500, Json.MAPPER.createObjectNode().put("message", e.toString()));
      }
    }

    private static MockResponse json(int status, JsonNode body) {
      return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/vnd.schemaregistry.v1+json")
          .setBody(body.toString());
    }
  }
}
