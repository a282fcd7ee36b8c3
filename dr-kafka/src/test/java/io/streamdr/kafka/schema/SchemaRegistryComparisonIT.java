package io.streamdr.kafka.schema;

import static io.streamdr.kafka.schema.AvroSchemas.record;
import static io.streamdr.kafka.schema.AvroSchemas.register;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.kafka.schema.SchemaRegistryComparison.Difference;
import io.streamdr.kafka.schema.SchemaRegistryComparison.Kind;
import io.streamdr.kafka.schema.SchemaRegistryComparison.Report;
import io.streamdr.testkit.EmbeddedSchemaRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The comparison of two real registries (Apicurio Registry through its Confluent-compatible API), built up from empty
 * the way two regions drift apart: a version, a subject, ids assigned in another order, another schema.
 */
class SchemaRegistryComparisonIT {
  @RegisterExtension
  static final EmbeddedSchemaRegistry EAST = EmbeddedSchemaRegistry.create("us-east-1");
  @RegisterExtension
  static final EmbeddedSchemaRegistry WEST = EmbeddedSchemaRegistry.create("us-west-2");

  @Test
  void two_registries_compare_identical_until_a_version_a_subject_an_id_or_a_schema_differs() {
    RestClient east = RestClient.of(EAST.url().toString());
    RestClient west = RestClient.of(WEST.url().toString());
    SchemaRegistryComparison comparison = new SchemaRegistryComparison(RestEndpoint.of(EAST.url().toString()),
        RestEndpoint.of(WEST.url().toString()));
    assertThat(comparison.compare()).satisfies(r -> {
      assertThat(r.identical()).as("two empty registries").isTrue();
      assertThat(r.subjects()).isZero();
    });

    String ordersV1 = record("Order", "id");
    String ordersV2 = record("Order", "id", "note");
    assertThat(register(east, "orders-value", ordersV1)).isEqualTo(register(west, "orders-value", ordersV1));
    register(east, "orders-value", ordersV2);
    assertThat(kinds(comparison.compare())).containsExactly(tuple(Kind.MISSING_VERSION, "orders-value", 2));

    register(west, "orders-value", ordersV2);
    Report same = comparison.compare();
    assertThat(same.identical()).as("%s", same.differences()).isTrue();
    assertThat(same.subjects()).isEqualTo(1);
    assertThat(same.versions()).isEqualTo(2);

    // us-west-2 registers a subject of its own first: the next schema gets another id there
    register(east, "payments-value", record("Payment", "id"));
    assertThat(kinds(comparison.compare())).containsExactly(tuple(Kind.MISSING_SUBJECT, "payments-value", -1));
    register(west, "audit-value", record("Audit", "who"));
    register(west, "payments-value", record("Payment", "id"));
    assertThat(kinds(comparison.compare())).containsExactlyInAnyOrder(
        tuple(Kind.DIFFERENT_ID, "payments-value", 1), tuple(Kind.EXTRA_SUBJECT, "audit-value", -1));

    register(east, "customers-value", record("Customer", "id"));
    register(west, "customers-value", record("Customer", "id", "email"));
    assertThat(comparison.compare().differences()).filteredOn(d -> d.subject().equals("customers-value"))
        .extracting(Difference::kind).contains(Kind.DIFFERENT_SCHEMA);
  }

  private static java.util.List<org.assertj.core.groups.Tuple> kinds(Report report) {
    return report.differences().stream().map(d -> tuple(d.kind(), d.subject(), d.version())).toList();
  }
}
