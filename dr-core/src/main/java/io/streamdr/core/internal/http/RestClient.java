package io.streamdr.core.internal.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.RemoteServiceException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.RetryPolicy;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Json;
import io.streamdr.core.internal.Redaction;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import io.streamdr.core.internal.http.RestResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Date;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON over HTTP for the Flink, Connect, Confluent Cloud and Schema Registry adapters: okhttp plus Jackson, a
 * deadline per call spanning all attempts, retries with backoff and jitter only where they are safe (see
 * {@link RetryPolicy}), redirects followed only where the method's meaning survives and only on the configured host
 * (a POST answered 302 is an error, not a GET), and credentials that never appear in logs, exceptions or
 * {@code toString}.
 *
 * <p>Thread-safe; share one per endpoint. Calls block until they succeed, fail or reach their deadline.
 *
 * <pre>{@code
 * RestClient flink = RestClient.of(RestEndpoint.builder("http://flink:8081").callTimeout(Duration.ofSeconds(30)).build());
 * JsonNode overview = flink.get("/jobs/overview");
 * }</pre>
 */
public final class RestClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RestClient.class);
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final int EXCERPT = 300;
  private static final int MAX_REDIRECTS = 5;

  private final RestEndpoint endpoint;
  private final HttpUrl baseUrl;
  private final String safeBaseUrl;
  private final OkHttpClient http;

  private RestClient(RestEndpoint endpoint) {
    HttpUrl parsed = HttpUrl.parse(endpoint.url());
    if (parsed == null) {
      throw new InvalidRequestException(ResourceType.ENDPOINT, endpoint.baseUrl(),
          "'%s' is not an http(s) URL; give a base URL such as http://localhost:8081".formatted(endpoint.baseUrl()));
    }
    this.endpoint = endpoint;
    this.baseUrl = parsed;
    this.safeBaseUrl = endpoint.baseUrl();
    this.http = new OkHttpClient.Builder()
        .connectTimeout(Duration.ofSeconds(10))
        .readTimeout(Duration.ZERO) // the call timeout bounds each call as a whole
        .writeTimeout(Duration.ZERO)
        .retryOnConnectionFailure(false) // retries are ours, and only for idempotent calls
        .followRedirects(false) // redirects are ours too: okhttp would re-send a POST answered 302 as a GET
        .followSslRedirects(false)
        .build();
  }

  /** A client calling {@code endpoint}; adapters build one per endpoint they are given. */
  public static RestClient of(RestEndpoint endpoint) {
    return new RestClient(Checks.requireNonNull(endpoint, "endpoint"));
  }

  /** A client calling {@code baseUrl} with {@link RestEndpoint#of(String) the defaults}. */
  public static RestClient of(String baseUrl) {
    return of(RestEndpoint.of(baseUrl));
  }

  /** The base URL without credentials or query. */
  public String baseUrl() {
    return safeBaseUrl;
  }

  /** GET a path and parse its JSON body. */
  public JsonNode get(String path) {
    return execute(RestRequest.get(path).build()).body();
  }

  /** POST a JSON body (not retried unless the request is marked idempotent). */
  public JsonNode post(String path, Object body) {
    return execute(RestRequest.post(path).json(body).build()).body();
  }

  /** PUT a JSON body. */
  public JsonNode put(String path, Object body) {
    return execute(RestRequest.put(path).json(body).build()).body();
  }

  /** DELETE a path. */
  public JsonNode delete(String path) {
    return execute(RestRequest.delete(path).build()).body();
  }

  /**
   * Executes a call, retrying as the {@link RetryPolicy} allows within the call's deadline.
   *
   * @return the response, for a 2xx status or one the request accepts
   * @throws RemoteServiceException for other statuses, unreachable servers and malformed JSON
   * @throws DrTimeoutException if the deadline passes
   */
  public RestResponse execute(RestRequest request) {
    Duration deadline = request.timeout().orElse(endpoint.callTimeout());
    long deadlineAt = System.nanoTime() + deadline.toNanos();
    HttpUrl requested = url(request);
    String safeUrl = safeBaseUrl + request.path();
    for (int attempt = 1; ; attempt++) {
      long remaining = deadlineAt - System.nanoTime();
      if (remaining <= 0) {
        throw timeout(request, safeUrl, deadline, attempt - 1);
      }
      long started = System.nanoTime();
      Duration wait;
      try (Response response = send(request, requested, safeUrl, deadlineAt, deadline, attempt)) {
        ResponseBody body = response.body();
        String raw = body == null ? "" : body.string();
        int status = response.code();
        LOG.debug("{} {} -> {} in {} ms (attempt {})", request.method(), safeUrl, status,
            (System.nanoTime() - started) / 1_000_000, attempt);
        if ((status >= 200 && status < 300) || request.acceptedStatuses().contains(status)) {
          return new RestResponse(status, parse(request, safeUrl, status, raw), raw);
        }
        boolean retryable = RetryPolicy.retryableStatus(status, request.idempotent())
            || request.retryStatuses().contains(status);
        if (!retryable || attempt >= endpoint.retry().maxAttempts()) {
          throw error(request, safeUrl, status, raw, attempt, retryable);
        }
        wait = retryAfter(response).orElse(endpoint.retry().backoff(attempt));
        if (System.nanoTime() + wait.toNanos() >= deadlineAt) {
          throw error(request, safeUrl, status, raw, attempt, true);
        }
        LOG.info("{} {} returned {}; retrying in {} ms (attempt {} of {})", request.method(), safeUrl, status,
            wait.toMillis(), attempt, endpoint.retry().maxAttempts());
      } catch (InterruptedIOException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw new DrInterruptedException("calling %s %s".formatted(request.method(), safeUrl), e);
        }
        throw timeout(request, safeUrl, deadline, attempt);
      } catch (IOException e) {
        if (!request.idempotent() || attempt >= endpoint.retry().maxAttempts()) {
          throw new RemoteServiceException(request.method(), safeUrl, 0, "",
              "%s %s failed after %d attempt(s): %s; check that the service is up and reachable%s".formatted(
                  request.method(), safeUrl, attempt, redact(String.valueOf(e.getMessage())),
                  request.idempotent() ? "" : " (not retried: the call is not idempotent and may have been applied)"),
              e, true);
        }
        wait = endpoint.retry().backoff(attempt);
        if (System.nanoTime() + wait.toNanos() >= deadlineAt) {
          throw timeout(request, safeUrl, deadline, attempt);
        }
        LOG.info("{} {} failed ({}); retrying in {} ms (attempt {} of {})", request.method(), safeUrl,
            e.getClass().getSimpleName(), wait.toMillis(), attempt, endpoint.retry().maxAttempts());
      }
      try {
        endpoint.sleeper().sleep(wait);
      } catch (InterruptedException e) {
        throw new DrInterruptedException("waiting to retry %s %s".formatted(request.method(), safeUrl), e);
      }
    }
  }

  private HttpUrl url(RestRequest request) {
    String path = request.path().startsWith("/") ? request.path().substring(1) : request.path();
    HttpUrl.Builder b = baseUrl.newBuilder();
    String basePath = baseUrl.encodedPath().endsWith("/") ? baseUrl.encodedPath() : baseUrl.encodedPath() + "/";
    b.encodedPath(basePath);
    HttpUrl resolved = b.build().resolve(path);
    if (resolved == null) {
      throw new InvalidRequestException(ResourceType.ENDPOINT, safeBaseUrl + request.path(), "Invalid request path '%s'".formatted(request.path()));
    }
    HttpUrl.Builder withQuery = resolved.newBuilder();
    request.query().forEach(withQuery::addQueryParameter);
    return withQuery.build();
  }

  /** One attempt: the request, then the redirects it is answered with that are safe to follow. */
  private Response send(RestRequest request, HttpUrl url, String safeUrl, long deadlineAt, Duration deadline,
      int attempt) throws IOException {
    String method = request.method();
    for (int redirects = 0; ; redirects++) {
      long remaining = deadlineAt - System.nanoTime();
      if (remaining <= 0) {
        throw timeout(request, safeUrl, deadline, attempt);
      }
      Call call = http.newCall(build(request, method, url));
      call.timeout().timeout(remaining, TimeUnit.NANOSECONDS);
      Response response = call.execute();
      Redirect redirect = redirect(request, method, url, response, safeUrl);
      if (redirect == null) {
        return response;
      }
      response.close();
      String safeTarget = Redaction.safeUrl(redirect.url().toString());
      if (redirects == MAX_REDIRECTS) {
        throw new RemoteServiceException(request.method(), safeUrl, response.code(), "",
            "%s %s was redirected more than %d redirects deep (last to %s); check the endpoint's address"
                .formatted(request.method(), safeUrl, MAX_REDIRECTS, safeTarget), null, false);
      }
      LOG.debug("{} {} redirected ({}) to {}", method, safeUrl, response.code(), safeTarget);
      url = redirect.url();
      method = redirect.method();
    }
  }

  private record Redirect(HttpUrl url, String method) {}

  /**
   * The next hop of a redirect, or null if the response is not one to follow. Followed: 303 (as a GET), 301 and 302
   * for GET and HEAD, 307 and 308 with the same method and body; only on the same host (an upgrade to https
   * included), so credentials never go to a server the user did not configure. Anything else is a clear error.
   */
  private Redirect redirect(RestRequest request, String method, HttpUrl url, Response response, String safeUrl) {
    int status = response.code();
    if (!Set.of(301, 302, 303, 307, 308).contains(status) || request.acceptedStatuses().contains(status)) {
      return null;
    }
    String location = response.header("Location");
    HttpUrl target = location == null ? null : url.resolve(location);
    if (target == null) {
      response.close();
      throw new RemoteServiceException(request.method(), safeUrl, status, "",
          "%s %s answered %d without a usable Location header; check the endpoint's address".formatted(
              request.method(), safeUrl, status), null, false);
    }
    String safeTarget = Redaction.safeUrl(target.toString());
    boolean sameServer = target.host().equalsIgnoreCase(url.host())
        && (target.port() == url.port() || (target.isHttps() && !url.isHttps()));
    String problem = null;
    if (!sameServer) {
      problem = "StreamDR does not follow a redirect to another host, which would receive the credentials";
    } else if ((status == 301 || status == 302) && !method.equals("GET") && !method.equals("HEAD")) {
      problem = "a %s is not re-sent to a new address as a GET".formatted(method);
    }
    if (problem != null) {
      response.close();
      throw new RemoteServiceException(request.method(), safeUrl, status, "",
          "%s %s was redirected (%d) to %s; %s: configure the endpoint as the address it redirects to".formatted(
              request.method(), safeUrl, status, safeTarget, problem), null, false);
    }
    return new Redirect(target, status == 303 && !method.equals("HEAD") ? "GET" : method);
  }

  private Request build(RestRequest request, String method, HttpUrl url) {
    Request.Builder b = new Request.Builder().url(url).header("Accept", "application/json");
    endpoint.auth().headers().forEach(b::header);
    if (!method.equals(request.method())) {
      return b.method(method, null).build();
    }
    RequestBody body = request.rawBody().orElse(null);
    if (body == null && request.jsonBody().isPresent()) {
      try {
        body = RequestBody.create(Json.MAPPER.writeValueAsBytes(request.jsonBody().get()), JSON);
      } catch (JsonProcessingException e) {
        throw new InvalidRequestException(ResourceType.ENDPOINT, safeBaseUrl + request.path(),
            "Request body for %s %s cannot be serialized to JSON: %s".formatted(request.method(), request.path(), e.getOriginalMessage()));
      }
    }
    if (body == null && (request.method().equals("POST") || request.method().equals("PUT") || request.method().equals("PATCH"))) {
      body = RequestBody.create(new byte[0], null);
    }
    return b.method(method, body).build();
  }

  private JsonNode parse(RestRequest request, String safeUrl, int status, String raw) {
    if (raw.isBlank()) {
      return MissingNode.getInstance();
    }
    try {
      return Json.MAPPER.readTree(raw);
    } catch (JsonProcessingException e) {
      throw new RemoteServiceException(request.method(), safeUrl, status, excerpt(raw),
          "%s %s returned %d with a body that is not valid JSON (%s); is %s the right endpoint?".formatted(
              request.method(), safeUrl, status, e.getOriginalMessage(), safeBaseUrl), null, false);
    }
  }

  private RemoteServiceException error(RestRequest request, String safeUrl, int status, String raw, int attempts,
      boolean retryable) {
    String excerpt = excerpt(raw);
    return new RemoteServiceException(request.method(), safeUrl, status, excerpt,
        "%s %s returned %d after %d attempt(s)%s%s".formatted(request.method(), safeUrl, status, attempts,
            excerpt.isEmpty() ? "" : ": " + excerpt, hint(status)), null, retryable);
  }

  private static String hint(int status) {
    return switch (status) {
      case 401 -> "; check the credentials";
      case 403 -> "; the credentials lack permission for this call";
      case 404 -> "; check the resource name and the endpoint";
      case 409 -> "; the resource is in a conflicting state";
      case 429 -> "; the service is throttling, retry later";
      default -> status >= 500 ? "; the service is failing, retry later" : "";
    };
  }

  private DrTimeoutException timeout(RestRequest request, String safeUrl, Duration deadline, int attempts) {
    return new DrTimeoutException(ResourceType.ENDPOINT, safeUrl, deadline,
        "%s %s did not complete within %s (%d attempt(s)); the service may be slow or unreachable".formatted(
            request.method(), safeUrl, deadline, attempts));
  }

  private String excerpt(String raw) {
    String r = redact(raw).replaceAll("\\s+", " ").trim();
    return r.length() <= EXCERPT ? r : r.substring(0, EXCERPT) + "…";
  }

  private String redact(String text) {
    return Redaction.redactText(text, endpoint.auth().secrets());
  }

  private Optional<Duration> retryAfter(Response response) {
    String value = response.header("Retry-After");
    if (value == null || (response.code() != 429 && response.code() != 503)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim()))));
    } catch (NumberFormatException e) {
      Date date = response.headers().getDate("Retry-After");
      return date == null ? Optional.empty()
          : Optional.of(Duration.ofMillis(Math.max(0, date.getTime() - endpoint.clock().millis())));
    }
  }

  @Override
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  @Override
  public String toString() {
    return "RestClient[" + endpoint + "]";
  }
}
