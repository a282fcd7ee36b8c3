package io.streamdr.kafka.internal;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.DrException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BootstrapTest {
  @Test
  void addresses_that_do_not_answer_are_each_named_with_their_cause() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort(); // free once closed: nothing listens there
    }
    String servers = "127.0.0.1:" + closed + ",no-such-broker.invalid:9092";
    assertThatThrownBy(() -> Bootstrap.check(Map.of("bootstrap.servers", servers), "the test cluster"))
        .isInstanceOf(DrException.class)
        .hasMessageContaining("Cannot reach the test cluster at " + servers)
        .hasMessageContaining("127.0.0.1:" + closed + ": connection refused")
        .hasMessageContaining("no-such-broker.invalid:9092: the host name does not resolve (DNS)")
        .hasMessageContaining("check the bootstrap address");
  }

  @Test
  void one_address_that_answers_is_enough_and_a_protocol_prefix_is_understood() throws Exception {
    try (ServerSocket listening = new ServerSocket(0)) {
      assertThatCode(() -> Bootstrap.check(Map.of("bootstrap.servers",
          "no-such-broker.invalid:9092, SASL_SSL://127.0.0.1:" + listening.getLocalPort()), "the test cluster")).doesNotThrowAnyException();
    }
  }

  @Test
  void a_malformed_address_is_named() {
    assertThatThrownBy(() -> Bootstrap.check(Map.of("bootstrap.servers", "broker-without-port"), "the test cluster"))
        .hasMessageContaining("broker-without-port: not host:port");
  }
}
