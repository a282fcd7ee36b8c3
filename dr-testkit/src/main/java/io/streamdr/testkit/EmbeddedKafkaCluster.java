package io.streamdr.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real KRaft Kafka cluster in this JVM, from Kafka's own test kit. One broker runs as a combined broker and
 * controller; more brokers get one dedicated controller. Listeners are on loopback ephemeral ports that stay the
 * same across restarts, so clients keep their bootstrap address through a {@link #stop()} / {@link #restart()}
 * (a region outage) or a single broker's {@link #stopBroker(int)} / {@link #startBroker(int)}.
 */
public final class EmbeddedKafkaCluster extends EmbeddedComponent {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
  /** The listener other regions use when the cluster is built {@link Builder#remoteThroughFaultProxies()}. */
  private static final String REMOTE = "REMOTE";
  private final String name;
  private final int brokers;
  private final Map<String, String> brokerProperties;
  private final boolean behindFaultProxies;
  private final boolean remoteThroughFaultProxies;
  private String remoteBootstrap;
  private final Map<Integer, FaultProxy> faultProxies = new TreeMap<>();
  private KafkaClusterTestKit kit;
  private String bootstrap;
  private final Set<Integer> stoppedBrokers = new TreeSet<>();
  private boolean down;

  private EmbeddedKafkaCluster(Builder b) {
    this.name = b.name;
    this.brokers = b.brokers;
    this.brokerProperties = Map.copyOf(b.properties);
    this.behindFaultProxies = b.behindFaultProxies;
    this.remoteThroughFaultProxies = b.remoteThroughFaultProxies;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  protected String name() {
    return "Kafka cluster '" + name + "'";
  }

  /** The name given at build time (a region name, for example). */
  public String clusterName() {
    return name;
  }

  @Override
  protected void doStart() throws Exception {
    long t0 = System.nanoTime();
    Map<Integer, Integer> proxyPorts = new TreeMap<>();
    Map<Integer, Integer> remotePorts = new TreeMap<>();
    Map<Integer, Map<String, String>> perBroker = new HashMap<>();
    if (behindFaultProxies || remoteThroughFaultProxies) { // the test kit numbers brokers from 0
      for (int id = 0; id < brokers; id++) {
        proxyPorts.put(id, FaultProxy.freePort());
        if (remoteThroughFaultProxies) {
          remotePorts.put(id, FaultProxy.freePort());
        }
      }
    }
    TestKitNodes.Builder nodesBuilder = new TestKitNodes.Builder()
        .setCombined(brokers == 1)
        .setNumBrokerNodes(brokers)
        .setNumControllerNodes(1);
    TestKitNodes defaults = nodesBuilder.build();
    String listener = defaults.brokerListenerName().value();
    String controller = defaults.controllerListenerName().value();
    proxyPorts.forEach((id, port) -> perBroker.put(id, remoteThroughFaultProxies
        // local clients on the usual listener; other regions on REMOTE, advertised through the proxy (port 0: the bound one)
        ? Map.of("listeners", listener + "://localhost:0," + REMOTE + "://localhost:" + remotePorts.get(id)
                + (brokers == 1 ? "," + controller + "://localhost:0" : ""),
            "advertised.listeners", listener + "://localhost:0," + REMOTE + "://127.0.0.1:" + port)
        : Map.of("advertised.listeners", listener + "://127.0.0.1:" + port)));
    TestKitNodes nodes = nodesBuilder.setPerServerProperties(perBroker).build();
    KafkaClusterTestKit.Builder b = new KafkaClusterTestKit.Builder(nodes);
    String rf = String.valueOf(Math.min(brokers, 3));
    b.setConfigProp("offsets.topic.replication.factor", rf);
    b.setConfigProp("offsets.topic.num.partitions", "5");
    b.setConfigProp("transaction.state.log.replication.factor", rf);
    b.setConfigProp("transaction.state.log.min.isr", "1");
    b.setConfigProp("transaction.state.log.num.partitions", "5");
    b.setConfigProp("default.replication.factor", rf);
    b.setConfigProp("group.initial.rebalance.delay.ms", "0");
    b.setConfigProp("auto.create.topics.enable", "false");
    b.setConfigProp("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
    if (remoteThroughFaultProxies) {
      b.setConfigProp("listener.security.protocol.map", listener + ":PLAINTEXT," + controller + ":PLAINTEXT," + REMOTE + ":PLAINTEXT");
    }
    brokerProperties.forEach(b::setConfigProp);
    kit = b.build();
    kit.format();
    kit.startup();
    for (var entry : proxyPorts.entrySet()) {
      int brokerPort = remoteThroughFaultProxies ? remotePorts.get(entry.getKey())
          : kit.brokers().get(entry.getKey()).boundPort(org.apache.kafka.common.network.ListenerName.normalised(listener));
      faultProxies.put(entry.getKey(), FaultProxy.on(name + "-broker-" + entry.getKey(), entry.getValue(),
          new java.net.InetSocketAddress("localhost", brokerPort)));
    }
    kit.waitForReadyBrokers();
    String proxied = String.join(",", faultProxies.values().stream().map(FaultProxy::address).toList());
    bootstrap = behindFaultProxies ? proxied : kit.bootstrapServers();
    remoteBootstrap = remoteThroughFaultProxies ? proxied : bootstrap;
    LOG.info("Kafka cluster '{}' ({} broker(s), id {}) up at {} in {} ms", name, brokers, nodes.clusterId(), bootstrap,
        (System.nanoTime() - t0) / 1_000_000);
  }

  @Override
  protected void doClose() throws Exception {
    if (kit != null) {
      kit.close(); // also deletes the cluster's data directories
    }
    faultProxies.values().forEach(FaultProxy::close);
  }

  /**
   * The fault proxy in front of each broker, by broker id, when built {@link Builder#behindFaultProxies()} (a fault on
   * all of them is one between every client and the cluster) or {@link Builder#remoteThroughFaultProxies()} (between
   * the other regions and this one).
   */
  public Map<Integer, FaultProxy> faultProxies() {
    requireStarted();
    if (!behindFaultProxies && !remoteThroughFaultProxies) {
      throw new IllegalStateException(name() + " was built without fault proxies; use behindFaultProxies() or remoteThroughFaultProxies()");
    }
    return java.util.Collections.unmodifiableMap(faultProxies);
  }

  /** Applies a fault to the proxy of every broker, e.g. {@code network(FaultProxy::blackHole)}. */
  public void network(java.util.function.Consumer<FaultProxy> fault) {
    faultProxies().values().forEach(fault);
  }

  /** How many brokers the cluster has (stopped ones included). */
  public int brokerCount() {
    return brokers;
  }

  /**
   * Where another region's clients (MirrorMaker 2, a monitor elsewhere) connect: through the fault proxies when built
   * {@link Builder#remoteThroughFaultProxies()}, else {@link #bootstrapServers()}.
   */
  public String remoteBootstrapServers() {
    requireStarted();
    return remoteBootstrap;
  }

  /** Bootstrap servers (loopback), stable for the cluster's lifetime. */
  public String bootstrapServers() {
    requireStarted();
    return bootstrap;
  }

  /** The KRaft cluster id. */
  public String clusterId() {
    requireStarted();
    return kit.nodes().clusterId();
  }

  /** Client configuration with the bootstrap servers; add your own settings to a copy. */
  public Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    return config;
  }

  /** A new Admin client; close it. */
  public Admin admin() {
    Map<String, Object> config = clientConfig();
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    return Admin.create(config);
  }

  /** Creates a topic and waits until every partition's leader serves it, so producers can write at once. */
  public void createTopic(String topic, int partitions, int replicationFactor, Map<String, String> configs) {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) replicationFactor).configs(configs)))
          .all().get(30, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (true) {
        try {
          var description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
          if (description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
            // the metadata cache can name a leader before that broker's replica manager serves the partition;
            // ListOffsets is answered by the replica manager, so it succeeds only once the leader is really there
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
            description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()),
                org.apache.kafka.clients.admin.OffsetSpec.latest()));
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
            return;
          }
        } catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.RetriableException)) {
            throw e;
          }
          // the new topic's metadata or leadership has not reached the broker yet
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("Partitions of topic '" + topic + "' have no leader after 30 s");
        }
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
      }
    } catch (Exception e) {
      throw new IllegalStateException("Could not create topic '" + topic + "' on " + name() + ": " + e.getMessage(), e);
    }
  }

  /** Creates a topic with replication factor min(brokers, 3) and no extra configs. */
  public void createTopic(String topic, int partitions) {
    createTopic(topic, partitions, Math.min(brokers, 3), Map.of());
  }

  /**
   * Reads a topic from the beginning (all partitions, read_committed) until at least {@code atLeast} records arrived
   * or the timeout passed; returns what it read, in partition-then-offset order per partition poll.
   */
  public List<ConsumerRecord<String, String>> read(String topic, int atLeast, Duration timeout) {
    Map<String, Object> config = clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      long deadline = System.nanoTime() + timeout.toNanos();
      List<TopicPartition> partitions = List.of();
      while (partitions.isEmpty()) { // the topic may not exist yet, e.g. before replication creates it
        partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
            .map(p -> new TopicPartition(topic, p.partition())).toList();
        if (partitions.isEmpty()) {
          if (System.nanoTime() > deadline) {
            return out;
          }
          java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (out.size() < atLeast && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  /** Produces records with acks=all and waits for every acknowledgement. */
  public void produce(String topic, Map<String, String> keyValues) {
    Map<String, Object> config = clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
      List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
      keyValues.forEach((k, v) -> acks.add(producer.send(new ProducerRecord<>(topic, k, v))));
      for (var ack : acks) {
        ack.get(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new IllegalStateException("Producing to '" + topic + "' on " + name() + " failed: " + e.getMessage(), e);
    }
  }

  /** Ids of the broker nodes. */
  public Set<Integer> brokerIds() {
    requireStarted();
    return new TreeSet<>(kit.brokers().keySet());
  }

  /** Shuts one broker down (a broker failure); its data stays for {@link #startBroker(int)}. */
  public synchronized void stopBroker(int id) {
    var broker = broker(id);
    broker.shutdown();
    broker.awaitShutdown();
    stoppedBrokers.add(id);
    LOG.info("Kafka cluster '{}': broker {} stopped", name, id);
  }

  /** Whether a broker was stopped with {@link #stopBroker} and not started again. */
  public synchronized boolean isBrokerStopped(int id) {
    return stoppedBrokers.contains(id);
  }

  /** Starts a stopped broker again, on the same port with the same data. */
  public synchronized void startBroker(int id) {
    broker(id).startup();
    stoppedBrokers.remove(id);
    LOG.info("Kafka cluster '{}': broker {} started", name, id);
  }

  private kafka.server.BrokerServer broker(int id) {
    requireStarted();
    var broker = kit.brokers().get(id);
    if (broker == null) {
      throw new IllegalArgumentException("No broker " + id + " in " + name() + "; brokers are " + kit.brokers().keySet());
    }
    return broker;
  }

  /** Stops every broker and controller: the region's cluster is unreachable, its data kept. */
  public synchronized void stop() {
    requireStarted();
    long t0 = System.nanoTime();
    kit.brokers().forEach((id, b) -> {
      if (!stoppedBrokers.contains(id)) {
        b.shutdown();
      }
    });
    kit.brokers().forEach((id, b) -> b.awaitShutdown());
    kit.controllers().values().forEach(c -> c.shutdown());
    kit.controllers().values().forEach(c -> c.awaitShutdown());
    down = true;
    LOG.info("Kafka cluster '{}' stopped (outage) in {} ms", name, (System.nanoTime() - t0) / 1_000_000);
  }

  /** Brings a {@link #stop() stopped} cluster back with its data, on the same addresses. */
  public synchronized void restart() {
    requireStarted();
    long t0 = System.nanoTime();
    kit.controllers().values().forEach(c -> c.startup());
    kit.brokers().values().forEach(b -> b.startup());
    try {
      kit.waitForReadyBrokers();
    } catch (Exception e) {
      throw new IllegalStateException("Brokers of " + name() + " did not become ready after restart", e);
    }
    stoppedBrokers.clear();
    down = false;
    LOG.info("Kafka cluster '{}' restarted in {} ms", name, (System.nanoTime() - t0) / 1_000_000);
  }

  /** Whether the whole cluster is stopped. */
  public synchronized boolean isDown() {
    return down;
  }

  /** Builder for {@link EmbeddedKafkaCluster}. */
  public static final class Builder {
    private String name = "kafka";
    private int brokers = 1;
    private final Map<String, String> properties = new HashMap<>();
    private boolean behindFaultProxies;
    private boolean remoteThroughFaultProxies;

    private Builder() {}

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder brokers(int brokers) {
      if (brokers < 1) {
        throw new IllegalArgumentException("A cluster needs at least one broker, got " + brokers);
      }
      this.brokers = brokers;
      return this;
    }

    /**
     * Puts a {@link FaultProxy} in front of every broker, which advertises the proxy's address: every client, and
     * every broker replicating from another, connects through it, so {@link #network} faults cannot be gone around.
     */
    public Builder behindFaultProxies() {
      this.behindFaultProxies = true;
      return this;
    }

    /**
     * Gives every broker a second listener for other regions, advertised through a {@link FaultProxy}: local clients
     * ({@link #bootstrapServers()}) connect directly, other regions ({@link #remoteBootstrapServers()}, e.g.
     * MirrorMaker 2) through the proxies, so {@link #network} faults cut one region off from another while each stays up.
     */
    public Builder remoteThroughFaultProxies() {
      this.remoteThroughFaultProxies = true;
      return this;
    }

    /** A broker (and controller) configuration property. */
    public Builder brokerProperty(String key, String value) {
      properties.put(key, value);
      return this;
    }

    public EmbeddedKafkaCluster build() {
      return new EmbeddedKafkaCluster(this);
    }
  }

  @Override
  public String toString() {
    return "EmbeddedKafkaCluster[" + name + ", brokers=" + brokers + (bootstrap == null ? "" : ", " + bootstrap) + "]";
  }
}
