package io.streamdr.testkit;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.mirror.IdentityReplicationPolicy;
import org.apache.kafka.connect.mirror.MirrorMaker;
import org.apache.kafka.connect.mirror.SourceAndTarget;
import org.apache.kafka.connect.runtime.AbstractStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MirrorMaker 2 (connect-mirror, dedicated mode) replicating one cluster to another: topics, checkpoints and
 * consumer-group offset sync, with intervals of one second so tests see replication quickly. The replication policy
 * is MirrorMaker's default ({@code <sourceAlias>.<topic>}) or identity (same names).
 */
public final class EmbeddedMirrorMaker extends EmbeddedComponent {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMirrorMaker.class);

  /** How replicated topics are named in the target. */
  public enum Policy {
    /** {@code <sourceAlias>.<topic>}: MirrorMaker 2's DefaultReplicationPolicy. */
    DEFAULT,
    /** Same name as in the source: IdentityReplicationPolicy (as Confluent cluster links do). */
    IDENTITY
  }

  private final EmbeddedKafkaCluster source;
  private final EmbeddedKafkaCluster target;
  private final String sourceAlias;
  private final String targetAlias;
  private final String topics;
  private final String groups;
  private final Policy policy;
  private final Map<String, String> extra;
  private MirrorMaker mirrorMaker;

  private EmbeddedMirrorMaker(Builder b) {
    this.source = b.source;
    this.target = b.target;
    this.sourceAlias = b.sourceAlias;
    this.targetAlias = b.targetAlias;
    this.topics = b.topics;
    this.groups = b.groups;
    this.policy = b.policy;
    this.extra = Map.copyOf(b.extra);
  }

  /**
   * @param source      cluster to replicate from
   * @param sourceAlias its alias (the prefix of replicated topics under the default policy), e.g. {@code us-east-1}
   * @param target      cluster to replicate to
   * @param targetAlias its alias
   */
  public static Builder builder(EmbeddedKafkaCluster source, String sourceAlias, EmbeddedKafkaCluster target,
      String targetAlias) {
    return new Builder(source, sourceAlias, target, targetAlias);
  }

  @Override
  protected String name() {
    return "MirrorMaker 2 " + sourceAlias + "->" + targetAlias;
  }

  public String sourceAlias() {
    return sourceAlias;
  }

  public String targetAlias() {
    return targetAlias;
  }

  public Policy policy() {
    return policy;
  }

  /** The name a source topic has in the target. */
  public String remoteTopic(String topic) {
    return policy == Policy.IDENTITY ? topic : sourceAlias + "." + topic;
  }

  /** Configuration of the MirrorMaker 2 flow, as a mm2.properties file would hold it. */
  public Map<String, String> config() {
    Map<String, String> mm = new HashMap<>();
    mm.put("clusters", sourceAlias + ", " + targetAlias);
    mm.put(sourceAlias + ".bootstrap.servers", source.bootstrapServers());
    mm.put(targetAlias + ".bootstrap.servers", target.bootstrapServers());
    String flow = sourceAlias + "->" + targetAlias;
    mm.put(flow + ".enabled", "true");
    mm.put(targetAlias + "->" + sourceAlias + ".enabled", "false");
    mm.put(flow + ".topics", topics);
    mm.put(flow + ".groups", groups);
    mm.put("replication.factor", "1");
    for (String t : List.of("checkpoints.topic", "heartbeats.topic", "offset-syncs.topic", "offset.storage",
        "status.storage", "config.storage")) {
      mm.put(t + ".replication.factor", "1");
    }
    // the offset syncs live in the source cluster: replicated there as far as its brokers allow
    mm.put("offset-syncs.topic.replication.factor", String.valueOf(Math.min(3, source.brokerCount())));
    if (policy == Policy.IDENTITY) {
      mm.put("replication.policy.class", IdentityReplicationPolicy.class.getName());
    }
    mm.put("emit.checkpoints.interval.seconds", "1");
    mm.put("emit.heartbeats.interval.seconds", "1");
    mm.put("sync.group.offsets.enabled", "true");
    mm.put("sync.group.offsets.interval.seconds", "1");
    mm.put("refresh.topics.interval.seconds", "1");
    mm.put("refresh.groups.interval.seconds", "1");
    mm.put("sync.topic.configs.interval.seconds", "5");
    mm.put("offset.lag.max", "0");
    mm.put("offset.flush.interval.ms", "1000");
    mm.put("dedicated.mode.enable.internal.rest", "false");
    mm.putAll(extra);
    return mm;
  }

  @Override
  protected void doStart() {
    long t0 = System.nanoTime();
    mirrorMaker = new MirrorMaker(config(), List.of(targetAlias));
    mirrorMaker.start();
    LOG.info("MirrorMaker 2 {}->{} ({} policy, topics '{}') started in {} ms", sourceAlias, targetAlias, policy,
        topics, (System.nanoTime() - t0) / 1_000_000);
  }

  /** State of one of the MirrorMaker connectors (MirrorSourceConnector, MirrorCheckpointConnector…), if known. */
  public String connectorState(String connector) {
    requireStarted();
    try {
      return mirrorMaker.connectorStatus(new SourceAndTarget(sourceAlias, targetAlias), connector).connector().state();
    } catch (RuntimeException e) {
      return AbstractStatus.State.UNASSIGNED.name();
    }
  }

  @Override
  protected void doClose() {
    if (mirrorMaker != null) {
      long t0 = System.nanoTime();
      mirrorMaker.stop();
      mirrorMaker.awaitStop();
      LOG.info("MirrorMaker 2 {}->{} stopped in {} ms", sourceAlias, targetAlias, (System.nanoTime() - t0) / 1_000_000);
    }
  }

  /** Builder for {@link EmbeddedMirrorMaker}. */
  public static final class Builder {
    private final EmbeddedKafkaCluster source;
    private final EmbeddedKafkaCluster target;
    private final String sourceAlias;
    private final String targetAlias;
    private String topics = ".*";
    private String groups = ".*";
    private Policy policy = Policy.DEFAULT;
    private final Map<String, String> extra = new HashMap<>();

    private Builder(EmbeddedKafkaCluster source, String sourceAlias, EmbeddedKafkaCluster target, String targetAlias) {
      this.source = source;
      this.target = target;
      this.sourceAlias = sourceAlias;
      this.targetAlias = targetAlias;
    }

    /** Regex (or comma list) of topics to replicate; default all. */
    public Builder topics(String topics) {
      this.topics = topics;
      return this;
    }

    /** Regex of consumer groups whose offsets are checkpointed and synced; default all. */
    public Builder groups(String groups) {
      this.groups = groups;
      return this;
    }

    public Builder policy(Policy policy) {
      this.policy = policy;
      return this;
    }

    /** Any other mm2.properties setting. */
    public Builder property(String key, String value) {
      extra.put(key, value);
      return this;
    }

    public EmbeddedMirrorMaker build() {
      return new EmbeddedMirrorMaker(this);
    }
  }
}
