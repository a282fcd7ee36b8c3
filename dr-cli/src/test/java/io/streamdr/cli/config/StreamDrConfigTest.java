package io.streamdr.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.region.FileActiveRegionStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamDrConfigTest {
  @TempDir Path dir;

  private Path write(String yaml) throws Exception {
    Path f = dir.resolve("streamdr.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  /** Loading {@code yaml} is refused with a message containing {@code message}. */
  private void refused(String yaml, String message) {
    try {
      Path bad = write(yaml);
      assertThatThrownBy(() -> StreamDrConfig.load(bad, Map.of())).as(yaml).hasMessageContaining(message);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static final String VALID = """
      primary: us-east-1
      regions:
        - name: us-east-1
          bootstrap: east:9092
          properties:
            security.protocol: SASL_SSL
            sasl.jaas.config: ${EAST_JAAS}
        - name: us-west-2
          bootstrap: west:9092
      activeRegion:
        store: file
        path: %s
      backups:
        directory: %s
      """;

  @Test
  void a_valid_file_gives_the_topology_client_settings_store_and_naming() throws Exception {
    Path f = write(VALID.formatted(dir.resolve("active.json"), dir.resolve("backups")));
    StreamDrConfig cfg = StreamDrConfig.load(f, Map.of("EAST_JAAS", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"s3cret\";"));
    assertThat(cfg.topology().primary()).isEqualTo("us-east-1");
    assertThat(cfg.clusters().get("us-east-1")).containsEntry("bootstrap.servers", "east:9092")
        .containsEntry("security.protocol", "SASL_SSL");
    assertThat((String) cfg.clusters().get("us-east-1").get("sasl.jaas.config")).contains("password=\"s3cret\"");
    assertThat(cfg.naming("us-east-1").targetTopic("orders")).isEqualTo("us-east-1.orders"); // MirrorMaker's default
    assertThat(cfg.activeRegionStore()).isInstanceOf(FileActiveRegionStore.class);
    assertThat(cfg.toString()).doesNotContain("s3cret");
    assertThat(cfg.topology().region("us-east-1").toString()).doesNotContain("s3cret");
  }

  @Test
  void an_environment_variable_that_is_not_set_is_named_with_its_key() throws Exception {
    Path f = write(VALID.formatted(dir.resolve("a.json"), dir));
    assertThatThrownBy(() -> StreamDrConfig.load(f, Map.of())).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("'regions[0].properties.sasl.jaas.config'").hasMessageContaining("${EAST_JAAS}")
        .hasMessageContaining("not set");
  }

  @Test
  void flink_and_connect_endpoints_are_urls_checked_with_their_key() throws Exception {
    Path ok = write("""
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092, flink: "http://east-flink:8081", connect: "https://east-connect:8083"}
          - {name: us-west-2, bootstrap: west:9092}
        """);
    StreamDrConfig cfg = StreamDrConfig.load(ok, Map.of());
    assertThat(cfg.flinkUrl("us-east-1")).hasToString("http://east-flink:8081");
    assertThat(cfg.connectUrl("us-east-1")).hasToString("https://east-connect:8083");
    assertThatThrownBy(() -> cfg.connectUrl("us-west-2")).hasMessageContaining("'regions[1].connect' is required")
        .hasMessageContaining("region us-west-2");

    Path bad = write("""
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092, flink: "east-flink:8081"}
          - {name: us-west-2, bootstrap: west:9092}
        """);
    assertThatThrownBy(() -> StreamDrConfig.load(bad, Map.of())).hasMessageContaining("'regions[0].flink' must be an http(s) URL");
  }

  @Test
  void a_regions_flink_job_is_read_with_its_jar_resolved_beside_the_file_and_every_mistake_named_by_key() throws Exception {
    java.nio.file.Files.writeString(dir.resolve("routing.jar"), "not really a jar");
    String region = "{name: us-west-2, bootstrap: west:9092, flink: \"http://west-flink:8081\", flinkJob: %s}";
    Path ok = write("""
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092}
          - %s
        """.formatted(region.formatted("{name: routing, jar: routing.jar, entryClass: com.example.Routing, args: [--in, raw], parallelism: 2,"
        + " fromRecoveryPoint: true, allowNonRestoredState: true}")));
    StreamDrConfig cfg = StreamDrConfig.load(ok, Map.of());
    StreamDrConfig.FlinkJob job = cfg.flinkJob("us-west-2").orElseThrow();
    assertThat(job.spec().jarFile()).hasValue(dir.resolve("routing.jar"));
    assertThat(job.spec().entryClass()).hasValue("com.example.Routing");
    assertThat(job.spec().arguments()).containsExactly("--in", "raw");
    assertThat(job.spec().parallelism()).hasValue(2);
    assertThat(job.spec().allowNonRestoredState()).isTrue();
    assertThat(job.fromRecoveryPoint()).isTrue();
    assertThat(cfg.flinkJob("us-east-1")).isEmpty();

    Map<String, String> mistakes = new java.util.LinkedHashMap<>();
    mistakes.put("{jar: routing.jar, jarId: abc}", "'regions[1].flinkJob' needs exactly one of 'jar'");
    mistakes.put("{jar: missing.jar}", "'regions[1].flinkJob.jar' no jar file at " + dir.resolve("missing.jar"));
    mistakes.put("{jarId: abc, parallelism: 0}", "'regions[1].flinkJob.parallelism' must be a whole number of at least 1");
    mistakes.put("{jarId: abc, args: --in}", "'regions[1].flinkJob.args' must be a list");
    mistakes.put("{jarId: abc, fromRecoveryPoint: yes please}", "'regions[1].flinkJob.fromRecoveryPoint' must be true or false");
    mistakes.put("{jarId: abc, mainClass: x}", "'regions[1].flinkJob.mainClass'");
    mistakes.forEach((mistake, message) -> refused("""
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092}
          - %s
        """.formatted(region.formatted(mistake)), message));
    Path noFlink = write("""
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092}
          - {name: us-west-2, bootstrap: west:9092, flinkJob: {jarId: abc}}
        """);
    assertThatThrownBy(() -> StreamDrConfig.load(noFlink, Map.of()))
        .hasMessageContaining("'regions[1].flinkJob' needs the region's Flink REST endpoint in 'regions[1].flink'");
  }

  @Test
  void backups_name_exactly_one_place_and_an_s3_endpoint_must_be_a_url() throws Exception {
    Path both = write("""
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092}
          - {name: us-west-2, bootstrap: west:9092}
        backups: {directory: /tmp/b, s3: {bucket: b}}
        """);
    assertThatThrownBy(() -> StreamDrConfig.load(both, Map.of())).hasMessageContaining("'backups' needs exactly one of 'directory'");
    Path noBucket = write("""
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092}
          - {name: us-west-2, bootstrap: west:9092}
        backups: {s3: {prefix: x/, endpoint: "minio:9000"}}
        """);
    assertThatThrownBy(() -> StreamDrConfig.load(noBucket, Map.of())).hasMessageContaining("'backups.s3.bucket' is required");
  }

  @Test
  void a_missing_value_names_the_key() throws Exception {
    Path f = write("""
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092}
          - {name: us-west-2}
        """);
    assertThatThrownBy(() -> StreamDrConfig.load(f, Map.of())).hasMessageContaining("'regions[1].bootstrap' is required")
        .hasMessageContaining(f.toString());
  }

  @Test
  void an_unknown_key_is_refused_rather_than_ignored() throws Exception {
    Path f = write("""
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092, bootstarp: typo:9092}
          - {name: us-west-2, bootstrap: west:9092}
        """);
    assertThatThrownBy(() -> StreamDrConfig.load(f, Map.of())).hasMessageContaining("'regions[0].bootstarp' is not a known key")
        .hasMessageContaining("[bootstrap, clusterLink, confluentCloud, connect, flink, flinkJob, name, properties, schemaRegistry]");
  }

  @Test
  void the_primary_replication_and_store_are_checked() throws Exception {
    String regions = """
        regions:
          - {name: us-east-1, bootstrap: east:9092}
          - {name: us-west-2, bootstrap: west:9092}
        """;
    assertThatThrownBy(() -> StreamDrConfig.load(write("primary: eu-west-1\n" + regions), Map.of()))
        .hasMessageContaining("'primary'").hasMessageContaining("eu-west-1");
    assertThatThrownBy(() -> StreamDrConfig.load(write("primary: us-east-1\nreplication: mirror\n" + regions), Map.of()))
        .hasMessageContaining("'replication' must be 'prefixed'");
    assertThatThrownBy(() -> StreamDrConfig.load(write("primary: us-east-1\nactiveRegion: {store: kafka, home: mars}\n" + regions), Map.of()))
        .hasMessageContaining("'activeRegion.home' must name one of the regions [us-east-1, us-west-2]");
    StreamDrConfig noStore = StreamDrConfig.load(write("primary: us-east-1\n" + regions), Map.of());
    assertThatThrownBy(noStore::activeRegionStore).hasMessageContaining("no 'activeRegion' section");
    assertThatThrownBy(noStore::backups).hasMessageContaining("no 'backups' section");
  }

  @Test
  void a_missing_or_malformed_file_says_so() throws Exception {
    assertThatThrownBy(() -> StreamDrConfig.load(dir.resolve("nope.yaml"), Map.of())).hasMessageContaining("does not exist")
        .hasMessageContaining("--config");
    assertThatThrownBy(() -> StreamDrConfig.load(write("regions: [unclosed"), Map.of())).hasMessageContaining("not valid YAML")
        .hasMessageContaining("line 1, column");
  }

  @Test
  void a_key_given_twice_is_refused_naming_the_key_and_where() throws Exception {
    String twice = VALID.formatted(dir.resolve("a.json"), dir.resolve("b")).replace("bootstrap: west:9092",
        "bootstrap: west:9092\n    bootstrap: other:9092");
    assertThatThrownBy(() -> StreamDrConfig.load(write(twice), Map.of("EAST_JAAS", "x")))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("Duplicate key 'bootstrap'").hasMessageContaining("at line 10, column");
  }

  @Test
  void the_example_in_the_cli_readme_and_the_distribution_loads() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("```yaml\n");
    assertThat(start).as("dr-cli/README.md has a yaml example").isNotNegative();
    String example = readme.substring(start + 8, readme.indexOf("```", start + 8));
    assertThat(Path.of("src", "dist", "conf", "streamdr.example.yaml")).as("the distribution's conf/streamdr.example.yaml is the README's")
        .hasContent(example.stripTrailing());
    String yaml = example
        .replace("/var/lib/streamdr/active-region.json", dir.resolve("active-region.json").toString())
        .replace("/var/backups/streamdr", dir.resolve("backups").toString());
    Map<String, String> env = Map.of("EAST_JAAS", "jaas", "CC_KEY", "k", "CC_SECRET", "s", "CC_ORG", "o", "FLINK_KEY", "fk",
        "FLINK_SECRET", "fs", "CL_KEY", "clk", "CL_SECRET", "cls");
    StreamDrConfig cfg = StreamDrConfig.load(write(yaml), env);
    assertThat(cfg.topology().primary()).isEqualTo("us-east-1");
    assertThat(cfg.region("us-west-2").bootstrapServers()).isEqualTo("pkc-west.us-west-2.aws.confluent.cloud:9092");
    assertThat(cfg.clusterLink("us-west-2")).hasValueSatisfying(c -> {
      assertThat(c.topics()).containsExactly("orders", "raw-business-events");
      assertThat(c.promote()).isFalse();
      assertThat(c.toString()).doesNotContain("cls");
    });
    assertThat(cfg.dns()).hasValueSatisfying(d -> assertThat(d.values()).containsEntry("us-west-2", "pkc-west.us-west-2.aws.confluent.cloud"));
    assertThat(cfg.flinkJob("us-east-1")).hasValueSatisfying(j -> assertThat(j.spec().jarId()).hasValue("7c1b0a52_routing.jar"));
    assertThat(cfg.schemaRegistry("us-east-1").baseUrl()).isEqualTo("http://east-sr:8081");
  }

  @Test
  void a_schema_registry_is_a_url_or_a_url_with_an_api_key_whose_secret_is_never_shown() throws Exception {
    Path f = write("""
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092, schemaRegistry: "https://sr-east:8081"}
          - {name: us-west-2, bootstrap: west:9092, schemaRegistry: {url: "https://sr-west:8081", apiKey: SRKEY, apiSecret: "${SR_SECRET}"}}
        """);
    StreamDrConfig cfg = StreamDrConfig.load(f, Map.of("SR_SECRET", "sr-secret-value"));
    assertThat(cfg.schemaRegistry("us-east-1").auth().headers()).isEmpty();
    assertThat(cfg.schemaRegistry("us-west-2").auth().headers()).containsKey("Authorization");
    assertThat(cfg.schemaRegistry("us-west-2").toString()).contains("sr-west").doesNotContain("sr-secret-value");
    Path half = write("""
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092, schemaRegistry: {url: "https://sr-east:8081", apiKey: SRKEY}}
          - {name: us-west-2, bootstrap: west:9092}
        """);
    assertThatThrownBy(() -> StreamDrConfig.load(half, Map.of())).hasMessageContaining("regions[0].schemaRegistry.apiSecret")
        .hasMessageContaining("give both 'apiKey' and 'apiSecret'");
  }

  @Test
  void dns_and_cluster_link_mistakes_are_named_by_key() throws Exception {
    Map<String, String> mistakes = new java.util.LinkedHashMap<>();
    mistakes.put("dns: {hostedZone: Z1, record: r.example.com, values: {eu-west-1: x}}", "'dns.values.eu-west-1' is not one of the regions");
    mistakes.put("dns: {hostedZone: Z1, record: r.example.com, type: MX, values: {us-east-1: x}}", "'dns.type' must be CNAME");
    mistakes.put("dns: {record: r.example.com, values: {us-east-1: x}}", "'dns.hostedZone' is required");
    mistakes.put("dns: {hostedZone: Z1, record: r.example.com}", "'dns.values' must map each region");
    mistakes.forEach((mistake, message) -> refused("""
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092}
          - {name: us-west-2, bootstrap: west:9092}
        %s
        """.formatted(mistake), message));
    Map<String, String> links = new java.util.LinkedHashMap<>();
    links.put("{endpoint: \"https://w:443\", cluster: c, link: l, apiKey: k, apiSecret: s}", "'regions[1].clusterLink.topics' must list");
    links.put("{endpoint: w, cluster: c, link: l, topics: [t], apiKey: k, apiSecret: s}", "'regions[1].clusterLink.endpoint' must be an http(s) URL");
    links.put("{endpoint: \"https://w:443\", cluster: c, link: l, topics: [t], apiKey: k}", "'regions[1].clusterLink.apiSecret' is required");
    links.put("{endpoint: \"https://w:443\", cluster: c, link: l, topics: [t], apiKey: k, apiSecret: s, mode: now}",
        "'regions[1].clusterLink.mode' must be 'failover'");
    links.forEach((mistake, message) -> refused("""
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: east:9092}
          - {name: us-west-2, bootstrap: west:9092, clusterLink: %s}
        """.formatted(mistake), message));
  }
}
