package io.streamdr.kafka.schema;

import io.streamdr.core.internal.http.RestClient;
import java.util.Map;

/** Small Avro record schemas, and registering them, for the registry tests. */
final class AvroSchemas {
  private AvroSchemas() {}

  /** An Avro record named {@code name} with a string field of each name. */
  static String record(String name, String... fields) {
    StringBuilder b = new StringBuilder("{\"type\":\"record\",\"name\":\"" + name + "\",\"fields\":[");
    for (int i = 0; i < fields.length; i++) {
      b.append(i == 0 ? "" : ",").append("{\"name\":\"").append(fields[i]).append("\",\"type\":\"string\"}");
    }
    return b.append("]}").toString();
  }

  /** Registers {@code schema} under {@code subject}, returning the id the registry gives it. */
  static int register(RestClient registry, String subject, String schema) {
    return registry.post("/subjects/" + subject + "/versions", Map.of("schema", schema)).path("id").asInt();
  }
}
