package io.streamdr.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.aws.Route53DnsSwitch;
import io.streamdr.core.http.Sleeper;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.RRType;

/**
 * The {@code dns:} section: the Route 53 record clients resolve, pointed at the active region's endpoint by a pipeline
 * failover. Credentials come from the AWS default chain (environment, profile, instance or task role).
 *
 * <pre>{@code
 * dns:
 *   hostedZone: Z1D633PJN98FT9
 *   record: kafka.streaming.example.com
 *   type: CNAME                 # or A
 *   ttl: 60
 *   values: {us-east-1: kafka.us-east-1.example.com, us-west-2: kafka.us-west-2.example.com}
 * }</pre>
 *
 * @param hostedZone the hosted zone's id
 * @param record     the record's name
 * @param type       CNAME or A
 * @param ttl        the record's TTL in seconds
 * @param values     region name → the value the record takes when that region is active
 * @param endpoint   a Route 53 endpoint other than AWS's (a private endpoint, a test server)
 * @param timeout    how long to wait for the change to be INSYNC
 */
public record DnsConfig(String hostedZone, String record, RRType type, long ttl, Map<String, String> values,
    Optional<URI> endpoint, Duration timeout) {

  static DnsConfig read(StreamDrConfig.Reader r, JsonNode n, String at, Predicate<String> isRegion) {
    r.allowed(n, at, Set.of("hostedZone", "record", "type", "ttl", "values", "endpoint", "timeout"));
    String type = n.has("type") ? r.string(n.get("type"), at + ".type") : "CNAME";
    if (!Set.of("CNAME", "A").contains(type)) {
      throw r.error(at + ".type", "must be CNAME (a host name) or A (an address), was '" + type + "'");
    }
    long ttl = 60;
    if (n.has("ttl")) {
      if (!n.get("ttl").canConvertToLong() || n.get("ttl").asLong() < 0) {
        throw r.error(at + ".ttl", "must be a number of seconds");
      }
      ttl = n.get("ttl").asLong();
    }
    JsonNode v = n.path("values");
    if (!v.isObject() || v.isEmpty()) {
      throw r.error(at + ".values", "must map each region to the record's value there, e.g. {us-east-1: kafka.us-east-1.example.com}");
    }
    Map<String, String> values = new LinkedHashMap<>();
    v.fieldNames().forEachRemaining(region -> {
      if (!isRegion.test(region)) {
        throw r.error(at + ".values." + region, "is not one of the regions");
      }
      values.put(region, r.string(v.get(region), at + ".values." + region));
    });
    Optional<URI> endpoint = n.has("endpoint") ? Optional.of(r.url(n.get("endpoint"), at + ".endpoint")) : Optional.empty();
    Duration timeout = AgentConfig.duration(r, n, at, "timeout", Duration.ofMinutes(5));
    return new DnsConfig(r.required(n, at, "hostedZone"), r.required(n, at, "record"), RRType.fromValue(type), ttl,
        Map.copyOf(values), endpoint, timeout);
  }

  /** A switch over {@code route53} (the caller closes the client). */
  public Route53DnsSwitch dnsSwitch(Route53Client route53) {
    return new Route53DnsSwitch(route53, hostedZone, record, type, ttl, values, timeout, Sleeper.SYSTEM);
  }

  /** A Route 53 client with the default credentials chain, at {@link #endpoint} if set. */
  public Route53Client client() {
    var b = Route53Client.builder().region(Region.AWS_GLOBAL);
    endpoint.ifPresent(b::endpointOverride);
    return b.build();
  }

  /** Where the record's changes go, for a dry run. */
  public String where() {
    return "Route 53 zone %s at %s".formatted(hostedZone, endpoint.map(URI::toString).orElse("route53.amazonaws.com"));
  }
}
