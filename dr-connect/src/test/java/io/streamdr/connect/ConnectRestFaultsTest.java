package io.streamdr.connect;

import io.streamdr.core.connect.RestartOptions;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.testing.RestFaultContract;
import java.time.Duration;
import java.util.List;

/** The Connect and Confluent Cloud connector admins under 5xx storms, throttling, slow and cut-off bodies, bad JSON and foreign redirects. */
class ConnectRestFaultsTest extends RestFaultContract {

  @Override
  protected List<Operation> operations(RestEndpoint rest) {
    ConnectRestAdmin connect = new ConnectRestAdmin(rest);
    ConfluentCloudConnectorAdmin cloud = new ConfluentCloudConnectorAdmin(rest, "env-east", "lkc-east",
        Duration.ofSeconds(5), d -> { });
    return List.of(
        new Operation("list connectors", true, List.of(), List.of(json(200, "[\"orders-cdc\",\"audit-cdc\"]")),
            connect::connectors, List.of("audit-cdc", "orders-cdc")),
        new Operation("restart a connector and its tasks", true, List.of(), List.of(json(202, "{}")), () -> {
          connect.restart("orders-cdc", RestartOptions.ALL);
          return null;
        }, null),
        new Operation("pause a connector", true, List.of(), List.of(json(202, "")), () -> {
          connect.pause("orders-cdc");
          return null;
        }, null),
        new Operation("list Confluent Cloud connectors", true, List.of(), List.of(json(200, "[\"orders-cdc\"]")),
            cloud::connectors, List.of("orders-cdc")),
        new Operation("ask Confluent Cloud to reset a connector's offsets", false, List.of(),
            List.of(json(202, "{\"name\":\"orders-cdc\",\"type\":\"DELETE\"}"),
                json(200, "{\"status\":{\"phase\":\"APPLIED\"}}")), () -> {
              cloud.resetOffsets("orders-cdc");
              return null;
            }, null));
  }
}
