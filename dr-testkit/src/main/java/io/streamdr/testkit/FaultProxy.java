package io.streamdr.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.netcrusher.core.reactor.NioReactor;
import org.netcrusher.core.throttle.Throttler;
import org.netcrusher.tcp.TcpCrusher;
import org.netcrusher.tcp.TcpCrusherBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy in this JVM (netcrusher) between clients and one server, that injects network faults on demand:
 * added latency, a bandwidth limit, a black hole (connections hang without a reset), connection resets, and a cut
 * (connections refused). Put it in front of a broker with {@link EmbeddedKafkaCluster.Builder#behindFaultProxies()}
 * (the broker advertises the proxy, so clients cannot go around it) or of any REST endpoint with {@link #to}.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.to("connect", connect.restUrl())) {
 *   proxy.blackHole();          // calls through proxy.url() now hang until their deadline
 *   proxy.heal();
 * }
 * }</pre>
 *
 * Thread-safe: faults may be switched while traffic flows.
 */
public final class FaultProxy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);
  private final String name;
  private final NioReactor reactor;
  private final TcpCrusher crusher;
  private final int port;
  private volatile long latencyNanos;
  private volatile long bytesPerSecond;
  private final java.io.ByteArrayOutputStream traffic = new java.io.ByteArrayOutputStream();
  private volatile boolean recording;

  private FaultProxy(String name, int port, InetSocketAddress target) {
    this.name = name;
    this.port = port;
    try {
      this.reactor = new NioReactor(5);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start the network reactor of fault proxy '" + name + "'", e);
    }
    Throttler throttle = this::delayNanos;
    org.netcrusher.core.filter.TransformFilter tap = this::tap;
    this.crusher = TcpCrusherBuilder.builder()
        .withReactor(reactor)
        .withBindAddress("127.0.0.1", port)
        .withConnectAddress(target)
        .withLingerMs(0) // a closed connection is a reset, as when a middlebox drops it
        .withTcpNoDelay(true)
        .withIncomingThrottlerFactory(address -> throttle)
        .withOutgoingThrottlerFactory(address -> throttle)
        .withIncomingTransformFilterFactory(address -> tap)
        .withOutgoingTransformFilterFactory(address -> tap)
        .buildAndOpen();
    LOG.info("Fault proxy '{}' on 127.0.0.1:{} forwarding to {}", name, port, target);
  }

  /** A proxy on a free loopback port forwarding to {@code host:port}. */
  public static FaultProxy to(String name, String host, int port) {
    return new FaultProxy(name, freePort(), new InetSocketAddress(host, port));
  }

  /** A proxy in front of an {@code http://host:port/...} URL; {@link #url(String)} gives the proxied URL. */
  public static FaultProxy to(String name, String url) {
    java.net.URI uri = java.net.URI.create(url);
    return to(name, uri.getHost(), uri.getPort());
  }

  /** A proxy on a given port (one a broker already advertises) forwarding to {@code target}. */
  static FaultProxy on(String name, int port, InetSocketAddress target) {
    return new FaultProxy(name, port, target);
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("No free loopback port for a fault proxy", e);
    }
  }

  private long delayNanos(ByteBuffer chunk) {
    long delay = latencyNanos;
    long rate = bytesPerSecond;
    if (rate > 0) {
      delay += chunk.remaining() * 1_000_000_000L / rate;
    }
    return delay;
  }

  private void tap(ByteBuffer chunk) {
    if (recording) {
      byte[] bytes = new byte[chunk.remaining()];
      chunk.duplicate().get(bytes);
      synchronized (traffic) {
        traffic.write(bytes, 0, bytes.length);
      }
    }
  }

  /** Records every byte that passes through, both ways, from now on (to scan requests for secrets, say). */
  public FaultProxy record() {
    recording = true;
    return this;
  }

  /** What {@link #record()} captured so far, as ISO-8859-1 text (bytes kept one to one). */
  public String recorded() {
    synchronized (traffic) {
      return traffic.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }

  /** The proxy's address, {@code 127.0.0.1:port}. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** {@code url} with its host and port replaced by the proxy's (for REST endpoints). */
  public String url(String url) {
    java.net.URI uri = java.net.URI.create(url);
    return uri.getScheme() + "://" + address() + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }

  /** Delays every chunk of data in each direction by {@code oneWay} (zero removes the latency). */
  public FaultProxy latency(Duration oneWay) {
    latencyNanos = oneWay.toNanos();
    LOG.info("Fault proxy '{}': latency {} each way", name, oneWay);
    return this;
  }

  /** Limits each direction of each connection to about {@code bytesPerSecond} (0 removes the limit). */
  public FaultProxy bandwidth(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
    LOG.info("Fault proxy '{}': bandwidth {} B/s", name, bytesPerSecond);
    return this;
  }

  /**
   * Black hole: open connections stop carrying data and new ones are left waiting in the accept queue, without a
   * reset; a client notices only through its own timeouts.
   */
  public FaultProxy blackHole() {
    if (!crusher.isFrozen()) {
      crusher.freeze();
    }
    LOG.info("Fault proxy '{}': black hole", name);
    return this;
  }

  /** Resets every open connection now; new connections are accepted. */
  public FaultProxy resetConnections() {
    crusher.closeAllPairs();
    LOG.info("Fault proxy '{}': connections reset", name);
    return this;
  }

  /** Cut: every open connection reset and new ones refused, as if the server's host were gone. */
  public FaultProxy cut() {
    if (crusher.isOpen()) {
      crusher.close();
    }
    LOG.info("Fault proxy '{}': cut", name);
    return this;
  }

  /** Back to a healthy network: no latency or limit, data flowing, connections accepted. */
  public FaultProxy heal() {
    latencyNanos = 0;
    bytesPerSecond = 0;
    if (!crusher.isOpen()) {
      crusher.open();
    }
    if (crusher.isFrozen()) {
      crusher.unfreeze();
    }
    LOG.info("Fault proxy '{}': healed", name);
    return this;
  }

  @Override
  public void close() {
    if (crusher.isOpen()) {
      crusher.close();
    }
    reactor.close();
  }

  @Override
  public String toString() {
    return "FaultProxy[" + name + ", " + address() + " -> " + crusher.getConnectAddress() + "]";
  }
}
