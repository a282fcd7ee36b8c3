package io.streamdr.core.region;

import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Redaction;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One region of the stack: its Kafka cluster and the endpoints of its Schema Registry, Flink and Connect.
 *
 * @param name              region name, e.g. {@code us-east-1}
 * @param bootstrapServers  Kafka bootstrap servers of the region's cluster
 * @param clientProperties  Kafka client overrides for this region (security, SASL…); may hold secrets, which
 *                          {@link #toString()} never shows
 * @param schemaRegistryUrl Schema Registry endpoint, if any
 * @param flinkRestUrl      Flink REST endpoint, if any
 * @param connectRestUrl    Kafka Connect REST endpoint, if any
 */
public record Region(String name, String bootstrapServers, Map<String, String> clientProperties,
    Optional<URI> schemaRegistryUrl, Optional<URI> flinkRestUrl, Optional<URI> connectRestUrl) {

  public Region {
    Checks.requireNonBlank(name, "region name");
    Checks.requireNonBlank(bootstrapServers, "bootstrap servers of region '" + name + "'");
    clientProperties = Map.copyOf(clientProperties == null ? Map.of() : clientProperties);
    schemaRegistryUrl = schemaRegistryUrl == null ? Optional.empty() : schemaRegistryUrl;
    flinkRestUrl = flinkRestUrl == null ? Optional.empty() : flinkRestUrl;
    connectRestUrl = connectRestUrl == null ? Optional.empty() : connectRestUrl;
  }

  /** A region with only a Kafka cluster. */
  public static Region of(String name, String bootstrapServers) {
    return new Region(name, bootstrapServers, Map.of(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  public Region withClientProperties(Map<String, String> properties) {
    return new Region(name, bootstrapServers, properties, schemaRegistryUrl, flinkRestUrl, connectRestUrl);
  }

  public Region withSchemaRegistry(URI url) {
    return new Region(name, bootstrapServers, clientProperties, Optional.of(url), flinkRestUrl, connectRestUrl);
  }

  public Region withFlinkRest(URI url) {
    return new Region(name, bootstrapServers, clientProperties, schemaRegistryUrl, Optional.of(url), connectRestUrl);
  }

  public Region withConnectRest(URI url) {
    return new Region(name, bootstrapServers, clientProperties, schemaRegistryUrl, flinkRestUrl, Optional.of(url));
  }

  /** Kafka client configuration for this region: bootstrap servers plus the overrides. */
  public Map<String, Object> kafkaClientConfig() {
    Map<String, Object> config = new LinkedHashMap<>(clientProperties);
    config.put("bootstrap.servers", bootstrapServers);
    return config;
  }

  @Override
  public String toString() {
    return "Region[name=%s, bootstrapServers=%s, clientProperties=%s, schemaRegistry=%s, flinkRest=%s, connectRest=%s]"
        .formatted(name, bootstrapServers, Redaction.redact(clientProperties),
            schemaRegistryUrl.map(u -> Redaction.safeUrl(u.toString())).orElse("-"),
            flinkRestUrl.map(u -> Redaction.safeUrl(u.toString())).orElse("-"),
            connectRestUrl.map(u -> Redaction.safeUrl(u.toString())).orElse("-"));
  }
}
