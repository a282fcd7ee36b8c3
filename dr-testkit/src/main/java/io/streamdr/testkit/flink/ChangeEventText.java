package io.streamdr.testkit.flink;

import io.streamdr.core.internal.http.RestClient;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DecoderFactory;

/**
 * The text of a change event's value, whichever way Debezium wrote it: JSON as it is; Avro in Confluent's wire format
 * (a zero byte, the 4-byte schema id, the Avro binary) decoded with the schema of that id in a Schema Registry (its
 * Confluent-compatible API) and rendered as Avro renders a record ({@code {"before": null, "after": {"id": 1, ...}}}).
 * A value whose schema id the registry does not hold fails, naming the id and the registry: it cannot be routed there.
 */
public final class ChangeEventText implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Schemas by registry and id, shared by every job of the JVM: an id names one schema for good. */
  private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();
  private final String registry;

  private ChangeEventText(String registry) {
    this.registry = registry;
  }

  /** Values written as JSON only. */
  public static ChangeEventText json() {
    return new ChangeEventText(null);
  }

  /** Values in JSON or in Avro against {@code registryUrl} (a Confluent-compatible API, e.g. {@code .../apis/ccompat/v7}). */
  public static ChangeEventText withRegistry(String registryUrl) {
    return new ChangeEventText(registryUrl == null ? null : registryUrl.replaceAll("/$", ""));
  }

  /** The registry values are decoded against, or null for JSON only. */
  public String registry() {
    return registry;
  }

  /** The value as text. */
  public String of(byte[] value) {
    if (value.length < 5 || value[0] != 0 || registry == null) {
      return new String(value, StandardCharsets.UTF_8);
    }
    int id = java.nio.ByteBuffer.wrap(value, 1, 4).getInt();
    Schema schema = SCHEMAS.computeIfAbsent(registry + "#" + id, k -> schema(id));
    try {
      return new GenericDatumReader<Object>(schema).read(null, DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null)).toString();
    } catch (IOException e) {
      throw new IllegalStateException("A change event does not decode with schema id " + id + " of " + registry + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses first the named types a schema refers to (Apicurio's converter registers the record types nested in
   * Debezium's envelope, such as its {@code Source}, as subjects of their own and refers to them), depth first.
   */
  private static void defineReferences(RestClient client, com.fasterxml.jackson.databind.JsonNode schema, Schema.Parser parser,
      java.util.Set<String> defined) {
    for (com.fasterxml.jackson.databind.JsonNode ref : schema.path("references")) {
      String subject = ref.path("subject").asText();
      String at = subject + "/" + ref.path("version").asText();
      if (defined.add(at)) {
        com.fasterxml.jackson.databind.JsonNode referenced = client.get("/subjects/" + java.net.URLEncoder.encode(subject,
            StandardCharsets.UTF_8) + "/versions/" + ref.path("version").asText());
        defineReferences(client, referenced, parser, defined);
        parser.parse(referenced.path("schema").asText());
      }
    }
  }

  private Schema schema(int id) {
    try {
      RestClient client = RestClient.of(registry);
      com.fasterxml.jackson.databind.JsonNode found = client.get("/schemas/ids/" + id);
      Schema.Parser parser = new Schema.Parser();
      defineReferences(client, found, parser, new java.util.HashSet<>());
      return parser.parse(found.path("schema").asText());
    } catch (RuntimeException e) {
      throw new IllegalStateException("Schema id " + id + ", which a change event carries, is not readable in the Schema Registry at "
          + registry + " (" + e.getMessage() + "); restore the source region's schemas there first", e);
    }
  }
}
