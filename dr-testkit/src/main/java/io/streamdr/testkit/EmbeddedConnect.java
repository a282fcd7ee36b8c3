package io.streamdr.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A distributed Kafka Connect worker in this JVM with its REST API on a loopback ephemeral port. Plugins are found
 * on the classpath with {@code plugin.discovery=service_load}: the file connectors, MirrorMaker's connectors and
 * Debezium's PostgreSQL connector are all there. JSON converters without schemas; offsets flushed every second.
 */
public final class EmbeddedConnect extends EmbeddedComponent {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedConnect.class);
  private final EmbeddedKafkaCluster kafka;
  private final String groupId;
  private final Map<String, String> extra;
  private Connect<DistributedHerder> connect;
  private URI restUrl;
  private volatile boolean graceful = true;

  private EmbeddedConnect(EmbeddedKafkaCluster kafka, String groupId, Map<String, String> extra) {
    this.kafka = kafka;
    this.groupId = groupId;
    this.extra = Map.copyOf(extra);
  }

  /** A worker of group {@code groupId} on the cluster; its internal topics are named after the group. */
  public static EmbeddedConnect on(EmbeddedKafkaCluster kafka, String groupId) {
    return new EmbeddedConnect(kafka, groupId, Map.of());
  }

  /** The same with extra worker properties. */
  public static EmbeddedConnect on(EmbeddedKafkaCluster kafka, String groupId, Map<String, String> workerProperties) {
    return new EmbeddedConnect(kafka, groupId, workerProperties);
  }

  @Override
  protected String name() {
    return "Connect worker '" + groupId + "'";
  }

  /** The worker configuration. */
  public Map<String, String> workerConfig() {
    Map<String, String> w = new HashMap<>();
    w.put("bootstrap.servers", kafka.bootstrapServers());
    w.put("group.id", groupId);
    w.put("config.storage.topic", groupId + "-configs");
    w.put("offset.storage.topic", groupId + "-offsets");
    w.put("status.storage.topic", groupId + "-status");
    String rf = String.valueOf(Math.min(3, kafka.brokerCount())); // survives a broker failure where there are brokers to spare
    w.put("config.storage.replication.factor", rf);
    w.put("offset.storage.replication.factor", rf);
    w.put("status.storage.replication.factor", rf);
    w.put("offset.storage.partitions", "5");
    // Debezium's PostgreSQL task takes more than Connect's default 5 s to stop; within it, it stops cleanly
    w.put("task.shutdown.graceful.timeout.ms", "20000");
    w.put("status.storage.partitions", "1");
    w.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
    w.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    w.put("key.converter.schemas.enable", "false");
    w.put("value.converter.schemas.enable", "false");
    w.put("listeners", "http://127.0.0.1:0");
    w.put("rest.advertised.host.name", "127.0.0.1");
    w.put("offset.flush.interval.ms", "1000");
    w.put("scheduled.rebalance.max.delay.ms", "0");
    w.put("plugin.discovery", "service_load");
    w.putAll(extra);
    return w;
  }

  @Override
  protected void doStart() throws Exception {
    long t0 = System.nanoTime();
    connect = new ConnectDistributed().startConnect(workerConfig());
    restUrl = URI.create(connect.rest().serverUrl().toString().replaceAll("/$", ""));
    awaitRest(Duration.ofSeconds(60));
    LOG.info("Connect worker '{}' ready at {} in {} ms", groupId, restUrl, (System.nanoTime() - t0) / 1_000_000);
  }

  private void awaitRest(Duration timeout) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(restUrl.resolve("/connectors"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        last = e;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
    throw new IllegalStateException("Connect REST API at " + restUrl + " not ready within " + timeout, last);
  }

  /** Base URL of the REST API, e.g. {@code http://127.0.0.1:41234}. */
  public URI restUrl() {
    requireStarted();
    return restUrl;
  }

  public String groupId() {
    return groupId;
  }

  /**
   * A new worker of the same group on the same cluster, listening on this one's REST port: the worker of a region
   * that comes back after this one was closed. It rejoins the group and resumes the connectors its config topic
   * holds, as a real worker does. Not started.
   */
  public EmbeddedConnect again() {
    if (restUrl == null) {
      throw new IllegalStateException("Connect worker '" + groupId + "' never started; there is nothing to bring back");
    }
    Map<String, String> w = new HashMap<>(extra);
    w.put("listeners", "http://127.0.0.1:" + restUrl.getPort());
    return new EmbeddedConnect(kafka, groupId, w);
  }

  public EmbeddedKafkaCluster kafka() {
    return kafka;
  }

  /**
   * Stops the worker as a crash or a region outage does: its connectors are not stopped first, so the target states
   * in its config topic stay as they were and a worker of the same group that comes back ({@link #again()}) resumes
   * them. Their tasks may log failures as the worker goes. Like {@link #close()} otherwise.
   */
  public void kill() {
    graceful = false;
    close();
  }

  @Override
  protected void doClose() {
    if (connect != null) {
      if (graceful) {
        stopConnectors(Duration.ofSeconds(15));
      }
      connect.stop();
      connect.awaitStop();
    }
  }

  /**
   * Stops every connector through the REST API and waits until they report STOPPED, so their tasks end cleanly
   * before the worker goes: stopping the worker under running tasks makes them fail on offset readers it has already
   * closed. Best effort within {@code timeout}: a worker whose Kafka cluster is down is stopped as it is.
   */
  private void stopConnectors(Duration timeout) {
    if (restUrl == null) {
      return;
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      String list = http.send(HttpRequest.newBuilder(restUrl.resolve("/connectors")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      java.util.List<String> names = java.util.regex.Pattern.compile("\"([^\"]+)\"").matcher(list).results()
          .map(m -> m.group(1)).toList();
      for (String name : names) {
        http.send(HttpRequest.newBuilder(restUrl.resolve("/connectors/" + name + "/stop")).timeout(Duration.ofSeconds(5))
            .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
      }
      for (String name : names) {
        while (System.nanoTime() < deadline) {
          String status = http.send(HttpRequest.newBuilder(restUrl.resolve("/connectors/" + name + "/status"))
              .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
          if (status.contains("\"STOPPED\"") && !status.contains("\"RUNNING\"")) {
            break;
          }
          java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.debug("Could not stop the connectors of '{}' before stopping it: {}", groupId, e.toString());
    }
  }
}
