package io.streamdr.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.http.Auth;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.Secret;
import io.streamdr.kafka.replication.ClusterLinkClient;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A region's {@code clusterLink:}: the Confluent cluster link that mirrors the other region's topics into this
 * region's cluster. When this region takes over, a pipeline failover makes its mirror topics writable.
 *
 * <pre>{@code
 *     clusterLink:
 *       endpoint: https://pkc-west.us-west-2.aws.confluent.cloud:443   # the cluster's REST endpoint
 *       cluster: lkc-west1
 *       link: east-to-west
 *       topics: [orders, raw-business-events]
 *       apiKey: ${CL_KEY}
 *       apiSecret: ${CL_SECRET}
 *       mode: failover            # or promote: wait until each mirror caught up (a planned switch)
 * }</pre>
 *
 * @param endpoint the destination cluster's REST endpoint
 * @param cluster  the destination cluster's id
 * @param link     the link's name
 * @param topics   the mirror topics to make writable
 * @param apiKey   the cluster API key
 * @param apiSecret its secret
 * @param promote  promote (catch up first) rather than fail over (at once, losing what was not mirrored)
 */
public record ClusterLinkConfig(URI endpoint, String cluster, String link, List<String> topics, String apiKey, Secret apiSecret,
    boolean promote) {

  static ClusterLinkConfig read(StreamDrConfig.Reader r, JsonNode n, String at) {
    r.allowed(n, at, Set.of("endpoint", "cluster", "link", "topics", "apiKey", "apiSecret", "mode"));
    JsonNode t = n.path("topics");
    if (!t.isArray() || t.isEmpty()) {
      throw r.error(at + ".topics", "must list the mirror topics to make writable, e.g. [orders]");
    }
    List<String> topics = new ArrayList<>();
    for (int i = 0; i < t.size(); i++) {
      topics.add(r.string(t.get(i), at + ".topics[" + i + "]"));
    }
    String mode = n.has("mode") ? r.string(n.get("mode"), at + ".mode") : "failover";
    if (!Set.of("failover", "promote").contains(mode)) {
      throw r.error(at + ".mode", "must be 'failover' (at once, for a disaster) or 'promote' (after catching up), was '" + mode + "'");
    }
    return new ClusterLinkConfig(r.urlOf(r.required(n, at, "endpoint"), at + ".endpoint"), r.required(n, at, "cluster"),
        r.required(n, at, "link"), List.copyOf(topics), r.required(n, at, "apiKey"), Secret.of(r.required(n, at, "apiSecret")),
        mode.equals("promote"));
  }

  /** A client of the link's destination cluster. */
  public ClusterLinkClient client() {
    return new ClusterLinkClient(RestEndpoint.builder(endpoint.toString()).auth(Auth.basic(apiKey, apiSecret)).build(), cluster);
  }

  @Override
  public String toString() {
    return "ClusterLinkConfig[" + link + " on " + cluster + " at " + endpoint + ", " + topics + "]"; // never the secret
  }
}
