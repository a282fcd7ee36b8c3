package io.streamdr.testkit;

import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.testkit.flink.ChangeEventText;
import io.streamdr.testkit.flink.RoutingJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.api.common.JobID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * the DR guide's whole architecture in one JVM: regions {@code us-east-1} (primary) and {@code us-west-2}, each with its
 * own Kafka cluster, Connect worker and Flink MiniCluster; PostgreSQL → Debezium (on the primary's Connect) →
 * {@code raw-business-events} → the routing job (on the primary's Flink) → {@code filtered-loan|service|car-events};
 * MirrorMaker 2 replicating the primary's business topics and consumer groups to the secondary. {@link #topology()}
 * describes it for the library. With {@link Builder#schemaRegistries(boolean)} each region also has a Schema Registry,
 * Debezium writes its change events in Avro through the primary's (Confluent's wire format), and the routing job decodes
 * them against the registry of the region it runs in; the secondary's registry holds only what is restored into it.
 *
 * <pre>{@code
 * try (EmbeddedRegionPair stack = EmbeddedRegionPair.builder().build()) {
 *   stack.start();
 *   stack.insertEvent("loan", 42, "1000.00");
 *   // ... a change event reaches filtered-loan-events in us-east-1, and us-east-1.filtered-loan-events in us-west-2
 * }
 * }</pre>
 */
public final class EmbeddedRegionPair extends EmbeddedComponent {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRegionPair.class);
  public static final String PRIMARY = "us-east-1";
  public static final String SECONDARY = "us-west-2";
  public static final String TABLE = "public.business_events";
  public static final String CONNECTOR = "pg-business-events";
  public static final String SLOT = "streamdr_business_events";
  /** The topic an application writes itself (not through CDC), replicated like the rest. */
  public static final String APP_TOPIC = "orders";
  /** Topics of the business flow, all replicated to the secondary. */
  public static final List<String> TOPICS = List.of(RoutingJob.SOURCE_TOPIC, RoutingJob.filteredTopic("loan"),
      RoutingJob.filteredTopic("service"), RoutingJob.filteredTopic("car"), APP_TOPIC);
  public static final int PARTITIONS = 3;

  /** The infrastructure of one region; {@code registry} is empty unless the stack was built with Schema Registries. */
  public record RegionStack(String name, EmbeddedKafkaCluster kafka, EmbeddedConnect connect, EmbeddedFlink flink,
      java.util.Optional<EmbeddedSchemaRegistry> registry) {

    /** How the change events in this region's topics read: Avro against its registry, or JSON without one. */
    public ChangeEventText changeEvents() {
      return registry.map(r -> ChangeEventText.withRegistry(r.url().toString())).orElse(ChangeEventText.json());
    }
  }

  private final EmbeddedMirrorMaker.Policy policy;
  private final int primaryBrokers;
  private final int secondaryBrokers;
  private final boolean schemaRegistries;
  private EmbeddedSchemaRegistry eastRegistry;
  private EmbeddedSchemaRegistry westRegistry;
  private final List<EmbeddedComponent> started = new ArrayList<>();
  private EmbeddedPostgres postgres;
  private RegionStack primary;
  private RegionStack secondary;
  private EmbeddedMirrorMaker mirrorMaker;
  private EmbeddedMirrorMaker reverseMirrorMaker;
  private JobID routingJob;
  private Duration startupTime;

  private EmbeddedRegionPair(Builder b) {
    this.policy = b.policy;
    this.primaryBrokers = b.primaryBrokers;
    this.secondaryBrokers = b.secondaryBrokers;
    this.schemaRegistries = b.schemaRegistries;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  protected String name() {
    return "two-region stack";
  }

  @Override
  protected void doStart() throws Exception {
    long t0 = System.nanoTime();
    EmbeddedKafkaCluster eastKafka = EmbeddedKafkaCluster.builder().name(PRIMARY).brokers(primaryBrokers).build();
    EmbeddedKafkaCluster westKafka = EmbeddedKafkaCluster.builder().name(SECONDARY).brokers(secondaryBrokers).build();
    postgres = EmbeddedPostgres.create();
    EmbeddedFlink eastFlink = EmbeddedFlink.create();
    EmbeddedFlink westFlink = EmbeddedFlink.create();
    ExecutorService pool = Executors.newFixedThreadPool(schemaRegistries ? 5 : 3);
    try {
      // independent parts start side by side; the registries (child processes) from the first, waited for only before
      // Debezium needs them
      CompletableFuture<Void> registries = CompletableFuture.completedFuture(null);
      if (schemaRegistries) {
        eastRegistry = EmbeddedSchemaRegistry.create(PRIMARY);
        westRegistry = EmbeddedSchemaRegistry.create(SECONDARY);
        registries = CompletableFuture.allOf(CompletableFuture.runAsync(() -> track(eastRegistry).start(), pool),
            CompletableFuture.runAsync(() -> track(westRegistry).start(), pool));
      }
      CompletableFuture.allOf(
          CompletableFuture.runAsync(() -> track(eastKafka).start(), pool),
          CompletableFuture.runAsync(() -> track(westKafka).start(), pool),
          CompletableFuture.runAsync(() -> track(postgres).start(), pool)).join();
      for (String topic : TOPICS) {
        eastKafka.createTopic(topic, PARTITIONS);
      }
      postgres.execute("create table " + TABLE + " (id serial primary key, event_type text not null,"
          + " customer_id int not null, amount numeric(12,2), created_at timestamptz not null default now())",
          "alter table " + TABLE + " replica identity full");
      EmbeddedConnect eastConnect = EmbeddedConnect.on(eastKafka, "connect-" + PRIMARY);
      EmbeddedConnect westConnect = EmbeddedConnect.on(westKafka, "connect-" + SECONDARY);
      mirrorMaker = EmbeddedMirrorMaker.builder(eastKafka, PRIMARY, westKafka, SECONDARY)
          .topics(String.join("|", TOPICS)).groups(".*").policy(policy).build();
      CompletableFuture.allOf(
          CompletableFuture.runAsync(() -> track(eastConnect).start(), pool),
          CompletableFuture.runAsync(() -> track(westConnect).start(), pool),
          CompletableFuture.runAsync(() -> track(eastFlink).start(), pool)).join();
      registries.join();
      CompletableFuture.allOf(
          CompletableFuture.runAsync(() -> track(westFlink).start(), pool),
          CompletableFuture.runAsync(() -> track(mirrorMaker).start(), pool),
          CompletableFuture.runAsync(() -> postgres.registerDebezium(eastConnect, CONNECTOR, debeziumConfig(),
              Duration.ofSeconds(60)), pool)).join();
      primary = new RegionStack(PRIMARY, eastKafka, eastConnect, eastFlink, java.util.Optional.ofNullable(eastRegistry));
      secondary = new RegionStack(SECONDARY, westKafka, westConnect, westFlink, java.util.Optional.ofNullable(westRegistry));
      routingJob = eastFlink.submitRoutingJob(eastKafka.bootstrapServers(), primary.changeEvents());
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    } finally {
      pool.shutdownNow();
    }
    startupTime = Duration.ofNanos(System.nanoTime() - t0);
    LOG.info("Two-region stack up in {} ms", startupTime.toMillis());
  }

  private <T extends EmbeddedComponent> T track(T component) {
    synchronized (started) {
      started.add(component);
    }
    return component;
  }

  /**
   * The Debezium connector configuration: the business table, routed to {@code raw-business-events}; with Schema
   * Registries, its values in Avro through the primary's registry.
   */
  public Map<String, String> debeziumConfig() {
    Map<String, String> c = new java.util.LinkedHashMap<>(postgres.debeziumConfig(SLOT, "pg", TABLE));
    c.put("transforms", "route");
    c.put("transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter");
    c.put("transforms.route.regex", ".*");
    c.put("transforms.route.replacement", RoutingJob.SOURCE_TOPIC);
    // a lost database connection fails the task (Debezium would otherwise retry forever, invisibly to Connect)
    c.put("errors.max.retries", "0");
    if (eastRegistry != null) {
      c.putAll(eastRegistry.avroValueConverter());
    }
    return c;
  }

  @Override
  protected void doClose() {
    List<EmbeddedComponent> toClose;
    synchronized (started) {
      toClose = new ArrayList<>(started);
    }
    // stop in reverse start order: replication and processing before the clusters they use
    java.util.Collections.reverse(toClose);
    for (EmbeddedComponent c : toClose) {
      c.close();
    }
  }

  /** Inserts a business event row (committed at once); Debezium captures it. */
  public void insertEvent(String type, int customerId, String amount) {
    postgres.execute("insert into " + TABLE + " (event_type, customer_id, amount) values ('" + type.replace("'", "''")
        + "', " + customerId + ", " + amount + ")");
  }

  public synchronized RegionStack primary() {
    requireStarted();
    return primary;
  }

  public RegionStack secondary() {
    requireStarted();
    return secondary;
  }

  public EmbeddedPostgres postgres() {
    requireStarted();
    return postgres;
  }

  public EmbeddedMirrorMaker mirrorMaker() {
    requireStarted();
    return mirrorMaker;
  }

  /**
   * Brings the primary region's Connect worker and Flink cluster back after they were closed (a region outage
   * ending; restart its Kafka cluster first): each on its former REST address. The worker rejoins its group and
   * resumes the connectors its config topic holds, Debezium included, as a real worker would; the Flink cluster,
   * without high availability, comes back without jobs. Returns the primary's stack as it is now.
   */
  public synchronized RegionStack restartPrimaryServices() {
    requireStarted();
    if (primary.kafka().isDown()) {
      throw new IllegalStateException(PRIMARY + "'s Kafka cluster is down; restart it before its Connect worker and Flink cluster");
    }
    EmbeddedConnect connect = primary.connect().isStarted() ? primary.connect() : primary.connect().again();
    EmbeddedFlink flink = primary.flink().isStarted() ? primary.flink() : primary.flink().again();
    CompletableFuture.allOf(CompletableFuture.runAsync(() -> track(connect).start()),
        CompletableFuture.runAsync(() -> track(flink).start())).join();
    primary = new RegionStack(PRIMARY, primary.kafka(), connect, flink, primary.registry());
    return primary;
  }

  /**
   * Starts MirrorMaker 2 in the other direction, {@code us-west-2 -> us-east-1}: the secondary's business topics and
   * consumer groups to the primary (named {@code us-west-2.<topic>} under the default policy), as a failback needs
   * before the primary takes over again. Idempotent; returns it.
   */
  public synchronized EmbeddedMirrorMaker startReverseReplication() {
    requireStarted();
    if (policy == EmbeddedMirrorMaker.Policy.IDENTITY) {
      throw new IllegalStateException("MirrorMaker 2 cannot replicate both ways under the identity policy (each copy would be"
          + " copied back); build the stack with the default policy for a failback with reverse replication");
    }
    if (reverseMirrorMaker == null) {
      reverseMirrorMaker = EmbeddedMirrorMaker.builder(secondary.kafka(), SECONDARY, primary.kafka(), PRIMARY)
          .topics(String.join("|", TOPICS)).groups(".*").policy(policy).build();
      track(reverseMirrorMaker).start();
    }
    return reverseMirrorMaker;
  }

  /** The name of a secondary topic in the primary region, once {@link #startReverseReplication()} copies it. */
  public String reverseRemoteTopic(String topic) {
    return SECONDARY + "." + topic;
  }

  /** The routing job on the primary's Flink. */
  public JobID routingJob() {
    requireStarted();
    return routingJob;
  }

  /** How long {@link #start()} took. */
  public Duration startupTime() {
    requireStarted();
    return startupTime;
  }

  /** The name of a primary topic in the secondary region. */
  public String remoteTopic(String topic) {
    return mirrorMaker().remoteTopic(topic);
  }

  /** The two regions with their Kafka, Flink and Connect endpoints; us-east-1 is primary. */
  public RegionTopology topology() {
    return RegionTopology.of(region(primary()), region(secondary()));
  }

  private static Region region(RegionStack s) {
    Region r = Region.of(s.name(), s.kafka().bootstrapServers())
        .withFlinkRest(s.flink().restUrl())
        .withConnectRest(s.connect().restUrl());
    return s.registry().map(g -> r.withSchemaRegistry(g.url())).orElse(r);
  }

  /** Builder for {@link EmbeddedRegionPair}. */
  public static final class Builder {
    private EmbeddedMirrorMaker.Policy policy = EmbeddedMirrorMaker.Policy.DEFAULT;
    private int primaryBrokers = 1;
    private int secondaryBrokers = 1;
    private boolean schemaRegistries;

    private Builder() {}

    /**
     * A Schema Registry in each region (Apicurio Registry's Confluent-compatible API, each a child process), Debezium's
     * change events in Avro through the primary's. Off by default: the events are JSON without schemas.
     */
    public Builder schemaRegistries(boolean on) {
      this.schemaRegistries = on;
      return this;
    }

    /** MirrorMaker 2's replication policy; DEFAULT prefixes topics with {@code us-east-1.}. */
    public Builder replicationPolicy(EmbeddedMirrorMaker.Policy policy) {
      this.policy = policy;
      return this;
    }

    public Builder brokersPerRegion(int brokers) {
      this.primaryBrokers = brokers;
      this.secondaryBrokers = brokers;
      return this;
    }

    /** Brokers of the primary region only (three let a drill stop one without losing availability). */
    public Builder primaryBrokers(int brokers) {
      this.primaryBrokers = brokers;
      return this;
    }

    public EmbeddedRegionPair build() {
      return new EmbeddedRegionPair(this);
    }
  }
}
