package io.streamdr.flink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamdr.core.ConflictException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.SavepointFailedException;
import io.streamdr.core.UnsupportedCapabilityException;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.Sleeper;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Json;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import io.streamdr.core.internal.http.RestResponse;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.JobSpec;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.savepoint.SavepointHandle;
import io.streamdr.core.savepoint.SavepointOptions;
import io.streamdr.core.savepoint.SavepointState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link SavepointClient} for Confluent Cloud Flink SQL statements
 * ({@code /sql/v1/organizations/{org}/environments/{env}/statements}).
 *
 * <p>Confluent Cloud Flink has no user savepoints, and this client does not pretend otherwise: the recovery point
 * of a statement is the set of Kafka offsets it has processed ({@code status.latest_offsets}), which Cloud publishes
 * only once the statement is STOPPED. So {@link #trigger} stops the statement ({@code spec.stopped=true}),
 * {@link #await} waits for STOPPED and captures the offsets as a {@link Savepoint.Kind#OFFSETS} recovery point, and —
 * unless the options say {@code cancelJob} — resumes the statement. Operator state is not captured: restoring
 * rebuilds it from the offsets on, which is exact only for stateless statements (filters, projections, routing).
 *
 * <p>{@link #restore} creates a new statement that starts where the captured one stopped: in the same environment
 * with the documented {@code sql.tables.initial-offset-from} property; in another environment (the other region)
 * by substituting {@code ${offsets:<topic>}} placeholders in the statement's SQL with the captured offsets (use them
 * in {@code 'scan.startup.specific-offsets'} table hints). {@link #deploy} creates a statement from a spec, and
 * {@link #deployEverywhere} deploys one spec to several regions' compute pools in one call.
 *
 * <p>Phases FAILED and DEGRADED while waiting are failures; waits are bounded by the caller's timeout. Thread-safe.
 */
public final class ConfluentCloudStatementClient implements SavepointClient {
  /** Statement property naming another statement whose offsets a new statement starts from. */
  public static final String INITIAL_OFFSET_FROM = "sql.tables.initial-offset-from";
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{offsets:([^}]+)}");
  private final RestClient rest;
  private final String environmentId;
  private final String base;
  private final String computePoolId;
  private final String principal;
  private final Sleeper sleeper;
  private final Clock clock;
  private final Map<String, Boolean> resumeAfterCapture = new ConcurrentHashMap<>();
  private final Map<String, Instant> triggered = new ConcurrentHashMap<>();

  private ConfluentCloudStatementClient(Builder b) {
    this.rest = b.rest;
    this.environmentId = b.environmentId;
    this.base = "/sql/v1/organizations/" + b.organizationId + "/environments/" + environmentId + "/statements";
    this.computePoolId = b.computePoolId;
    this.principal = b.principal;
    this.sleeper = b.sleeper;
    this.clock = b.clock;
  }

  /**
   * @param endpoint       the region's Flink endpoint ({@code https://flink.<region>.<cloud>.confluent.cloud})
   *                       with a Flink API key as basic auth
   * @param organizationId organization id
   * @param environmentId  environment id
   * @param computePoolId  compute pool new statements run in
   * @param principal      service account or user new statements run as
   */
  public static Builder builder(RestEndpoint endpoint, String organizationId, String environmentId, String computePoolId, String principal) {
    return new Builder(endpoint, organizationId, environmentId, computePoolId, principal);
  }

  /** Builds a {@link ConfluentCloudStatementClient}. */
  public static final class Builder {
    private final RestClient rest;
    private final String organizationId;
    private final String environmentId;
    private final String computePoolId;
    private final String principal;
    private Sleeper sleeper = Sleeper.SYSTEM;
    private Clock clock = Clock.systemUTC();

    private Builder(RestEndpoint endpoint, String organizationId, String environmentId, String computePoolId, String principal) {
      this.rest = RestClient.of(Checks.requireNonNull(endpoint, "endpoint"));
      this.organizationId = Checks.requireNonBlank(organizationId, "organization id");
      this.environmentId = Checks.requireNonBlank(environmentId, "environment id");
      this.computePoolId = Checks.requireNonBlank(computePoolId, "compute pool id");
      this.principal = Checks.requireNonBlank(principal, "principal");
    }

    /** How the client pauses between polls of a statement (default: sleeping). */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Checks.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /** What dates a recovery point captured while a statement has read no offsets yet (default: the system clock). */
    public Builder clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    public ConfluentCloudStatementClient build() {
      return new ConfluentCloudStatementClient(this);
    }
  }

  private String path(String statement) {
    return base + "/" + Checks.requireNonBlank(statement, "statement name");
  }

  /** The statement resource as Cloud returns it. */
  private JsonNode statement(String name) {
    RestResponse r = rest.execute(RestRequest.get(path(name)).accept(404).build());
    if (r.status() == 404) {
      throw new NotFoundException(ResourceType.STATEMENT, name,
          "Flink statement '%s' not found in environment %s; list statements with GET %s".formatted(name, environmentId, base));
    }
    return r.body();
  }

  /** The statement's phase: PENDING, RUNNING, COMPLETED, DELETING, FAILING, FAILED, STOPPING, STOPPED, DEGRADED. */
  public String phase(String name) {
    return statement(name).path("status").path("phase").asText("PENDING");
  }

  /** Sets {@code spec.stopped} with a full-resource PUT carrying the resource version (optimistic concurrency). */
  private void setStopped(String name, boolean stopped) {
    ObjectNode resource = (ObjectNode) statement(name).deepCopy();
    ((ObjectNode) resource.path("spec")).put("stopped", stopped);
    resource.remove("status");
    rest.execute(RestRequest.put(path(name)).json(resource).build());
  }

  /** Stops a statement. */
  public void stop(JobRef statement) {
    setStopped(statement.id(), true);
  }

  /** Resumes a stopped statement (INSERT INTO, CREATE TABLE AS, EXECUTE STATEMENT SET). */
  public void resume(JobRef statement) {
    setStopped(statement.id(), false);
  }

  @Override
  public SavepointHandle trigger(JobRef job, SavepointOptions options) {
    Checks.requireNonNull(options, "options");
    String name = job.id();
    if (triggered.containsKey(options.triggerId())) {
      return new SavepointHandle(job, options.triggerId());
    }
    String phase = phase(name);
    if (!"RUNNING".equals(phase) && !"DEGRADED".equals(phase)) {
      throw new ConflictException(ResourceType.STATEMENT, name,
          "Flink statement '%s' is %s, not RUNNING; its offsets can be captured only by stopping a running statement".formatted(name, phase));
    }
    setStopped(name, true);
    resumeAfterCapture.put(options.triggerId(), !options.cancelJob());
    triggered.put(options.triggerId(), clock.instant());
    return new SavepointHandle(job, options.triggerId());
  }

  @Override
  public Savepoint await(SavepointHandle handle, Duration timeout) {
    String name = handle.job().id();
    if (!triggered.containsKey(handle.triggerId())) {
      throw new NotFoundException(ResourceType.SAVEPOINT, handle.triggerId(),
          "No offsets capture %s was triggered for statement '%s' by this client".formatted(handle.triggerId(), name));
    }
    JsonNode s = awaitPhase(name, "STOPPED", timeout, handle.triggerId());
    Savepoint sp = capture(handle.job(), handle.triggerId(), s);
    if (Boolean.TRUE.equals(resumeAfterCapture.remove(handle.triggerId()))) {
      resume(handle.job());
    }
    return sp;
  }

  private JsonNode awaitPhase(String name, String wanted, Duration timeout, String triggerId) {
    long deadline = System.nanoTime() + Checks.requirePositive(timeout, "timeout").toNanos();
    Duration pause = Duration.ofMillis(250);
    while (true) {
      JsonNode s = statement(name);
      String phase = s.path("status").path("phase").asText("PENDING");
      if (wanted.equals(phase)) {
        return s;
      }
      if ("FAILED".equals(phase) || "DEGRADED".equals(phase) || "FAILING".equals(phase)) {
        String detail = s.path("status").path("detail").asText("no detail");
        throw new SavepointFailedException(new JobRef(name), triggerId, "statement is " + phase + ": " + detail);
      }
      if (System.nanoTime() > deadline) {
        throw new DrTimeoutException(ResourceType.STATEMENT, name, timeout,
            "Flink statement '%s' is still %s after %s, waiting for %s".formatted(name, phase, timeout, wanted));
      }
      try {
        sleeper.sleep(pause);
      } catch (InterruptedException e) {
        throw new DrInterruptedException("waiting for statement " + name, e);
      }
      pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : pause.multipliedBy(2);
    }
  }

  /** The recovery point of a STOPPED statement: its latest offsets, serialized as JSON in the location. */
  private Savepoint capture(JobRef job, String id, JsonNode s) {
    JsonNode offsets = s.path("status").path("latest_offsets");
    if (!offsets.isObject() || offsets.isEmpty()) {
      throw new SavepointFailedException(job, id, "the STOPPED statement reports no latest_offsets (it may read no Kafka topic)");
    }
    ObjectNode location = Json.MAPPER.createObjectNode();
    location.put("environment", environmentId).put("statement", job.id());
    location.set("offsets", offsets);
    Instant at = s.path("status").has("latest_offsets_timestamp")
        ? Instant.parse(s.path("status").path("latest_offsets_timestamp").asText()) : clock.instant();
    return new Savepoint(job, id, Savepoint.Kind.OFFSETS, SavepointState.COMPLETED, Optional.of(location.toString()),
        Optional.empty(), triggered.getOrDefault(id, at), Optional.of(at));
  }

  /** The statement's current recovery point if it is STOPPED with offsets; Cloud keeps no history of them. */
  @Override
  public List<Savepoint> list(JobRef job) {
    JsonNode s = statement(job.id());
    List<Savepoint> out = new ArrayList<>();
    if ("STOPPED".equals(s.path("status").path("phase").asText()) && s.path("status").path("latest_offsets").size() > 0) {
      out.add(capture(job, "latest", s));
    }
    return out;
  }

  /** Creates a statement from a spec (its SQL and properties) in this client's compute pool. */
  public JobRef deploy(JobSpec spec) {
    String sql = spec.sql().orElseThrow(() -> new InvalidRequestException(ResourceType.STATEMENT, spec.name(),
        "JobSpec '%s' has no SQL; set sql(...) for a Confluent Cloud statement".formatted(spec.name())));
    return create(spec.name(), sql, spec.properties());
  }

  /** Deploys one spec to several environments' compute pools (both regions) in one call. */
  public static List<JobRef> deployEverywhere(JobSpec spec, List<ConfluentCloudStatementClient> regions) {
    List<JobRef> out = new ArrayList<>();
    for (ConfluentCloudStatementClient c : regions) {
      out.add(c.deploy(spec));
    }
    return out;
  }

  private JobRef create(String name, String sql, Map<String, String> properties) {
    Map<String, Object> specBody = new LinkedHashMap<>();
    specBody.put("statement", sql);
    specBody.put("properties", properties);
    specBody.put("compute_pool_id", computePoolId);
    specBody.put("principal", principal);
    specBody.put("stopped", false);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", name);
    body.put("spec", specBody);
    RestResponse r = rest.execute(RestRequest.post(base).json(body).accept(409).build());
    if (r.status() == 409) {
      throw new ConflictException(ResourceType.STATEMENT, name,
          "A Flink statement named '%s' already exists in environment %s; choose a new name for the restored statement".formatted(name, environmentId));
    }
    return new JobRef(r.body().path("name").asText(name));
  }

  @Override
  public JobRef restore(JobSpec spec, Savepoint from) {
    if (from.kind() != Savepoint.Kind.OFFSETS || from.location().isEmpty()) {
      throw new UnsupportedCapabilityException(ResourceType.STATEMENT, spec.name(),
          "Confluent Cloud cannot restore Flink savepoint %s; restore from an OFFSETS recovery point of a statement".formatted(from.id()));
    }
    JsonNode location;
    try {
      location = Json.MAPPER.readTree(from.location().get());
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException(ResourceType.SAVEPOINT, from.id(), "Recovery point %s has an unreadable location".formatted(from.id()));
    }
    String sql = spec.sql().orElseThrow(() -> new InvalidRequestException(ResourceType.STATEMENT, spec.name(),
        "JobSpec '%s' has no SQL; set sql(...) for a Confluent Cloud statement".formatted(spec.name())));
    Map<String, String> properties = new LinkedHashMap<>(spec.properties());
    if (environmentId.equals(location.path("environment").asText()) && !PLACEHOLDER.matcher(sql).find()) {
      properties.putIfAbsent(INITIAL_OFFSET_FROM, location.path("statement").asText());
      return create(spec.name(), sql, properties);
    }
    JsonNode offsets = location.path("offsets");
    Matcher m = PLACEHOLDER.matcher(sql);
    if (!m.find()) {
      throw new UnsupportedCapabilityException(ResourceType.STATEMENT, spec.name(),
          ("Offsets of statement '%s' come from environment %s; starting from them in %s needs ${offsets:<topic>} placeholders "
              + "in the SQL's 'scan.startup.specific-offsets' hints (topics: %s)").formatted(location.path("statement").asText(),
              location.path("environment").asText(), environmentId, iterable(offsets.fieldNames())));
    }
    StringBuilder out = new StringBuilder();
    m.reset();
    while (m.find()) {
      String topic = m.group(1);
      if (!offsets.has(topic)) {
        throw new InvalidRequestException(ResourceType.STATEMENT, spec.name(),
            "SQL of '%s' asks for offsets of topic '%s', which the recovery point lacks (it has %s)".formatted(spec.name(), topic,
                iterable(offsets.fieldNames())));
      }
      m.appendReplacement(out, Matcher.quoteReplacement(offsets.path(topic).asText()));
    }
    m.appendTail(out);
    return create(spec.name(), out.toString(), properties);
  }

  private static List<String> iterable(Iterator<String> it) {
    List<String> l = new ArrayList<>();
    it.forEachRemaining(l::add);
    return l;
  }

  @Override
  public String toString() {
    return "ConfluentCloudStatementClient[" + rest.baseUrl() + base + "]";
  }
}
