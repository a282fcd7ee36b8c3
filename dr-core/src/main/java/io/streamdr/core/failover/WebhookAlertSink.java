package io.streamdr.core.failover;

import io.streamdr.core.DrException;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts alerts as JSON ({@code {"severity", "title", "details", "at"}}) to an HTTP webhook at a {@link RestEndpoint}
 * (its auth, deadline and retries). A failed delivery is logged, never thrown: alerting must not stop a failover.
 */
public final class WebhookAlertSink implements AlertSink {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookAlertSink.class);
  private final RestClient rest;
  private final String path;

  public WebhookAlertSink(RestEndpoint endpoint, String path) {
    this.rest = RestClient.of(Checks.requireNonNull(endpoint, "endpoint"));
    this.path = Checks.requireNonNull(path, "path");
  }

  @Override
  public void send(Alert alert) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("severity", alert.severity());
    body.put("title", alert.title());
    body.put("details", alert.details());
    body.put("at", alert.at().toString());
    try {
      rest.execute(RestRequest.post(path).json(body).idempotent(true).build());
    } catch (DrException e) {
      // a webhook's path is often its secret (Slack, Teams, PagerDuty put the token there): never logged
      LOG.error("Could not deliver alert '{}' to the webhook at {} (its path is not shown): {}", alert.title(), rest.baseUrl(),
          String.valueOf(e.getMessage()).replace(path, "/<path>"));
    }
  }
}
