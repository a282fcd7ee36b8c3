package io.streamdr.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.RetryPolicy;
import io.streamdr.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConnectRestAdminTest {
  private final MockWebServer server = new MockWebServer();

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  @Test
  void a_connector_connect_accepted_but_never_shows_times_out_on_the_admins_clock_with_growing_pauses() throws Exception {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return "POST".equals(request.getMethod()) ? new MockResponse().setResponseCode(201).setBody("{}")
            : new MockResponse().setResponseCode(404).setBody("{\"error_code\":404,\"message\":\"Connector orders-cdc not found\"}");
      }
    });
    server.start();
    MutableClock clock = new MutableClock(Instant.parse("2026-12-02T07:00:00Z"));
    List<Duration> pauses = new ArrayList<>();
    RestEndpoint rest = RestEndpoint.builder(server.url("/").toString()).retry(RetryPolicy.none()).build();
    ConnectRestAdmin admin = new ConnectRestAdmin(rest, clock, d -> {
      pauses.add(d);
      clock.advance(d);
    });
    assertThatThrownBy(() -> admin.apply(ConnectorSpec.of("orders-cdc", Map.of("connector.class", "FileStreamSource"))
        .withInitialState(ConnectorState.STOPPED)))
        .isInstanceOf(DrTimeoutException.class)
        .hasMessageContaining("Connector 'orders-cdc' was accepted by").hasMessageContaining("is not visible after PT30S");
    assertThat(pauses).startsWith(Duration.ofMillis(20), Duration.ofMillis(40), Duration.ofMillis(80))
        .endsWith(Duration.ofMillis(500)).allSatisfy(p -> assertThat(p).isLessThanOrEqualTo(Duration.ofMillis(500)));
    assertThat(pauses.stream().reduce(Duration.ZERO, Duration::plus)).as("waited on the clock, past the 30 s")
        .isGreaterThan(Duration.ofSeconds(30)).isLessThan(Duration.ofSeconds(31));
  }
}
