package io.streamdr.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.RemoteServiceException;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * What every adapter over a {@link RestEndpoint} must do when its server misbehaves: 5xx storms shorter and longer than
 * the retries, 429 with {@code Retry-After}, a body slower than the deadline, a body cut off mid-way, malformed JSON
 * and a redirect to another host. Each {@link Operation} is run against each fault on a fresh MockWebServer: an
 * idempotent call is retried and completes with its result or fails naming the endpoint and the cause; a call that
 * may not be repeated is sent once and fails saying so; nothing waits past the call's deadline.
 *
 * <p>Implementations return their adapter's operations over the given client, with the responses a healthy server
 * gives; the server answers requests in the order of {@link Operation#before()}, then the operation's own request.
 */
public abstract class RestFaultContract {
  /** The deadline of every call in these tests. */
  protected static final Duration DEADLINE = Duration.ofSeconds(2);
  private static final int ATTEMPTS = 4;

  /**
   * One call of the adapter under test.
   *
   * @param name       what the call does, for the test's name
   * @param idempotent whether the adapter may repeat it (its request is safe to send twice)
   * @param before     responses to the requests the call makes before the one under fault (a state check, say)
   * @param success    the healthy answers: to the request under fault, then to any the call makes after it
   * @param call       runs the call and returns its result
   * @param expected   the result the call returns when the server is healthy ({@code null} for void calls)
   */
  public record Operation(String name, boolean idempotent, List<MockResponse> before, List<MockResponse> success,
      Callable<Object> call, Object expected) {}

  /** The adapter's operations at {@code endpoint}, whose base URL is the server's. */
  protected abstract List<Operation> operations(RestEndpoint endpoint);

  /** The path under the server that is the adapter's base URL (e.g. {@code /} or {@code /v1/}). */
  protected String basePath() {
    return "/";
  }

  /** A JSON response. */
  protected static MockResponse json(int status, String body) {
    return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json").setBody(body);
  }

  private interface Fault {
    /** Queues the fault's responses before the healthy one; returns the check of what happened. */
    Check arm(MockWebServer server, MockWebServer elsewhere, Operation op);
  }

  private interface Check {
    void verify(Operation op, Object result, Throwable error, Run run) throws Exception;
  }

  private record Run(MockWebServer server, MockWebServer elsewhere, List<Duration> sleeps) {}

  @TestFactory
  Stream<DynamicTest> every_operation_under_every_fault_completes_correctly_or_fails_clearly_within_its_deadline() {
    List<DynamicTest> tests = new ArrayList<>();
    List<String> names = new ArrayList<>();
    try (MockWebServer probe = new MockWebServer()) {
      operations(RestEndpoint.of(probe.url(basePath()).toString())).forEach(op -> names.add(op.name()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    for (int i = 0; i < names.size(); i++) {
      int index = i;
      faults().forEach((fault, arm) -> tests.add(DynamicTest.dynamicTest(names.get(index) + ": " + fault,
          () -> run(index, arm))));
    }
    return tests.stream();
  }

  private java.util.Map<String, Fault> faults() {
    java.util.Map<String, Fault> faults = new java.util.LinkedHashMap<>();
    faults.put("a 503 storm shorter than the retries", (server, elsewhere, op) -> {
      server.enqueue(json(503, "{\"error\":\"unavailable\"}"));
      server.enqueue(json(503, "{\"error\":\"unavailable\"}"));
      op.success().forEach(server::enqueue);
      return (o, result, error, run) -> {
        if (o.idempotent()) {
          assertThat(error).as("error").isNull();
          assertThat(result).isEqualTo(o.expected());
          assertThat(run.server().getRequestCount()).isEqualTo(o.before().size() + 3);
        } else {
          assertClearRemoteError(error, run, 503);
          assertThat(error).hasMessageContaining("after 1 attempt(s)");
          assertThat(run.server().getRequestCount()).as("requests sent").isEqualTo(o.before().size() + 1);
        }
      };
    });
    faults.put("a 500 storm longer than the retries", (server, elsewhere, op) -> {
      for (int i = 0; i < ATTEMPTS + 2; i++) {
        server.enqueue(json(500, "{\"error\":\"internal\"}"));
      }
      return (o, result, error, run) -> {
        assertClearRemoteError(error, run, 500);
        assertThat(error).hasMessageContaining("after %d attempt(s)".formatted(o.idempotent() ? ATTEMPTS : 1));
        assertThat(run.server().getRequestCount()).isEqualTo(o.before().size() + (o.idempotent() ? ATTEMPTS : 1));
      };
    });
    faults.put("a 429 with Retry-After", (server, elsewhere, op) -> {
      server.enqueue(json(429, "{\"error\":\"slow down\"}").setHeader("Retry-After", "1"));
      op.success().forEach(server::enqueue);
      return (o, result, error, run) -> {
        assertThat(error).as("error").isNull();
        assertThat(result).isEqualTo(o.expected());
        assertThat(run.sleeps()).contains(Duration.ofSeconds(1));
      };
    });
    faults.put("a body slower than the deadline", (server, elsewhere, op) -> {
      for (int i = 0; i < ATTEMPTS; i++) {
        server.enqueue(json(200, "{\"padding\":\"" + "x".repeat(4_000) + "\"}").throttleBody(64, 1, TimeUnit.SECONDS));
      }
      return (o, result, error, run) -> {
        assertThat(error).isInstanceOf(DrTimeoutException.class)
            .hasMessageContaining(endpoint(run.server())).hasMessageContaining(DEADLINE.toString());
      };
    });
    faults.put("a body cut off mid-way", (server, elsewhere, op) -> {
      server.enqueue(json(200, "{\"padding\":\"" + "x".repeat(64_000) + "\"}")
          .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));
      op.success().forEach(server::enqueue);
      return (o, result, error, run) -> {
        if (o.idempotent()) {
          assertThat(error).as("error").isNull();
          assertThat(result).isEqualTo(o.expected());
        } else {
          assertThat(error).isInstanceOf(RemoteServiceException.class)
              .hasMessageContaining(endpoint(run.server())).hasMessageContaining("may have been applied");
          assertThat(run.server().getRequestCount()).isEqualTo(o.before().size() + 1);
        }
      };
    });
    faults.put("malformed JSON", (server, elsewhere, op) -> {
      server.enqueue(json(200, "{\"state\":\"RUNN"));
      return (o, result, error, run) -> {
        assertThat(error).isInstanceOf(RemoteServiceException.class)
            .hasMessageContaining(endpoint(run.server())).hasMessageContaining("not valid JSON");
      };
    });
    faults.put("a redirect to another host", (server, elsewhere, op) -> {
      server.enqueue(new MockResponse().setResponseCode(307)
          .setHeader("Location", "http://127.0.0.2:" + elsewhere.getPort() + "/elsewhere"));
      op.success().forEach(elsewhere::enqueue);
      return (o, result, error, run) -> {
        assertThat(error).isInstanceOf(RemoteServiceException.class)
            .hasMessageContaining(endpoint(run.server())).hasMessageContaining("another host");
        assertThat(run.elsewhere().getRequestCount()).as("requests to the other host").isZero();
      };
    });
    return faults;
  }

  private static void assertClearRemoteError(Throwable error, Run run, int status) {
    assertThat(error).isInstanceOfSatisfying(RemoteServiceException.class, e -> {
      assertThat(e.statusCode()).isEqualTo(status);
      assertThat(e.getMessage()).contains(endpoint(run.server())).contains("returned " + status);
    });
  }

  private static String endpoint(MockWebServer server) {
    return server.getHostName() + ":" + server.getPort();
  }

  private void run(int index, Fault fault) throws Exception {
    List<Duration> sleeps = new CopyOnWriteArrayList<>();
    try (MockWebServer server = new MockWebServer(); MockWebServer elsewhere = new MockWebServer()) {
      server.start();
      elsewhere.start();
      RestEndpoint endpoint = RestEndpoint.builder(server.url(basePath()).toString())
          .callTimeout(DEADLINE)
          .retry(RetryPolicy.builder().maxAttempts(ATTEMPTS).initialBackoff(Duration.ofMillis(5)).build())
          .sleeper(sleeps::add)
          .build();
      Operation op = operations(endpoint).get(index);
      op.before().forEach(server::enqueue);
      Check check = fault.arm(server, elsewhere, op);
      Object[] result = new Object[1];
      Throwable error = catchThrowable(() -> result[0] = op.call().call());
      check.verify(op, result[0], error, new Run(server, elsewhere, sleeps));
    }
  }
}
