package io.streamdr.kafka.schema;

import static io.streamdr.kafka.schema.RegistryCalls.subjects;
import static io.streamdr.kafka.schema.RegistryCalls.version;
import static io.streamdr.kafka.schema.RegistryCalls.versions;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.http.RestClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares two Schema Registries (the primary's and its replica's) through the REST API: every subject, every
 * version of it, and for each version the schema id, type and text ({@code /subjects},
 * {@code /subjects/{subject}/versions}, {@code /subjects/{subject}/versions/{version}}). Consumers in the other region
 * decode records by schema id, so an id that differs is as bad as a missing schema. Authentication is each
 * {@link RestEndpoint}'s (basic auth with the registry's API key). Thread-safe; one comparison reads both registries.
 */
public final class SchemaRegistryComparison {
  private final RestClient source;
  private final RestClient target;

  public SchemaRegistryComparison(RestEndpoint source, RestEndpoint target) {
    this.source = RestClient.of(Checks.requireNonNull(source, "source registry"));
    this.target = RestClient.of(Checks.requireNonNull(target, "target registry"));
  }

  /** Kinds of difference. */
  public enum Kind {
    /** A subject of the source is absent in the target. */
    MISSING_SUBJECT,
    /** A subject exists only in the target. */
    EXTRA_SUBJECT,
    /** A version of a subject is absent in the target. */
    MISSING_VERSION,
    /** The same subject and version have different schema ids: records would be decoded with the wrong schema. */
    DIFFERENT_ID,
    /** The same subject and version have different schema text or type. */
    DIFFERENT_SCHEMA
  }

  /** One difference. */
  public record Difference(Kind kind, String subject, int version, String detail) {}

  /** The outcome: every difference, and how much was compared. */
  public record Report(int subjects, int versions, List<Difference> differences) {
    public Report {
      differences = List.copyOf(differences);
    }

    public boolean identical() {
      return differences.isEmpty();
    }
  }

  public Report compare() {
    Set<String> sourceSubjects = subjects(source);
    Set<String> targetSubjects = subjects(target);
    List<Difference> out = new ArrayList<>();
    int versions = 0;
    for (String subject : sourceSubjects) {
      if (!targetSubjects.contains(subject)) {
        out.add(new Difference(Kind.MISSING_SUBJECT, subject, -1, "subject '%s' is not in %s".formatted(subject, target.baseUrl())));
        continue;
      }
      Set<Integer> targetVersions = new TreeSet<>(versions(target, subject));
      for (int version : versions(source, subject)) {
        versions++;
        if (!targetVersions.contains(version)) {
          out.add(new Difference(Kind.MISSING_VERSION, subject, version,
              "version %d of '%s' is not in %s".formatted(version, subject, target.baseUrl())));
          continue;
        }
        JsonNode a = version(source, subject, version);
        JsonNode b = version(target, subject, version);
        if (a.path("id").asInt() != b.path("id").asInt()) {
          out.add(new Difference(Kind.DIFFERENT_ID, subject, version, "schema id %d in the source, %d in the target"
              .formatted(a.path("id").asInt(), b.path("id").asInt())));
        }
        if (!a.path("schema").asText().equals(b.path("schema").asText())
            || !a.path("schemaType").asText("AVRO").equals(b.path("schemaType").asText("AVRO"))) {
          out.add(new Difference(Kind.DIFFERENT_SCHEMA, subject, version, "schema text or type differs"));
        }
      }
    }
    for (String subject : targetSubjects) {
      if (!sourceSubjects.contains(subject)) {
        out.add(new Difference(Kind.EXTRA_SUBJECT, subject, -1, "subject '%s' exists only in %s".formatted(subject, target.baseUrl())));
      }
    }
    return new Report(sourceSubjects.size(), versions, out);
  }
}
