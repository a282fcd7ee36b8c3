package io.streamdr.kafka.region;

import io.streamdr.core.internal.Checks;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionRouter;
import io.streamdr.core.region.RegionSwitch;
import io.streamdr.core.region.Subscription;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A {@link Consumer} that follows a {@link RegionRouter}: on a switch it closes its {@link KafkaConsumer} without
 * waiting for the region left behind, builds one on the new region, and resumes every partition it was reading at
 * the translated position of the matching partition there. The switch happens on the polling thread, at the next
 * {@link #poll} (a blocked poll or commit is woken up for it), so the application's poll loop needs no change.
 *
 * <p><b>Never skips a record.</b> Positions are what {@code poll} returned (everything before was processed by the
 * time the application polls again). They are translated by the configured {@link OffsetTranslator} chain: identical
 * offsets for cluster links; MirrorMaker 2 checkpoints used only when taken at or before the consumer's position;
 * the first record stamped at or after the last processed one; the start of the partition as the last resort. If
 * the consumer returns to a region it left earlier, it resumes no later than where it left it, so records that
 * region took but never replicated are still read. Records processed before the switch may be delivered again:
 * {@link #redeliveredRecords()} counts them, by finding the last processed record in the new region.
 *
 * <p>Topics are named per region by a {@link TopicMapping}: subscribe to {@code orders} and, under MirrorMaker 2's
 * default naming, the consumer reads {@code orders} and {@code us-east-1.orders} in {@code us-west-2}. Records keep
 * the topic name of the region they were read from. After a switch, {@link #assignment()} names the new region's
 * partitions; commit what {@code poll} returned since.
 *
 * <p>In a group of several instances, each translates the partitions it owned; a partition that moves to another
 * instance at the switch starts from the group's committed offset in the new region (each instance commits its
 * translated positions as soon as it is assigned them, and MirrorMaker 2 may sync group offsets too).
 *
 * <p>Not thread-safe, like {@link KafkaConsumer}; {@link #wakeup()} may be called from any thread.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class RegionAwareConsumer<K, V> implements Consumer<K, V> {
  /**
   * One switch this consumer made.
   *
   * @param positions where it resumed, by partition of the new region
   * @param took      from picking up the switch to resuming on the new region
   */
  public record ConsumerSwitch(String from, String to, long epoch, Instant at, Map<TopicPartition, Translation> positions,
      Duration took) {}

  /** Builds the consumer of one region; the default constructs a {@link KafkaConsumer}. */
  @FunctionalInterface
  public interface ConsumerFactory<K, V> {
    Consumer<K, V> create(Region region, Map<String, Object> config);
  }

  private final ConsumerSwitchover<K, V> switchover;
  private final Subscription subscription;

  private RegionAwareConsumer(Builder<K, V> b) {
    Region active = b.router.active();
    this.switchover = new ConsumerSwitchover<>(b, active);
    this.subscription = b.router.onSwitch(switchover::onSwitch);
    if (!b.router.active().name().equals(active.name())) {
      switchover.onSwitch(new RegionSwitch(active, b.router.active(), b.router.epoch(), "switched while starting",
          b.clock.instant(), false));
    }
  }

  /**
   * @param router which region is active
   * @param config consumer settings shared by all regions (group id, deserializers by class name…); each region's
   *               {@link Region#kafkaClientConfig()} is laid on top
   */
  public static <K, V> Builder<K, V> builder(RegionRouter router, Map<String, ?> config) {
    return new Builder<>(router, config);
  }

  @Override
  public ConsumerRecords<K, V> poll(Duration timeout) {
    return switchover.poll(timeout);
  }

  @Override
  public void subscribe(Collection<String> topics) {
    subscribe(topics, null);
  }

  /** Subscribes to topics by their names in the primary region; each region reads them under its own names. */
  @Override
  public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
    switchover.want(new WantedPartitions.Topics(List.copyOf(new LinkedHashSet<>(topics))), listener);
  }

  @Override
  public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
    switchover.want(new WantedPartitions.Matching(pattern), listener);
  }

  @Override
  public void subscribe(Pattern pattern) {
    subscribe(pattern, (ConsumerRebalanceListener) null);
  }

  @Override
  public void subscribe(SubscriptionPattern pattern, ConsumerRebalanceListener listener) {
    switchover.want(new WantedPartitions.MatchingOnBroker(pattern), listener);
  }

  @Override
  public void subscribe(SubscriptionPattern pattern) {
    subscribe(pattern, null);
  }

  /** Assigns partitions of the active region; after a switch the consumer reads their counterparts in the new one. */
  @Override
  public void assign(Collection<TopicPartition> partitions) {
    switchover.want(new WantedPartitions.Assigned(List.copyOf(partitions)), null);
  }

  @Override
  public void unsubscribe() {
    switchover.unsubscribe();
  }

  @Override
  public Set<TopicPartition> assignment() {
    return switchover.current().assignment();
  }

  /** The topics subscribed to, as named by the application (or the active region's, for a pattern). */
  @Override
  public Set<String> subscription() {
    return switchover.topics().<Set<String>>map(Set::copyOf).orElseGet(() -> switchover.current().subscription());
  }

  @Override
  public void commitSync() {
    switchover.commit(Consumer::commitSync);
  }

  @Override
  public void commitSync(Duration timeout) {
    switchover.commit(c -> c.commitSync(timeout));
  }

  @Override
  public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
    switchover.commit(c -> c.commitSync(offsets));
  }

  @Override
  public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
    switchover.commit(c -> c.commitSync(offsets, timeout));
  }

  @Override
  public void commitAsync() {
    switchover.commit(Consumer::commitAsync);
  }

  @Override
  public void commitAsync(OffsetCommitCallback callback) {
    switchover.commit(c -> c.commitAsync(callback));
  }

  @Override
  public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
    switchover.commit(c -> c.commitAsync(offsets, callback));
  }

  @Override
  public void registerMetricForSubscription(KafkaMetric metric) {
    switchover.current().registerMetricForSubscription(metric);
  }

  @Override
  public void unregisterMetricFromSubscription(KafkaMetric metric) {
    switchover.current().unregisterMetricFromSubscription(metric);
  }

  @Override
  public void seek(TopicPartition partition, long offset) {
    switchover.redeliveries().forget(List.of(partition));
    switchover.current().seek(partition, offset);
  }

  @Override
  public void seek(TopicPartition partition, OffsetAndMetadata offsetAndMetadata) {
    switchover.redeliveries().forget(List.of(partition));
    switchover.current().seek(partition, offsetAndMetadata);
  }

  @Override
  public void seekToBeginning(Collection<TopicPartition> partitions) {
    switchover.redeliveries().forget(partitions);
    switchover.current().seekToBeginning(partitions);
  }

  @Override
  public void seekToEnd(Collection<TopicPartition> partitions) {
    switchover.redeliveries().forget(partitions);
    switchover.current().seekToEnd(partitions);
  }

  @Override
  public long position(TopicPartition partition) {
    return switchover.call(c -> c.position(partition));
  }

  @Override
  public long position(TopicPartition partition, Duration timeout) {
    return switchover.call(c -> c.position(partition, timeout));
  }

  @Override
  public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
    return switchover.call(c -> c.committed(partitions));
  }

  @Override
  public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout) {
    return switchover.call(c -> c.committed(partitions, timeout));
  }

  @Override
  public Uuid clientInstanceId(Duration timeout) {
    return switchover.call(c -> c.clientInstanceId(timeout));
  }

  @Override
  public Map<MetricName, ? extends Metric> metrics() {
    return switchover.current().metrics();
  }

  @Override
  public List<PartitionInfo> partitionsFor(String topic) {
    return switchover.call(c -> c.partitionsFor(topic));
  }

  @Override
  public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
    return switchover.call(c -> c.partitionsFor(topic, timeout));
  }

  @Override
  public Map<String, List<PartitionInfo>> listTopics() {
    return switchover.call(Consumer::listTopics);
  }

  @Override
  public Map<String, List<PartitionInfo>> listTopics(Duration timeout) {
    return switchover.call(c -> c.listTopics(timeout));
  }

  @Override
  public Set<TopicPartition> paused() {
    return switchover.current().paused();
  }

  @Override
  public void pause(Collection<TopicPartition> partitions) {
    switchover.current().pause(partitions);
  }

  @Override
  public void resume(Collection<TopicPartition> partitions) {
    switchover.current().resume(partitions);
  }

  @Override
  public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch) {
    return switchover.call(c -> c.offsetsForTimes(timestampsToSearch));
  }

  @Override
  public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch,
      Duration timeout) {
    return switchover.call(c -> c.offsetsForTimes(timestampsToSearch, timeout));
  }

  @Override
  public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
    return switchover.call(c -> c.beginningOffsets(partitions));
  }

  @Override
  public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions, Duration timeout) {
    return switchover.call(c -> c.beginningOffsets(partitions, timeout));
  }

  @Override
  public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
    return switchover.call(c -> c.endOffsets(partitions));
  }

  @Override
  public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
    return switchover.call(c -> c.endOffsets(partitions, timeout));
  }

  @Override
  public OptionalLong currentLag(TopicPartition topicPartition) {
    return switchover.current().currentLag(topicPartition);
  }

  @Override
  public ConsumerGroupMetadata groupMetadata() {
    return switchover.current().groupMetadata();
  }

  @Override
  public void enforceRebalance() {
    switchover.current().enforceRebalance();
  }

  @Override
  public void enforceRebalance(String reason) {
    switchover.current().enforceRebalance(reason);
  }

  /** The region records are read from now (a pending switch takes effect at the next poll). */
  public Region region() {
    return switchover.region();
  }

  /**
   * Records delivered again after switches because they had been processed before, found by content: the records
   * delivered in the new region up to and including the last record processed before the switch. A partition whose
   * last processed record is not met (it was never replicated) counts none.
   */
  public long redeliveredRecords() {
    return switchover.redeliveries().count();
  }

  /** The switches this consumer made, oldest first. */
  public List<ConsumerSwitch> switches() {
    return switchover.switches();
  }

  @Override
  public void close() {
    subscription.close();
    switchover.close(Consumer::close);
  }

  @Override
  public void close(Duration timeout) {
    subscription.close();
    switchover.close(c -> c.close(CloseOptions.timeout(timeout)));
  }

  @Override
  public void close(CloseOptions option) {
    subscription.close();
    switchover.close(c -> c.close(option));
  }

  @Override
  public void wakeup() {
    switchover.wakeup();
  }

  @Override
  public String toString() {
    return "RegionAwareConsumer[region=" + switchover.region().name() + ", group=" + switchover.group().orElse("-") + "]";
  }

  /** Builder for {@link RegionAwareConsumer}. */
  public static final class Builder<K, V> {
    final RegionRouter router;
    final Map<String, Object> config;
    Supplier<? extends Deserializer<K>> keyDeserializer;
    Supplier<? extends Deserializer<V>> valueDeserializer;
    ConsumerFactory<K, V> factory;
    TopicMapping mapping = TopicMapping.identity();
    OffsetTranslator translator = OffsetTranslator.mirrorMakerDefault();
    Duration translationTimeout = Duration.ofSeconds(10);
    Duration closeTimeout = Duration.ofSeconds(5);
    Duration drainQuiet = Duration.ofSeconds(1);
    Duration drainTimeout = Duration.ofSeconds(10);
    Clock clock = Clock.systemUTC();

    private Builder(RegionRouter router, Map<String, ?> config) {
      this.router = Checks.requireNonNull(router, "router");
      this.config = new HashMap<>(Checks.requireNonNull(config, "consumer config"));
    }

    /** Deserializers, one new instance per region's consumer (a consumer closes its deserializers). */
    public Builder<K, V> deserializers(Supplier<? extends Deserializer<K>> key, Supplier<? extends Deserializer<V>> value) {
      this.keyDeserializer = Checks.requireNonNull(key, "key deserializer");
      this.valueDeserializer = Checks.requireNonNull(value, "value deserializer");
      return this;
    }

    /** How each region's consumer is built (default: a {@link KafkaConsumer}). */
    public Builder<K, V> factory(ConsumerFactory<K, V> factory) {
      this.factory = Checks.requireNonNull(factory, "consumer factory");
      return this;
    }

    /** How topics are named per region (default: the same everywhere). */
    public Builder<K, V> topicMapping(TopicMapping mapping) {
      this.mapping = Checks.requireNonNull(mapping, "topic mapping");
      return this;
    }

    /**
     * How positions are translated (default {@link OffsetTranslator#mirrorMakerDefault()}; for cluster links
     * {@code OffsetTranslator.identity()}). Partitions no translator handled resume from the start.
     */
    public Builder<K, V> offsetTranslator(OffsetTranslator translator) {
      this.translator = Checks.requireNonNull(translator, "offset translator");
      return this;
    }

    /** How long translation look-ups in the new region may take (default 10 s). */
    public Builder<K, V> translationTimeout(Duration timeout) {
      this.translationTimeout = Checks.requirePositive(timeout, "translation timeout");
      return this;
    }

    /**
     * How long the consumer of a region left behind may take to leave its group there, in the background (default
     * 5 s). A consumer that could not leave (its region was down) stays a member there until the group's session
     * timeout; a consumer returning to that region sooner waits for it, unless it has a {@code group.instance.id}
     * (static membership), which replaces the stale member at once.
     */
    public Builder<K, V> closeTimeout(Duration timeout) {
      this.closeTimeout = Checks.requireNonNull(timeout, "close timeout");
      return this;
    }

    /**
     * How a switch treats the partitions of the region being left that have no counterpart in the new one (nothing
     * replicates them there, such as what was written in the secondary during an outage when failing back without
     * reverse replication): the consumer keeps reading them until it has read everything there and their end has not
     * moved for {@code quiet} (default 1 s: producers that followed the same switch finish their in-flight sends), at
     * most for {@code timeout} (default 10 s), then switches. Partitions that are replicated to the new region switch
     * without waiting, and a region that does not answer is not waited for. {@code timeout} zero switches at once.
     */
    public Builder<K, V> drain(Duration quiet, Duration timeout) {
      this.drainQuiet = Checks.requireNonNull(quiet, "drain quiet period");
      this.drainTimeout = Checks.requireNonNull(timeout, "drain timeout");
      return this;
    }

    /** Dates the switches the consumer makes itself, such as one made while it was starting (default: the system's). */
    public Builder<K, V> clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    public RegionAwareConsumer<K, V> build() {
      return new RegionAwareConsumer<>(this);
    }
  }
}
