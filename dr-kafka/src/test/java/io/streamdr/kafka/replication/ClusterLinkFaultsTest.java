package io.streamdr.kafka.replication;

import io.streamdr.core.http.RestEndpoint;
import io.streamdr.testing.RestFaultContract;
import java.util.List;

/** The Confluent cluster-link client under 5xx storms, throttling, slow and cut-off bodies, bad JSON and foreign redirects. */
class ClusterLinkFaultsTest extends RestFaultContract {

  @Override
  protected List<Operation> operations(RestEndpoint rest) {
    ClusterLinkClient links = new ClusterLinkClient(rest, "lkc-west");
    return List.of(
        new Operation("list cluster links", true, List.of(),
            List.of(json(200, "{\"data\":[{\"link_name\":\"east-to-west\",\"cluster_link_id\":\"cl-1\","
                + "\"source_cluster_id\":\"lkc-east\",\"destination_cluster_id\":\"lkc-west\",\"link_state\":\"ACTIVE\","
                + "\"topic_names\":[\"orders\"]}]}")),
            links::links, List.of(new ClusterLinkClient.Link("east-to-west", "cl-1", "lkc-east", "lkc-west", "ACTIVE",
                List.of("orders")))),
        new Operation("fail mirror topics over", false, List.of(),
            List.of(json(200, "{\"data\":[{\"mirror_topic_name\":\"orders\",\"error_code\":null,\"error_message\":null}]}")),
            () -> links.failover("east-to-west", List.of("orders"), false),
            List.of(new ClusterLinkClient.MirrorOutcome("orders", true, 0, ""))));
  }
}
