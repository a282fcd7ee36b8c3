package io.streamdr.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.streamdr.core.ConflictException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.RemoteServiceException;
import io.streamdr.core.ResourceType;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * {@link ConnectorAdmin} over the Kafka Connect REST API of a self-managed Connect cluster (Kafka 3.6+ for offsets,
 * KIP-875; 3.9+ for creating in an initial state, KIP-980). Thread-safe; each call is bounded by the
 * endpoint's deadline and retried only where safe (409 answers during rebalances are retried).
 * {@link #apply} returns once the connector is visible; state changes (pause, resume, stop, restart) are
 * asynchronous in Connect — wait for them with {@link #awaitState}.
 *
 * <pre>{@code
 * ConnectorAdmin admin = new ConnectRestAdmin(RestEndpoint.of("http://connect:8083"));
 * admin.restart("pg-source", RestartOptions.FAILED);
 * }</pre>
 */
public final class ConnectRestAdmin implements ConnectorAdmin {
  private static final Duration VISIBILITY_TIMEOUT = Duration.ofSeconds(30);
  private final RestClient rest;
  private final Clock clock;
  private final Sleeper sleeper;

  /** An admin of the Connect cluster whose REST API is at {@code endpoint}. */
  public ConnectRestAdmin(RestEndpoint endpoint) {
    this(endpoint, Clock.systemUTC(), Sleeper.SYSTEM);
  }

  /** As {@link #ConnectRestAdmin(RestEndpoint)}, timing its waits for Connect by {@code clock}, pausing with {@code sleeper}. */
  public ConnectRestAdmin(RestEndpoint endpoint, Clock clock, Sleeper sleeper) {
    this.rest = RestClient.of(Checks.requireNonNull(endpoint, "endpoint"));
    this.clock = Checks.requireNonNull(clock, "clock");
    this.sleeper = Checks.requireNonNull(sleeper, "sleeper");
  }

  private static String path(String name) {
    return "/connectors/" + URLEncoder.encode(Checks.requireNonBlank(name, "connector name"), StandardCharsets.UTF_8)
        .replace("+", "%20");
  }

  private RestResponse call(String name, RestRequest request) {
    RestResponse r = rest.execute(request);
    if (r.status() == 404) {
      throw new NotFoundException(ResourceType.CONNECTOR, name, "Connector '%s' not found on %s; see the connectors with 'streamdr connectors list'"
          .formatted(name, rest.baseUrl()));
    }
    return r;
  }

  @Override
  public List<String> connectors() {
    List<String> names = new ArrayList<>();
    rest.get("/connectors").forEach(n -> names.add(n.asText()));
    names.sort(null);
    return names;
  }

  @Override
  public ConnectorInfo describe(String name) {
    JsonNode info = call(name, RestRequest.get(path(name)).accept(404).build()).body();
    // the status record is written shortly after the config: until then the connector is UNASSIGNED
    RestResponse statusResponse = rest.execute(RestRequest.get(path(name) + "/status").accept(404).build());
    JsonNode status = statusResponse.status() == 404 ? MissingNode.getInstance()
        : statusResponse.body();
    return ConnectJson.info(name, info, status);
  }

  @Override
  public void apply(ConnectorSpec spec) {
    Checks.requireNonNull(spec, "spec");
    if (spec.initialState().isPresent() && !exists(spec.name())) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", spec.name());
      body.put("config", spec.config());
      body.put("initial_state", spec.initialState().get().name());
      RestResponse r = rest.execute(RestRequest.post("/connectors").json(body).accept(409).build());
      if (r.status() != 409) { // 409: created concurrently; fall through to a config update
        awaitVisible(spec.name());
        return;
      }
    }
    rest.execute(RestRequest.put(path(spec.name()) + "/config").json(spec.config()).retryOn(409).build());
    awaitVisible(spec.name());
  }

  /** Connect applies configuration asynchronously; return once the connector can be described. */
  private void awaitVisible(String name) {
    awaitConnect(name, () -> exists(name), "was accepted by %s but is not visible".formatted(rest.baseUrl()));
  }

  /** Polls until Connect shows what it already accepted, with growing pauses, or fails naming the connector. */
  private void awaitConnect(String name, BooleanSupplier shown, String problem) {
    Instant deadline = clock.instant().plus(VISIBILITY_TIMEOUT);
    Duration pause = Duration.ofMillis(20);
    while (!shown.getAsBoolean()) {
      if (clock.instant().isAfter(deadline)) {
        throw new DrTimeoutException(ResourceType.CONNECTOR, name, VISIBILITY_TIMEOUT,
            "Connector '%s' %s after %s; check the worker's log".formatted(name, problem, VISIBILITY_TIMEOUT));
      }
      try {
        sleeper.sleep(pause);
      } catch (InterruptedException e) {
        throw new DrInterruptedException("waiting for connector " + name, e);
      }
      pause = pause.multipliedBy(2).compareTo(Duration.ofMillis(500)) > 0 ? Duration.ofMillis(500) : pause.multipliedBy(2);
    }
  }

  private boolean exists(String name) {
    return rest.execute(RestRequest.get(path(name)).accept(404).build()).status() != 404;
  }

  @Override
  public void delete(String name) {
    call(name, RestRequest.delete(path(name)).retryOn(409).accept(404).build());
  }

  @Override
  public void restart(String name, RestartOptions options) {
    Checks.requireNonNull(options, "options");
    call(name, RestRequest.post(path(name) + "/restart")
        .query("includeTasks", String.valueOf(options.includeTasks()))
        .query("onlyFailed", String.valueOf(options.onlyFailed()))
        .idempotent(true).retryOn(409).accept(404).build());
  }

  @Override
  public void pause(String name) {
    call(name, RestRequest.put(path(name) + "/pause").retryOn(409).accept(404).build());
  }

  @Override
  public void resume(String name) {
    call(name, RestRequest.put(path(name) + "/resume").retryOn(409).accept(404).build());
  }

  @Override
  public void stop(String name) {
    call(name, RestRequest.put(path(name) + "/stop").retryOn(409).accept(404).build());
  }

  @Override
  public ConnectorOffsets offsets(String name) {
    return ConnectJson.offsets(call(name, RestRequest.get(path(name) + "/offsets").accept(404).build()).body());
  }

  /**
   * {@inheritDoc} Returns once {@link #offsets} shows the change: Connect applies it to the worker's offset store
   * asynchronously after answering.
   */
  @Override
  public void alterOffsets(String name, ConnectorOffsets offsets) {
    Checks.requireNonNull(offsets, "offsets");
    offsetChange(name, "alter", RestRequest.patch(path(name) + "/offsets")
        .json(Map.of("offsets", ConnectJson.offsetsBody(offsets))).idempotent(true).accept(400, 404, 409).build());
    awaitOffsets(name, "alter", current -> offsets.offsets().stream().allMatch(o -> o.offset() == null
        ? current.offsets().stream().noneMatch(c -> c.partition().equals(o.partition()))
        : current.offsets().contains(o)));
  }

  /** {@inheritDoc} Returns once {@link #offsets} shows none. */
  @Override
  public void resetOffsets(String name) {
    offsetChange(name, "reset", RestRequest.delete(path(name) + "/offsets").accept(400, 404, 409).build());
    awaitOffsets(name, "reset", ConnectorOffsets::isEmpty);
  }

  private void awaitOffsets(String name, String verb, Predicate<ConnectorOffsets> visible) {
    awaitConnect(name, () -> visible.test(offsets(name)), "had its offsets %s accepted but GET offsets does not show it".formatted(
        verb.equals("alter") ? "change" : "reset"));
  }

  /** Connect answers 400 when the connector is not STOPPED (and 409 during a rebalance); say which. */
  private void offsetChange(String name, String verb, RestRequest request) {
    RestResponse r = call(name, request);
    if (r.status() == 400 || r.status() == 409) {
      ConnectorState state = describe(name).state();
      String message = ConnectJson.text(r.body(), "message").orElse(r.raw());
      if (state != ConnectorState.STOPPED) {
        throw new ConflictException(ResourceType.CONNECTOR, name,
            "Cannot %s offsets of connector '%s' while it is %s; stop it first (ConnectorAdmin.stop)".formatted(verb, name, state));
      }
      throw new RemoteServiceException(request.method(), rest.baseUrl() + request.path(), r.status(), message,
          "Connect refused to %s offsets of connector '%s': %s".formatted(verb, name, message), null, r.status() == 409);
    }
  }

  /** Whether the worker is reachable (GET / answers with its version). */
  public Optional<String> version() {
    try {
      return Optional.of(rest.get("/").path("version").asText());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return "ConnectRestAdmin[" + rest.baseUrl() + "]";
  }
}
