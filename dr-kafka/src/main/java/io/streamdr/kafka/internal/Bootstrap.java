package io.streamdr.kafka.internal;

import io.streamdr.core.DrException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.UnreachableException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A quick look at a cluster's bootstrap addresses before a client is built: a Kafka client that cannot connect retries
 * until its API timeout (a minute) and then says only that metadata did not arrive. This resolves each address and
 * opens a TCP connection to it; if none answers, it fails at once naming every address and why (DNS, refused, no
 * route, no answer). TLS and authentication failures surface from the client itself, within seconds.
 */
public final class Bootstrap {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private Bootstrap() {}

  /**
   * @param clientConfig Kafka client settings with {@code bootstrap.servers}
   * @param what         what the cluster is for, in the message (e.g. "the restore's target cluster")
   * @throws DrException naming the addresses (never credentials) and the causes if no address accepts a connection
   */
  public static void check(Map<String, Object> clientConfig, String what) {
    Object servers = clientConfig.get("bootstrap.servers");
    if (servers == null) {
      return; // the client's own validation names the missing setting
    }
    List<String> failures = new ArrayList<>();
    List<String> addresses = servers instanceof List<?> l ? l.stream().map(String::valueOf).toList()
        : List.of(String.valueOf(servers).split(","));
    for (String raw : addresses) {
      String address = raw.trim();
      if (address.isEmpty()) {
        continue;
      }
      String hostPort = address.contains("://") ? address.substring(address.indexOf("://") + 3) : address;
      int colon = hostPort.lastIndexOf(':');
      if (colon <= 0) {
        failures.add(address + ": not host:port");
        continue;
      }
      String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
      int port;
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        failures.add(address + ": the port is not a number");
        continue;
      }
      String failure = connect(host, port);
      if (failure == null) {
        return; // one address answers: the client takes it from there
      }
      failures.add(hostPort + ": " + failure);
    }
    if (!failures.isEmpty()) {
      throw new UnreachableException(ResourceType.CLUSTER, String.valueOf(servers), "Cannot reach %s at %s (%s); check the bootstrap address and that the brokers are up"
          .formatted(what, servers, String.join("; ", failures)), null);
    }
  }

  private static String connect(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), (int) CONNECT_TIMEOUT.toMillis());
      return null;
    } catch (UnknownHostException e) {
      return "the host name does not resolve (DNS)";
    } catch (SocketTimeoutException e) {
      return "no answer within " + CONNECT_TIMEOUT.toSeconds() + " s (a firewall or a wrong address)";
    } catch (NoRouteToHostException e) {
      return "no route to the host";
    } catch (ConnectException e) {
      return "connection refused (nothing listens on that port)";
    } catch (IOException | IllegalArgumentException e) {
      return e.getMessage();
    }
  }
}
