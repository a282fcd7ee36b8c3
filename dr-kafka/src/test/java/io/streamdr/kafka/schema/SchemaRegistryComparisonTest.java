package io.streamdr.kafka.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.http.Auth;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.Secret;
import java.util.Map;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SchemaRegistryComparisonTest {
  private MockWebServer east;
  private MockWebServer west;

  /** Serves the registry REST API's documented shapes from path → JSON. */
  private static Dispatcher registry(Map<String, String> routes) {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String body = routes.get(request.getPath());
        if (body == null) {
          return new MockResponse().setResponseCode(404).setHeader("Content-Type", "application/vnd.schemaregistry.v1+json")
              .setBody("{\"error_code\":40401,\"message\":\"Subject not found.\"}");
        }
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/vnd.schemaregistry.v1+json").setBody(body);
      }
    };
  }

  private static String version(String subject, int v, int id, String schema) {
    return "{\"subject\":\"%s\",\"version\":%d,\"id\":%d,\"schema\":\"%s\"}".formatted(subject, v, id, schema.replace("\"", "\\\""));
  }

  @BeforeEach
  void start() throws Exception {
    east = new MockWebServer();
    west = new MockWebServer();
    east.start();
    west.start();
  }

  @AfterEach
  void stop() throws Exception {
    east.shutdown();
    west.shutdown();
  }

  private SchemaRegistryComparison comparison() {
    return new SchemaRegistryComparison(
        RestEndpoint.builder(east.url("/").toString()).auth(Auth.basic("SRKEY", Secret.of("sr-secret"))).build(),
        RestEndpoint.builder(west.url("/").toString()).auth(Auth.basic("SRKEY2", Secret.of("sr-secret-2"))).build());
  }

  @Test
  void identical_registries_compare_equal_version_by_version() throws Exception {
    Map<String, String> routes = Map.of(
        "/subjects", "[\"loans-value\"]",
        "/subjects/loans-value/versions", "[1,2]",
        "/subjects/loans-value/versions/1", version("loans-value", 1, 100, "{\"type\":\"string\"}"),
        "/subjects/loans-value/versions/2", version("loans-value", 2, 101, "{\"type\":\"long\"}"));
    east.setDispatcher(registry(routes));
    west.setDispatcher(registry(routes));
    SchemaRegistryComparison.Report report = comparison().compare();
    assertThat(report.identical()).isTrue();
    assertThat(report.subjects()).isEqualTo(1);
    assertThat(report.versions()).isEqualTo(2);
    assertThat(east.takeRequest().getHeader("Authorization")).startsWith("Basic ");
  }

  @Test
  void every_kind_of_difference_is_named() {
    east.setDispatcher(registry(Map.of(
        "/subjects", "[\"loans-value\",\"cars-value\",\"only east\"]",
        "/subjects/loans-value/versions", "[1,2,3]",
        "/subjects/loans-value/versions/1", version("loans-value", 1, 100, "{\"type\":\"string\"}"),
        "/subjects/loans-value/versions/2", version("loans-value", 2, 101, "{\"type\":\"long\"}"),
        "/subjects/loans-value/versions/3", version("loans-value", 3, 102, "{\"type\":\"int\"}"),
        "/subjects/cars-value/versions", "[1]",
        "/subjects/cars-value/versions/1", version("cars-value", 1, 200, "{\"type\":\"string\"}"),
        "/subjects/only%20east/versions", "[1]",
        "/subjects/only%20east/versions/1", version("only east", 1, 300, "{\"type\":\"string\"}"))));
    west.setDispatcher(registry(Map.of(
        "/subjects", "[\"loans-value\",\"cars-value\",\"stray-value\"]",
        "/subjects/loans-value/versions", "[1,2]",
        "/subjects/loans-value/versions/1", version("loans-value", 1, 100, "{\"type\":\"string\"}"),
        "/subjects/loans-value/versions/2", version("loans-value", 2, 999, "{\"type\":\"long\"}"),
        "/subjects/cars-value/versions", "[1]",
        "/subjects/cars-value/versions/1", version("cars-value", 1, 200, "{\"type\":\"bytes\"}"))));
    SchemaRegistryComparison.Report report = comparison().compare();
    assertThat(report.identical()).isFalse();
    assertThat(report.differences()).extracting(SchemaRegistryComparison.Difference::kind, SchemaRegistryComparison.Difference::subject,
        SchemaRegistryComparison.Difference::version).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple(SchemaRegistryComparison.Kind.DIFFERENT_SCHEMA, "cars-value", 1),
        org.assertj.core.groups.Tuple.tuple(SchemaRegistryComparison.Kind.DIFFERENT_ID, "loans-value", 2),
        org.assertj.core.groups.Tuple.tuple(SchemaRegistryComparison.Kind.MISSING_VERSION, "loans-value", 3),
        org.assertj.core.groups.Tuple.tuple(SchemaRegistryComparison.Kind.MISSING_SUBJECT, "only east", -1),
        org.assertj.core.groups.Tuple.tuple(SchemaRegistryComparison.Kind.EXTRA_SUBJECT, "stray-value", -1));
    assertThat(report.differences()).filteredOn(d -> d.kind() == SchemaRegistryComparison.Kind.DIFFERENT_ID).singleElement()
        .satisfies(d -> assertThat(d.detail()).contains("101").contains("999"));
  }
}
