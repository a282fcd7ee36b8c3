package io.streamdr.core.http;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Redaction;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;

/**
 * Where and how a REST adapter (Flink, Connect, Confluent Cloud, Schema Registry, a webhook) calls its service: the
 * base URL, the authentication, the deadline of one call across all its attempts and the retries allowed within it.
 * Immutable and safe to share; {@code toString} and {@link #baseUrl()} never show credentials.
 *
 * <pre>{@code
 * RestEndpoint flink = RestEndpoint.builder("http://flink:8081").callTimeout(Duration.ofSeconds(30)).build();
 * FlinkRestSavepointClient savepoints = new FlinkRestSavepointClient(flink);
 * }</pre>
 */
public final class RestEndpoint {
  private final String url;
  private final String safeBaseUrl;
  private final Auth auth;
  private final Duration callTimeout;
  private final RetryPolicy retry;
  private final Sleeper sleeper;
  private final Clock clock;

  private RestEndpoint(Builder b) {
    this.url = requireHttpUrl(b.url);
    this.safeBaseUrl = Redaction.safeUrl(b.url).replaceAll("/$", "");
    this.auth = b.auth;
    this.callTimeout = b.callTimeout;
    this.retry = b.retry;
    this.sleeper = b.sleeper;
    this.clock = b.clock;
  }

  /** An endpoint at {@code baseUrl} with the defaults: no authentication, 30 s per call, {@link RetryPolicy#defaults()}. */
  public static RestEndpoint of(String baseUrl) {
    return builder(baseUrl).build();
  }

  public static Builder builder(String baseUrl) {
    return new Builder(baseUrl);
  }

  private static String requireHttpUrl(String url) {
    Checks.requireNonBlank(url, "base URL");
    String safe = Redaction.safeUrl(url);
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return url;
      }
    } catch (URISyntaxException e) {
      // reported below, without the URL's credentials
    }
    throw new InvalidRequestException(ResourceType.ENDPOINT, safe,
        "'%s' is not an http(s) URL; give a base URL such as http://localhost:8081".formatted(safe));
  }

  /** The base URL without credentials or query, for messages. */
  public String baseUrl() {
    return safeBaseUrl;
  }

  /** The base URL as given, user info and all: for the HTTP client only, never for a message. */
  public String url() {
    return url;
  }

  public Auth auth() {
    return auth;
  }

  /** Deadline of one call across all its attempts. */
  public Duration callTimeout() {
    return callTimeout;
  }

  public RetryPolicy retry() {
    return retry;
  }

  /** How the client waits between attempts. */
  public Sleeper sleeper() {
    return sleeper;
  }

  /** What a Retry-After date is measured from. */
  public Clock clock() {
    return clock;
  }

  @Override
  public String toString() {
    return "RestEndpoint[" + safeBaseUrl + ", " + auth + ", timeout=" + callTimeout + ", " + retry + "]";
  }

  /** Builder for {@link RestEndpoint}. */
  public static final class Builder {
    private final String url;
    private Auth auth = Auth.none();
    private Duration callTimeout = Duration.ofSeconds(30);
    private RetryPolicy retry = RetryPolicy.defaults();
    private Sleeper sleeper = Sleeper.SYSTEM;
    private Clock clock = Clock.systemUTC();

    private Builder(String url) {
      this.url = url;
    }

    public Builder auth(Auth auth) {
      this.auth = Checks.requireNonNull(auth, "auth");
      return this;
    }

    /** Deadline of one call across all its attempts (default 30 s). */
    public Builder callTimeout(Duration callTimeout) {
      this.callTimeout = Checks.requirePositive(callTimeout, "callTimeout");
      return this;
    }

    public Builder retry(RetryPolicy retry) {
      this.retry = Checks.requireNonNull(retry, "retry");
      return this;
    }

    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Checks.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /** What a Retry-After date is measured from (default: the system's clock). */
    public Builder clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * @throws InvalidRequestException if the URL is not an http(s) URL
     */
    public RestEndpoint build() {
      return new RestEndpoint(this);
    }
  }
}
