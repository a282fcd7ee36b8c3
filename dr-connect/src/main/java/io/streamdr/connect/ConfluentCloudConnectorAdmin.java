package io.streamdr.connect;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.RemoteServiceException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.UnsupportedCapabilityException;
import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.connect.RestartOptions;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.Sleeper;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import io.streamdr.core.internal.http.RestResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ConnectorAdmin} over Confluent Cloud's managed-connector API
 * ({@code /connect/v1/environments/{env}/clusters/{cluster}/connectors}), authenticated with a Cloud API key.
 *
 * <p>Where Cloud has no equivalent, this admin says so instead of faking it: {@link #stop} and creating a connector
 * STOPPED throw {@link UnsupportedCapabilityException}; {@link #restart} too (pause and resume the connector, or let
 * Cloud restart failed tasks). Offset changes are asynchronous requests in Cloud; {@link #alterOffsets} and
 * {@link #resetOffsets} submit one and wait until Cloud reports it APPLIED (or FAILED) within the configured
 * deadline. Cloud applies offset changes itself, whatever the connector's state. Thread-safe.
 */
public final class ConfluentCloudConnectorAdmin implements ConnectorAdmin {
  private final RestClient rest;
  private final String base;
  private final Duration offsetRequestTimeout;
  private final Sleeper sleeper;

  /**
   * @param endpoint      the endpoint {@code https://api.confluent.cloud} with the Cloud API key as basic auth
   * @param environmentId environment id, e.g. {@code env-a1b2c3}
   * @param clusterId     Kafka cluster id, e.g. {@code lkc-x1y2z3}
   */
  public ConfluentCloudConnectorAdmin(RestEndpoint endpoint, String environmentId, String clusterId) {
    this(endpoint, environmentId, clusterId, Duration.ofMinutes(5), Sleeper.SYSTEM);
  }

  /** The same with the deadline for offset requests and how to wait between status polls. */
  public ConfluentCloudConnectorAdmin(RestEndpoint endpoint, String environmentId, String clusterId,
      Duration offsetRequestTimeout, Sleeper sleeper) {
    this.rest = RestClient.of(Checks.requireNonNull(endpoint, "endpoint"));
    this.base = "/connect/v1/environments/" + Checks.requireNonBlank(environmentId, "environment id")
        + "/clusters/" + Checks.requireNonBlank(clusterId, "Kafka cluster id") + "/connectors";
    this.offsetRequestTimeout = Checks.requirePositive(offsetRequestTimeout, "offset request timeout");
    this.sleeper = Checks.requireNonNull(sleeper, "sleeper");
  }

  private String path(String name) {
    return base + "/" + URLEncoder.encode(Checks.requireNonBlank(name, "connector name"), StandardCharsets.UTF_8)
        .replace("+", "%20");
  }

  private RestResponse call(String name, RestRequest request) {
    RestResponse r = rest.execute(request);
    if (r.status() == 404) {
      throw new NotFoundException(ResourceType.CONNECTOR, name,
          "Connector '%s' not found in %s; see the connectors with 'streamdr connectors list'".formatted(name, base));
    }
    return r;
  }

  @Override
  public List<String> connectors() {
    List<String> names = new ArrayList<>();
    rest.get(base).forEach(n -> names.add(n.asText()));
    names.sort(null);
    return names;
  }

  @Override
  public ConnectorInfo describe(String name) {
    JsonNode info = call(name, RestRequest.get(path(name)).accept(404).build()).body();
    JsonNode status = call(name, RestRequest.get(path(name) + "/status").accept(404).build()).body();
    return ConnectJson.info(name, info, status);
  }

  @Override
  public void apply(ConnectorSpec spec) {
    Checks.requireNonNull(spec, "spec");
    if (spec.initialState().orElse(ConnectorState.RUNNING) == ConnectorState.STOPPED) {
      throw new UnsupportedCapabilityException(ResourceType.CONNECTOR, spec.name(),
          "Confluent Cloud cannot create connector '%s' STOPPED; create it PAUSED, or create it with its offsets".formatted(spec.name()));
    }
    Map<String, String> config = new LinkedHashMap<>(spec.config());
    config.putIfAbsent("name", spec.name());
    rest.execute(RestRequest.put(path(spec.name()) + "/config").json(config).build());
    if (spec.initialState().orElse(ConnectorState.RUNNING) == ConnectorState.PAUSED) {
      pause(spec.name());
    }
  }

  @Override
  public void delete(String name) {
    call(name, RestRequest.delete(path(name)).accept(404).build());
  }

  @Override
  public void restart(String name, RestartOptions options) {
    describe(name); // a missing connector is NotFound, not Unsupported
    throw new UnsupportedCapabilityException(ResourceType.CONNECTOR, name,
        "Confluent Cloud has no restart call for connector '%s'; pause and resume it to restart its tasks".formatted(name));
  }

  @Override
  public void pause(String name) {
    call(name, RestRequest.put(path(name) + "/pause").accept(404).build());
  }

  @Override
  public void resume(String name) {
    call(name, RestRequest.put(path(name) + "/resume").accept(404).build());
  }

  @Override
  public void stop(String name) {
    describe(name);
    throw new UnsupportedCapabilityException(ResourceType.CONNECTOR, name,
        "Confluent Cloud cannot stop connector '%s'; pause it instead (offsets can be altered in any state)".formatted(name));
  }

  @Override
  public ConnectorOffsets offsets(String name) {
    return ConnectJson.offsets(call(name, RestRequest.get(path(name) + "/offsets").accept(404).build()).body());
  }

  @Override
  public void alterOffsets(String name, ConnectorOffsets offsets) {
    Checks.requireNonNull(offsets, "offsets");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "PATCH");
    body.put("offsets", ConnectJson.offsetsBody(offsets));
    offsetRequest(name, body);
  }

  @Override
  public void resetOffsets(String name) {
    offsetRequest(name, Map.of("type", "DELETE"));
  }

  /** Submits an offsets request and waits until Cloud reports it applied. */
  private void offsetRequest(String name, Map<String, Object> body) {
    call(name, RestRequest.post(path(name) + "/offsets/request").json(body).accept(404).build());
    long deadline = System.nanoTime() + offsetRequestTimeout.toNanos();
    Duration pause = Duration.ofMillis(250);
    while (true) {
      JsonNode status = call(name, RestRequest.get(path(name) + "/offsets/request/status").accept(404).build()).body();
      String phase = status.path("status").path("phase").asText("PENDING");
      if ("APPLIED".equals(phase)) {
        return;
      }
      if ("FAILED".equals(phase)) {
        String message = status.path("status").path("message").asText("no message");
        throw new RemoteServiceException("POST", rest.baseUrl() + path(name) + "/offsets/request", 200, message,
            "Confluent Cloud failed to %s offsets of connector '%s': %s".formatted(
                "DELETE".equals(body.get("type")) ? "reset" : "alter", name, message), null, false);
      }
      if (System.nanoTime() > deadline) {
        throw new DrTimeoutException(ResourceType.CONNECTOR, name, offsetRequestTimeout,
            "Offsets request for connector '%s' still %s after %s; check GET %s/offsets/request/status".formatted(
                name, phase, offsetRequestTimeout, path(name)));
      }
      try {
        sleeper.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DrTimeoutException(ResourceType.CONNECTOR, name, offsetRequestTimeout, "Interrupted while waiting for offsets of " + name);
      }
      pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : pause.multipliedBy(2);
    }
  }

  @Override
  public String toString() {
    return "ConfluentCloudConnectorAdmin[" + rest.baseUrl() + base + "]";
  }
}
