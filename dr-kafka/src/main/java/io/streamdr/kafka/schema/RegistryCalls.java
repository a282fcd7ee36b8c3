package io.streamdr.kafka.schema;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import io.streamdr.core.internal.http.RestResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The reads of Confluent's Schema Registry API that the comparison and the backup share. */
final class RegistryCalls {
  private RegistryCalls() {}

  /** Every subject, sorted. */
  static Set<String> subjects(RestClient registry) {
    Set<String> out = new TreeSet<>();
    registry.get("/subjects").forEach(s -> out.add(s.asText()));
    return out;
  }

  /** The versions of a subject, none if it does not exist. */
  static List<Integer> versions(RestClient registry, String subject) {
    List<Integer> out = new ArrayList<>();
    find(registry, subjectPath(subject) + "/versions").ifPresent(body -> body.forEach(v -> out.add(v.asInt())));
    return out;
  }

  /** One version of a subject: its id, schema text, type and references. */
  static JsonNode version(RestClient registry, String subject, int version) {
    return registry.get(subjectPath(subject) + "/versions/" + version);
  }

  /** The answer to a GET, or empty if the registry answers 404. */
  static Optional<JsonNode> find(RestClient registry, String path) {
    RestResponse r = registry.execute(RestRequest.get(path).accept(404).build());
    return r.status() == 404 ? Optional.empty() : Optional.of(r.body());
  }

  static String subjectPath(String subject) {
    return "/subjects/" + encode(subject);
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
