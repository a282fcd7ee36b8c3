package io.streamdr.core.internal.http;

import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import okhttp3.RequestBody;

/**
 * One call for {@link RestClient#execute}. Immutable. GET, PUT, DELETE and HEAD are idempotent; POST and PATCH are
 * not unless marked with {@link Builder#idempotent(boolean)} (for example a POST carrying our own trigger id).
 */
public final class RestRequest {
  private final String method;
  private final String path;
  private final Map<String, String> query;
  private final Object jsonBody;
  private final RequestBody rawBody;
  private final boolean idempotent;
  private final Set<Integer> acceptedStatuses;
  private final Set<Integer> retryStatuses;
  private final Duration timeout;

  private RestRequest(Builder b) {
    this.method = b.method;
    this.path = b.path;
    this.query = Map.copyOf(b.query);
    this.jsonBody = b.jsonBody;
    this.rawBody = b.rawBody;
    this.idempotent = b.idempotent == null
        ? Set.of("GET", "PUT", "DELETE", "HEAD").contains(b.method) : b.idempotent;
    this.acceptedStatuses = Set.copyOf(b.acceptedStatuses);
    this.retryStatuses = Set.copyOf(b.retryStatuses);
    this.timeout = b.timeout;
  }

  public static Builder get(String path) {
    return new Builder("GET", path);
  }

  public static Builder post(String path) {
    return new Builder("POST", path);
  }

  public static Builder put(String path) {
    return new Builder("PUT", path);
  }

  public static Builder patch(String path) {
    return new Builder("PATCH", path);
  }

  public static Builder delete(String path) {
    return new Builder("DELETE", path);
  }

  public String method() {
    return method;
  }

  public String path() {
    return path;
  }

  public Map<String, String> query() {
    return query;
  }

  public Optional<Object> jsonBody() {
    return Optional.ofNullable(jsonBody);
  }

  public Optional<RequestBody> rawBody() {
    return Optional.ofNullable(rawBody);
  }

  public boolean idempotent() {
    return idempotent;
  }

  /** Non-2xx statuses returned to the caller instead of thrown (for example 404 to test existence). */
  public Set<Integer> acceptedStatuses() {
    return acceptedStatuses;
  }

  /**
   * Extra statuses this call may be retried on, because the service uses them for transient states (Kafka Connect
   * answers 409 while its workers rebalance).
   */
  public Set<Integer> retryStatuses() {
    return retryStatuses;
  }

  /** Deadline of this call across all attempts; empty means the client's default. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /** Builder for {@link RestRequest}. */
  public static final class Builder {
    private final String method;
    private final String path;
    private final Map<String, String> query = new LinkedHashMap<>();
    private Object jsonBody;
    private RequestBody rawBody;
    private Boolean idempotent;
    private Set<Integer> acceptedStatuses = Set.of();
    private Set<Integer> retryStatuses = Set.of();
    private Duration timeout;

    private Builder(String method, String path) {
      this.method = method;
      this.path = Checks.requireNonNull(path, "path");
    }

    public Builder query(String name, String value) {
      query.put(name, value);
      return this;
    }

    /** A body serialized as JSON with Jackson (a map, a record, a JsonNode…). */
    public Builder json(Object body) {
      this.jsonBody = body;
      return this;
    }

    /** A body sent as is (multipart uploads). */
    public Builder body(RequestBody body) {
      this.rawBody = body;
      return this;
    }

    public Builder idempotent(boolean idempotent) {
      this.idempotent = idempotent;
      return this;
    }

    public Builder accept(Integer... statuses) {
      this.acceptedStatuses = Set.of(statuses);
      return this;
    }

    /** Statuses on which this call is retried (with backoff, within its deadline) in addition to the usual ones. */
    public Builder retryOn(Integer... statuses) {
      this.retryStatuses = Set.of(statuses);
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = Checks.requirePositive(timeout, "timeout");
      return this;
    }

    public RestRequest build() {
      return new RestRequest(this);
    }
  }
}
