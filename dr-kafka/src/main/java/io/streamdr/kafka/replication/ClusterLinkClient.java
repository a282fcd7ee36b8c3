package io.streamdr.kafka.replication;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.failover.Metrics;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.health.HealthSignal.Status;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import io.streamdr.core.internal.http.RestResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Confluent cluster links through the Kafka REST API v3 of the destination cluster
 * ({@code /kafka/v3/clusters/{cluster}/links/...}): the links, their mirror topics with per-partition
 * {@code mirror_lags}, and the two actions a failover runbook needs — {@code mirrors:promote} (wait until the mirror
 * has caught up, then make it writable: a planned switch) and {@code mirrors:failover} (make it writable now,
 * whatever was not yet mirrored: a disaster). Mirror topics keep names and offsets, so consumers resume with
 * {@code OffsetTranslator.identity()}.
 *
 * <p>Promote and failover report an outcome per topic: half of a batch can fail. Thread-safe; each call blocks at
 * most for the endpoint's deadline.
 *
 * <pre>{@code
 * RestEndpoint west = RestEndpoint.builder("https://pkc-xxxxx.us-west-2.aws.confluent.cloud:443")
 *     .auth(Auth.basic(apiKey, Secret.of(apiSecret))).build();
 * ClusterLinkClient links = new ClusterLinkClient(west, "lkc-west");
 * links.failover("east-to-west", List.of("orders", "payments")).forEach(o -> log.info("{}", o));
 * }</pre>
 */
public final class ClusterLinkClient {
  /** A cluster link as the destination cluster describes it. */
  public record Link(String name, String clusterLinkId, String sourceClusterId, String destinationClusterId, String state,
      List<String> topics) {}

  /** Lag of one partition of a mirror topic. */
  public record PartitionLag(int partition, long lag, long lastSourceFetchOffset) {}

  /** A mirror topic, its status and lag. */
  public record MirrorTopic(String link, String name, String sourceTopic, String status, int partitions,
      List<PartitionLag> lags, Optional<Instant> stateTime) {
    /** The largest per-partition lag, in records. */
    public long maxLag() {
      return lags.stream().mapToLong(PartitionLag::lag).max().orElse(0);
    }

    /** All partitions' lag, in records. */
    public long totalLag() {
      return lags.stream().mapToLong(PartitionLag::lag).sum();
    }
  }

  /** What a promote or failover did to one topic. */
  public record MirrorOutcome(String topic, boolean succeeded, int errorCode, String errorMessage) {}

  private final RestClient rest;
  private final String clusterId;
  private final String base;

  /**
   * @param endpoint  the destination cluster's REST endpoint, with its API key
   * @param clusterId the destination cluster's id, e.g. {@code lkc-x1y2z3}
   */
  public ClusterLinkClient(RestEndpoint endpoint, String clusterId) {
    this.rest = RestClient.of(Checks.requireNonNull(endpoint, "endpoint"));
    this.clusterId = Checks.requireNonBlank(clusterId, "destination cluster id");
    this.base = "/kafka/v3/clusters/" + segment(clusterId) + "/links";
  }

  private static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The cluster links of the destination cluster. */
  public List<Link> links() {
    List<Link> out = new ArrayList<>();
    for (JsonNode n : rest.get(base).path("data")) {
      List<String> topics = new ArrayList<>();
      n.path("topic_names").forEach(t -> topics.add(t.asText()));
      out.add(new Link(n.path("link_name").asText(), n.path("cluster_link_id").asText(n.path("link_id").asText("")),
          n.path("source_cluster_id").asText(""), n.path("destination_cluster_id").asText(""),
          n.path("link_state").asText(""), List.copyOf(topics)));
    }
    return out;
  }

  /** The mirror topics of a link, with their lag. @throws NotFoundException if the link does not exist */
  public List<MirrorTopic> mirrors(String link) {
    JsonNode body = call(link, null, RestRequest.get(base + "/" + segment(link) + "/mirrors").accept(404).build());
    List<MirrorTopic> out = new ArrayList<>();
    body.path("data").forEach(n -> out.add(mirror(link, n)));
    return out;
  }

  /** One mirror topic. @throws NotFoundException if the link or the mirror topic does not exist */
  public MirrorTopic mirror(String link, String topic) {
    return mirror(link, call(link, topic, RestRequest.get(base + "/" + segment(link) + "/mirrors/" + segment(topic))
        .accept(404).build()));
  }

  /**
   * Promotes mirror topics: each becomes writable once it has caught up with its source (a planned switch; fails
   * for a topic whose source is unreachable).
   */
  public List<MirrorOutcome> promote(String link, List<String> topics, boolean validateOnly) {
    return alter(link, "promote", topics, validateOnly);
  }

  /** Fails mirror topics over: each becomes writable at once, losing what was not yet mirrored (a disaster). */
  public List<MirrorOutcome> failover(String link, List<String> topics, boolean validateOnly) {
    return alter(link, "failover", topics, validateOnly);
  }

  private List<MirrorOutcome> alter(String link, String action, List<String> topics, boolean validateOnly) {
    Checks.requireNonNull(topics, "mirror topics");
    if (topics.isEmpty()) {
      return List.of();
    }
    JsonNode body = call(link, null, RestRequest.post(base + "/" + segment(link) + "/mirrors:" + action)
        .query("validate_only", String.valueOf(validateOnly))
        .json(Map.of("mirror_topic_names", topics)).accept(404).build());
    List<MirrorOutcome> out = new ArrayList<>();
    for (JsonNode n : body.path("data")) {
      JsonNode code = n.path("error_code");
      boolean failed = !code.isMissingNode() && !code.isNull() && code.asInt() != 0;
      out.add(new MirrorOutcome(n.path("mirror_topic_name").asText(), !failed, failed ? code.asInt() : 0,
          n.path("error_message").isNull() ? "" : n.path("error_message").asText("")));
    }
    return out;
  }

  private JsonNode call(String link, String topic, RestRequest request) {
    Checks.requireNonBlank(link, "link name");
    RestResponse r = rest.execute(request);
    if (r.status() == 404) {
      String what = topic == null ? "Cluster link '%s'".formatted(link) : "Mirror topic '%s' of cluster link '%s'".formatted(topic, link);
      throw new NotFoundException(topic == null ? ResourceType.CLUSTER_LINK : ResourceType.MIRROR_TOPIC, topic == null ? link : topic,
          "%s not found on cluster %s at %s; check the link name against the links the cluster has".formatted(what, clusterId, rest.baseUrl()));
    }
    return r.body();
  }

  private static MirrorTopic mirror(String link, JsonNode n) {
    List<PartitionLag> lags = new ArrayList<>();
    n.path("mirror_lags").forEach(l -> lags.add(new PartitionLag(l.path("partition").asInt(), l.path("lag").asLong(),
        l.path("last_source_fetch_offset").asLong(-1))));
    lags.sort(Comparator.comparingInt(PartitionLag::partition));
    Optional<Instant> stateTime = n.hasNonNull("state_time_ms") ? Optional.of(Instant.ofEpochMilli(n.path("state_time_ms").asLong()))
        : Optional.empty();
    return new MirrorTopic(n.path("link_name").asText(link), n.path("mirror_topic_name").asText(),
        n.path("source_topic_name").asText(""), n.path("mirror_status").asText(""), n.path("num_partitions").asInt(lags.size()),
        List.copyOf(lags), stateTime);
  }

  /**
   * A probe of a link's mirror lag: {@link Metrics#REPLICATION_LAG_RECORDS} is the sum over its mirror topics; DEGRADED
   * when a mirror topic is not ACTIVE (paused, failed, source unavailable…), UNKNOWN when the API does not answer.
   */
  public HealthProbe lagProbe(String link, Clock clock) {
    return () -> {
      String component = "cluster link " + link;
      try {
        List<MirrorTopic> mirrors = mirrors(link);
        long total = mirrors.stream().mapToLong(MirrorTopic::totalLag).sum();
        List<String> inactive = mirrors.stream().filter(m -> !m.status().equals("ACTIVE"))
            .map(m -> m.name() + " " + m.status()).toList();
        String worst = mirrors.stream().max(Comparator.comparingLong(MirrorTopic::maxLag))
            .map(m -> "; most behind: '%s' (%d records in one partition)".formatted(m.name(), m.maxLag())).orElse("");
        return new HealthSignal(component, inactive.isEmpty() ? Status.HEALTHY : Status.DEGRADED,
            "%d mirror topics %d records behind%s%s".formatted(mirrors.size(), total, worst,
                inactive.isEmpty() ? "" : "; not active: " + inactive),
            Map.of(Metrics.REPLICATION_LAG_RECORDS, (double) total), clock.instant());
      } catch (RuntimeException e) {
        return new HealthSignal(component, Status.UNKNOWN, "Lag of cluster link '%s' unknown: %s".formatted(link, e.getMessage()),
            Map.of(), clock.instant());
      }
    };
  }
}
