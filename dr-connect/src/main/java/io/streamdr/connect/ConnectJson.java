package io.streamdr.connect;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.connect.TaskInfo;
import io.streamdr.core.internal.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** JSON shapes shared by the Connect REST API and Confluent Cloud's connect/v1 API. */
final class ConnectJson {
  private ConnectJson() {}

  /** A connector from its info document ({@code GET …/{name}}) and its status document ({@code GET …/{name}/status}). */
  static ConnectorInfo info(String name, JsonNode info, JsonNode status) {
    JsonNode connector = status.path("connector");
    return new ConnectorInfo(name, text(info, "type").or(() -> text(status, "type")),
        config(info.path("config")), ConnectorState.parse(connector.path("state").asText("UNASSIGNED")),
        text(connector, "trace"), tasks(status.path("tasks")));
  }

  static Map<String, String> config(JsonNode node) {
    Map<String, String> config = new LinkedHashMap<>();
    node.fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
    return config;
  }

  static List<TaskInfo> tasks(JsonNode statusTasks) {
    List<TaskInfo> tasks = new ArrayList<>();
    for (JsonNode t : statusTasks) {
      tasks.add(new TaskInfo(t.path("id").asInt(), ConnectorState.parse(t.path("state").asText("UNASSIGNED")),
          text(t, "worker_id"), text(t, "trace").or(() -> text(t, "msg"))));
    }
    tasks.sort(Comparator.comparingInt(TaskInfo::id));
    return tasks;
  }

  static Optional<String> text(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isMissingNode() || v.isNull() || v.asText().isEmpty() ? Optional.empty() : Optional.of(v.asText());
  }

  @SuppressWarnings("unchecked")
  static ConnectorOffsets offsets(JsonNode body) {
    List<ConnectorOffsets.Offset> out = new ArrayList<>();
    for (JsonNode o : body.path("offsets")) {
      Map<String, Object> partition = Json.MAPPER.convertValue(o.path("partition"), Map.class);
      Map<String, Object> offset = o.path("offset").isNull() ? null : Json.MAPPER.convertValue(o.path("offset"), Map.class);
      out.add(new ConnectorOffsets.Offset(partition, offset));
    }
    return new ConnectorOffsets(out);
  }

  static List<Map<String, Object>> offsetsBody(ConnectorOffsets offsets) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (ConnectorOffsets.Offset o : offsets.offsets()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("partition", o.partition());
      entry.put("offset", o.offset());
      list.add(entry);
    }
    return list;
  }
}
