package io.streamdr.kafka.region;

import io.streamdr.core.internal.Checks;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionRouter;
import io.streamdr.core.region.RegionSwitch;
import io.streamdr.core.region.Subscription;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger LOG = LoggerFactory.getLogger(RegionAwareConsumer.class);

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

  private record Last<K, V>(long next, ConsumerRecord<K, V> record) {}

  /** Looks for the last record processed in the old region among the first records read in the new one. */
  private static final class Scan<K, V> {
    final ConsumerRecord<K, V> processed;
    final long end;
    long seen;

    Scan(ConsumerRecord<K, V> processed, long end) {
      this.processed = processed;
      this.end = end;
    }
  }

  private final RegionRouter router;
  private final Map<String, Object> config;
  private final ConsumerFactory<K, V> factory;
  private final TopicMapping mapping;
  private final OffsetTranslator translator;
  private final Duration translationTimeout;
  private final Duration closeTimeout;
  private final Duration drainQuiet;
  private final Duration drainTimeout;
  /** A switch waiting for the region being left to be read to its end; null when none is. */
  private Drain drain;
  private static final Duration DRAIN_POLL = Duration.ofMillis(100);
  private final Optional<String> group;
  /** Whether the consumer is a static member ({@code group.instance.id}) of its group. */
  private final boolean staticMember;
  /** Set by a switch of a static member: its first assignment in the new region is followed by a rejoin. */
  private boolean rejoinAfterAssign;
  /** Between that rejoin and its assignment: the partitions given up keep their positions across it. */
  private boolean ownRejoin;
  private final Subscription subscription;
  private final AtomicBoolean ourWakeup = new AtomicBoolean();
  private final AtomicLong redelivered = new AtomicLong();
  private final List<ConsumerSwitch> switches = new CopyOnWriteArrayList<>();
  private volatile Consumer<K, V> delegate;
  private volatile Region region;
  private volatile RegionSwitch pending;

  // owned by the polling thread
  private java.util.function.Consumer<Consumer<K, V>> resubscribe = c -> { };
  private List<String> topics = List.of();
  private List<TopicPartition> assigned = List.of();
  private ConsumerRebalanceListener userListener = new ConsumerRebalanceListener() {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) { }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) { }
  };
  private final Map<TopicPartition, Last<K, V>> last = new HashMap<>();
  private final Map<String, Map<TopicPartition, Long>> leftAt = new HashMap<>();
  private final Map<TopicPartition, Long> seekOnAssign = new HashMap<>();
  private final Map<TopicPartition, Scan<K, V>> scans = new HashMap<>();

  private RegionAwareConsumer(Builder<K, V> b) {
    this.router = b.router;
    Map<String, Object> c = new HashMap<>(b.config);
    c.putIfAbsent(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // never create another region's copies
    this.config = Map.copyOf(c);
    this.group = Optional.ofNullable((String) config.get(ConsumerConfig.GROUP_ID_CONFIG)).filter(g -> !g.isBlank());
    this.staticMember = config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG) != null;
    this.factory = b.factory != null ? b.factory
        : (region, cfg) -> new KafkaConsumer<>(cfg, b.keyDeserializer == null ? null : b.keyDeserializer.get(),
            b.valueDeserializer == null ? null : b.valueDeserializer.get());
    this.mapping = b.mapping;
    this.translator = b.translator;
    this.translationTimeout = b.translationTimeout;
    this.closeTimeout = b.closeTimeout;
    this.drainQuiet = b.drainQuiet;
    this.drainTimeout = b.drainTimeout;
    this.region = router.active();
    this.delegate = factory.create(region, configFor(region));
    this.subscription = router.onSwitch(this::onSwitch);
    if (!router.active().name().equals(region.name())) {
      onSwitch(new RegionSwitch(region, router.active(), router.epoch(), "switched while starting", Instant.now(), false));
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

  private Map<String, Object> configFor(Region r) {
    Map<String, Object> c = new HashMap<>(config);
    c.putAll(r.kafkaClientConfig());
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, c.getOrDefault(ConsumerConfig.CLIENT_ID_CONFIG, "streamdr-consumer") + "-" + r.name());
    return c;
  }

  /** Runs on the router's switching thread: marks the switch and wakes the polling thread up for it. */
  private void onSwitch(RegionSwitch s) {
    pending = s;
    ourWakeup.set(true);
    delegate.wakeup();
  }

  @Override
  public ConsumerRecords<K, V> poll(Duration timeout) {
    long deadline = deadline(timeout);
    while (true) {
      applyPendingSwitch();
      try {
        long wait = Math.max(0, deadline - System.nanoTime());
        boolean draining = drain != null;
        ConsumerRecords<K, V> records = delegate.poll(Duration.ofNanos(draining ? Math.min(wait, DRAIN_POLL.toNanos()) : wait));
        track(records);
        if (records.isEmpty() && draining && System.nanoTime() < deadline) {
          continue; // look again whether the region being left is drained
        }
        return records;
      } catch (WakeupException e) {
        if (!ourWakeup.getAndSet(false)) {
          throw e; // the application's own wakeup()
        }
        if (pending == null && System.nanoTime() >= deadline) {
          return ConsumerRecords.empty();
        }
      }
    }
  }

  private static long deadline(Duration timeout) {
    long now = System.nanoTime();
    long nanos = timeout.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365).toNanos() : timeout.toNanos();
    return now + nanos;
  }

  private void track(ConsumerRecords<K, V> records) {
    if (records.isEmpty()) {
      return;
    }
    for (TopicPartition tp : records.partitions()) {
      List<ConsumerRecord<K, V>> list = records.records(tp);
      ConsumerRecord<K, V> lastRecord = list.get(list.size() - 1);
      last.put(tp, new Last<>(lastRecord.offset() + 1, lastRecord));
      if (!scans.isEmpty()) {
        Scan<K, V> scan = scans.get(tp);
        if (scan != null && scanned(tp, scan, list)) {
          scans.remove(tp);
        }
      }
    }
  }

  private boolean scanned(TopicPartition tp, Scan<K, V> scan, List<ConsumerRecord<K, V>> list) {
    for (ConsumerRecord<K, V> r : list) {
      scan.seen++;
      if (r.timestamp() == scan.processed.timestamp() && Objects.deepEquals(r.key(), scan.processed.key())
          && Objects.deepEquals(r.value(), scan.processed.value())) {
        redelivered.addAndGet(scan.seen);
        LOG.info("{}: {} record(s) processed before the switch were delivered again", tp, scan.seen);
        return true;
      }
      if (r.offset() + 1 >= scan.end) {
        // not met: the consumer resumed right after it (identity, or an exact checkpoint), or it was never replicated;
        // the two cannot be told apart here, so nothing is counted for this partition
        LOG.info("{}: the last record processed before the switch was not met in region {} up to its end at the switch",
            tp, region.name());
        return true;
      }
    }
    return false;
  }

  private void applyPendingSwitch() {
    RegionSwitch s = pending;
    if (s == null) {
      return;
    }
    Region from = region;
    Region to = s.to();
    if (from.name().equals(to.name())) {
      pending = null;
      abandonDrain();
      return;
    }
    if (drain != null && !drain.to.name().equals(to.name())) {
      abandonDrain(); // switched again, elsewhere, while draining
    }
    if (drain == null) {
      Consumer<K, V> candidate = factory.create(to, configFor(to));
      drain = new Drain(to, candidate, localOnly(from, to, delegate, candidate), System.nanoTime() + drainTimeout.toNanos());
    }
    if (!drain.finished(delegate)) {
      return; // keep reading the region being left: records nothing replicates to the new one are read first
    }
    Consumer<K, V> next = drain.next;
    drain = null;
    pending = null;
    long t0 = System.nanoTime();
    Consumer<K, V> old = delegate;
    Map<TopicPartition, ConsumedPosition> positions = positions(old);
    Map<TopicPartition, Long> where = new HashMap<>();
    positions.forEach((tp, p) -> where.put(tp, p.offset()));
    leftAt.put(from.name(), where);
    closeInBackground(old, from);
    delegate = next;
    region = to;
    ourWakeup.set(false);

    Map<TopicPartition, ConsumedPosition> request = new HashMap<>();
    Map<TopicPartition, ConsumerRecord<K, V>> processed = new HashMap<>();
    Set<String> existing = new HashSet<>();
    positions.forEach((tp, p) -> mapping.counterpart(from, to, tp.topic()).ifPresent(topic -> {
      if (existing.contains(topic) || exists(next, topic)) {
        existing.add(topic);
        TopicPartition target = new TopicPartition(topic, tp.partition());
        request.put(target, p);
        Last<K, V> l = last.get(tp);
        if (l != null) {
          processed.put(target, l.record());
        }
      }
    }));
    Map<TopicPartition, Translation> translated = translate(from, to, next, request);
    Map<TopicPartition, Long> wasAt = leftAt.remove(to.name());
    if (wasAt != null) {
      wasAt.forEach((tp, offset) -> {
        Translation t = translated.get(tp);
        // where it left is known exactly: better than the start of the partition, and never later than a translation
        if (t == null || t.method() == Translation.Method.EARLIEST || offset < t.offset()) {
          translated.put(tp, new Translation(offset, Translation.Method.WHERE_LEFT));
        }
      });
    }
    last.clear();
    scans.clear();
    seekOnAssign.clear();
    if (!processed.isEmpty()) {
      try {
        next.endOffsets(processed.keySet(), translationTimeout)
            .forEach((tp, end) -> scans.put(tp, new Scan<>(processed.get(tp), end)));
      } catch (RuntimeException e) {
        LOG.warn("Could not read end offsets in {}; re-deliveries will not be counted", to.name(), e);
      }
    }
    if (!assigned.isEmpty()) {
      assigned = assigned.stream().map(tp -> mapping.counterpart(from, to, tp.topic())
          .map(t -> new TopicPartition(t, tp.partition())).orElse(null)).filter(Objects::nonNull).distinct().toList();
    }
    seekOnAssign.putAll(translated.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())));
    // a static member returning to a region replaces its stale self there, and the group may hand it that member's
    // assignment, made before topics it now subscribes to existed (copies replicated back during an outage); a rejoin
    // after the first assignment makes the group assign the current subscription
    rejoinAfterAssign = staticMember && assigned.isEmpty() && group.isPresent();
    ownRejoin = false;
    resubscribe.accept(next);
    if (!assigned.isEmpty()) {
      assigned.forEach(tp -> {
        Long offset = seekOnAssign.remove(tp);
        if (offset != null) {
          next.seek(tp, offset);
        }
      });
    }
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    switches.add(new ConsumerSwitch(from.name(), to.name(), s.epoch(), s.at(), Map.copyOf(translated), took));
    LOG.info("Consumer switched {} -> {} (epoch {}) in {} ms; resuming {} partition(s): {}", from.name(), to.name(),
        s.epoch(), took.toMillis(), translated.size(), translated);
  }

  /** Drops a drain in progress and the consumer it had built for the region it was going to. */
  private void abandonDrain() {
    if (drain != null) {
      delegate.resume(drain.paused);
      closeInBackground(drain.next, drain.to);
      drain = null;
    }
  }

  /**
   * The partitions being read in region {@code from} that have no counterpart in region {@code to}: records written
   * there reach {@code to} through no replication, so the consumer reads them before it leaves.
   */
  private Set<TopicPartition> localOnly(Region from, Region to, Consumer<K, V> old, Consumer<K, V> next) {
    if (drainTimeout.isZero()) {
      return Set.of();
    }
    Map<String, Boolean> exists = new HashMap<>();
    Set<TopicPartition> out = new HashSet<>();
    for (TopicPartition tp : old.assignment()) {
      Optional<String> counterpart = mapping.counterpart(from, to, tp.topic());
      if (counterpart.isEmpty() || !exists.computeIfAbsent(counterpart.get(), t -> exists(next, t))) {
        out.add(tp);
      }
    }
    return out;
  }

  /**
   * A switch waiting until the partitions of the region being left that nothing replicates to the new region are
   * read to their end, and their end has not moved for {@link Builder#drain drain quiet} (producers that followed the
   * same switch still finish their in-flight sends there), at most until its deadline. If the region being left does not
   * answer, the switch goes ahead at once: what it held is then the recovery point.
   */
  private final class Drain {
    final Region to;
    final Consumer<K, V> next;
    final Set<TopicPartition> partitions;
    final Set<TopicPartition> paused = new HashSet<>();
    final long deadline;
    Map<TopicPartition, Long> ends = Map.of();
    long quietSince = System.nanoTime();

    Drain(Region to, Consumer<K, V> next, Set<TopicPartition> partitions, long deadline) {
      this.to = to;
      this.next = next;
      this.partitions = partitions;
      this.deadline = deadline;
      if (!partitions.isEmpty()) {
        LOG.info("Switching to {}: first reading {} partition(s) of {} that nothing replicates there to their end: {}",
            to.name(), partitions.size(), region.name(), partitions);
        // the replicated partitions switch where they are now: only the unreplicated ones move while draining
        paused.addAll(delegate.assignment());
        paused.removeAll(partitions);
        paused.removeAll(delegate.paused()); // the application's own pauses stay its own
        delegate.pause(paused);
      }
    }

    boolean finished(Consumer<K, V> old) {
      if (partitions.isEmpty()) {
        return true;
      }
      long now = System.nanoTime();
      Map<TopicPartition, Long> end;
      try {
        end = old.endOffsets(partitions, Duration.ofNanos(Math.max(1, Math.min(deadline - now, Duration.ofSeconds(1).toNanos()))));
      } catch (WakeupException e) {
        if (!ourWakeup.getAndSet(false)) {
          throw e; // the application's own wakeup()
        }
        return false; // the switch's own wakeup, delivered here: look again
      } catch (RuntimeException e) {
        LOG.warn("Region {} does not answer; switching to {} without reading {} to their end", region.name(), to.name(), partitions);
        return true;
      }
      long behind = 0;
      for (TopicPartition tp : partitions) {
        behind += Math.max(0, end.getOrDefault(tp, 0L) - position(old, tp));
      }
      if (now >= deadline) {
        if (behind > 0) {
          LOG.warn("Switching to {} with {} record(s) of {} unread in {} after {} s: they reach {} only through replication",
              to.name(), behind, partitions, region.name(), drainTimeout.toSeconds(), to.name());
        }
        return true;
      }
      if (!end.equals(ends)) {
        ends = end;
        quietSince = now;
        return false;
      }
      return behind == 0 && now - quietSince >= drainQuiet.toNanos();
    }

    private long position(Consumer<K, V> old, TopicPartition tp) {
      Last<K, V> l = last.get(tp);
      if (l != null) {
        return l.next();
      }
      try {
        return old.position(tp, Duration.ZERO);
      } catch (RuntimeException e) {
        return 0;
      }
    }
  }

  /**
   * Closes the consumer of the region left behind without delaying the switch: if that region still answers, the
   * consumer leaves its group there cleanly; if not, the close gives up after {@link Builder#closeTimeout}.
   */
  private void closeInBackground(Consumer<K, V> old, Region from) {
    Thread closer = new Thread(() -> {
      try {
        old.close(CloseOptions.timeout(closeTimeout));
      } catch (RuntimeException e) {
        LOG.debug("Closing the consumer of region {} failed", from.name(), e);
      }
    }, "streamdr-consumer-close-" + from.name());
    closer.setDaemon(true);
    closer.start();
  }

  private Map<TopicPartition, ConsumedPosition> positions(Consumer<K, V> old) {
    Map<TopicPartition, ConsumedPosition> out = new LinkedHashMap<>();
    Set<TopicPartition> partitions = new HashSet<>(old.assignment());
    for (TopicPartition tp : partitions) {
      Last<K, V> l = last.get(tp);
      if (l != null) {
        out.put(tp, new ConsumedPosition(tp, l.next(), OptionalLong.of(l.record().timestamp())));
        continue;
      }
      long offset = 0; // nothing returned from it yet and no position known: translate from the start
      try {
        offset = old.position(tp, Duration.ZERO);
      } catch (RuntimeException e) {
        LOG.debug("Position of {} unknown at the switch; resuming it from the start", tp);
      }
      out.put(tp, new ConsumedPosition(tp, offset, OptionalLong.empty()));
    }
    return out;
  }

  private boolean exists(Consumer<K, V> consumer, String topic) {
    try {
      List<PartitionInfo> p = consumer.partitionsFor(topic, translationTimeout);
      return p != null && !p.isEmpty();
    } catch (RuntimeException e) {
      return false;
    }
  }

  private Map<TopicPartition, Translation> translate(Region from, Region to, Consumer<K, V> target,
      Map<TopicPartition, ConsumedPosition> request) {
    Map<TopicPartition, Translation> out = new HashMap<>();
    if (request.isEmpty()) {
      return out;
    }
    try {
      out.putAll(translator.translate(new OffsetTranslator.Request(from, to, group, request, target, configFor(to),
          translationTimeout)));
    } catch (RuntimeException e) {
      LOG.error("Translating positions from {} to {} failed; resuming untranslated partitions from the start", from.name(),
          to.name(), e);
    }
    Map<TopicPartition, ConsumedPosition> rest = new HashMap<>(request);
    rest.keySet().removeAll(out.keySet());
    if (!rest.isEmpty()) {
      try {
        out.putAll(OffsetTranslator.earliest().translate(new OffsetTranslator.Request(from, to, group, rest, target,
            configFor(to), translationTimeout)));
      } catch (RuntimeException e) {
        LOG.error("Start offsets of {} in {} unknown; they resume from the group's committed offsets", rest.keySet(),
            to.name(), e);
      }
    }
    return out;
  }

  /** Seeks newly assigned partitions to their translated positions and commits them, then tells the application. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (ownRejoin) { // the rejoin is ours: what the application has read stays read
        for (TopicPartition tp : partitions) {
          try {
            seekOnAssign.putIfAbsent(tp, delegate.position(tp, translationTimeout));
          } catch (RuntimeException e) {
            LOG.debug("No position of {} to keep across the rejoin: {}", tp, e.toString());
          }
        }
      }
      userListener.onPartitionsRevoked(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      ownRejoin = false;
      Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
      for (TopicPartition tp : partitions) {
        Long offset = seekOnAssign.remove(tp);
        if (offset != null) {
          delegate.seek(tp, offset);
          commit.put(tp, new OffsetAndMetadata(offset, "streamdr: translated at region switch"));
        }
      }
      boolean rejoin = rejoinAfterAssign;
      rejoinAfterAssign = false;
      if (!commit.isEmpty() && group.isPresent()) {
        if (rejoin) { // the rejoin's assignment resumes from the committed offsets: these must be committed first
          try {
            delegate.commitSync(commit);
          } catch (RuntimeException e) {
            LOG.warn("Committing translated positions {} failed: {}", commit, e.toString());
          }
        } else {
          delegate.commitAsync(commit, (offsets, error) -> {
            if (error != null) {
              LOG.warn("Committing translated positions {} failed: {}", offsets, error.toString());
            }
          });
        }
      }
      userListener.onPartitionsAssigned(partitions);
      if (rejoin) {
        LOG.debug("Rejoining group {} after the switch, so it assigns the current subscription to this static member", group.get());
        ownRejoin = true;
        delegate.enforceRebalance("a static member switched regions; assign its current subscription");
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      userListener.onPartitionsLost(partitions);
    }
  }

  private void subscribeTopics(Consumer<K, V> c) {
    List<String> physical = topics.stream().flatMap(t -> mapping.topicsIn(region, t).stream()).distinct().toList();
    if (physical.equals(topics)) {
      c.subscribe(physical, new Rebalance());
    } else { // some may not exist in this region (yet): a pattern waits for them without errors or auto-creation
      c.subscribe(Pattern.compile(physical.stream().map(Pattern::quote).collect(Collectors.joining("|"))), new Rebalance());
    }
  }

  @Override
  public void subscribe(Collection<String> topics) {
    subscribe(topics, null);
  }

  /** Subscribes to topics by their names in the primary region; each region reads them under its own names. */
  @Override
  public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
    this.topics = List.copyOf(new java.util.LinkedHashSet<>(topics));
    setListener(listener);
    assigned = List.of();
    resubscribe = this::subscribeTopics;
    resubscribe.accept(delegate);
  }

  @Override
  public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
    setListener(listener);
    topics = List.of();
    assigned = List.of();
    resubscribe = c -> c.subscribe(pattern, new Rebalance());
    resubscribe.accept(delegate);
  }

  @Override
  public void subscribe(Pattern pattern) {
    subscribe(pattern, (ConsumerRebalanceListener) null);
  }

  @Override
  public void subscribe(SubscriptionPattern pattern, ConsumerRebalanceListener listener) {
    setListener(listener);
    topics = List.of();
    assigned = List.of();
    resubscribe = c -> c.subscribe(pattern, new Rebalance());
    resubscribe.accept(delegate);
  }

  @Override
  public void subscribe(SubscriptionPattern pattern) {
    subscribe(pattern, null);
  }

  private void setListener(ConsumerRebalanceListener listener) {
    if (listener != null) {
      userListener = listener;
    }
  }

  /** Assigns partitions of the active region; after a switch the consumer reads their counterparts in the new one. */
  @Override
  public void assign(Collection<TopicPartition> partitions) {
    topics = List.of();
    assigned = List.copyOf(partitions);
    resubscribe = c -> c.assign(assigned);
    resubscribe.accept(delegate);
  }

  @Override
  public void unsubscribe() {
    topics = List.of();
    assigned = List.of();
    resubscribe = c -> { };
    last.clear();
    delegate.unsubscribe();
  }

  @Override
  public Set<TopicPartition> assignment() {
    return delegate.assignment();
  }

  /** The topics subscribed to, as named by the application (or the active region's, for a pattern). */
  @Override
  public Set<String> subscription() {
    return topics.isEmpty() ? delegate.subscription() : Set.copyOf(topics);
  }

  /** Runs a blocking call; if a switch woke it up, switches and runs it again on the new region. */
  private <T> T call(Function<Consumer<K, V>, T> call) {
    while (true) {
      applyPendingSwitch();
      try {
        return call.apply(delegate);
      } catch (WakeupException e) {
        if (!ourWakeup.getAndSet(false)) {
          throw e;
        }
      }
    }
  }

  /** Runs a commit; a commit woken up by a switch is dropped: those offsets belong to the region left behind. */
  private void commit(java.util.function.Consumer<Consumer<K, V>> commit) {
    if (pending != null && drain == null) {
      return;
    }
    try {
      commit.accept(delegate);
    } catch (WakeupException e) {
      if (!ourWakeup.getAndSet(false)) {
        throw e;
      }
      LOG.info("A commit in region {} was interrupted by a region switch; the switch translates the positions instead",
          region.name());
    }
  }

  @Override
  public void commitSync() {
    commit(Consumer::commitSync);
  }

  @Override
  public void commitSync(Duration timeout) {
    commit(c -> c.commitSync(timeout));
  }

  @Override
  public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
    commit(c -> c.commitSync(offsets));
  }

  @Override
  public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
    commit(c -> c.commitSync(offsets, timeout));
  }

  @Override
  public void commitAsync() {
    commit(Consumer::commitAsync);
  }

  @Override
  public void commitAsync(OffsetCommitCallback callback) {
    commit(c -> c.commitAsync(callback));
  }

  @Override
  public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
    commit(c -> c.commitAsync(offsets, callback));
  }

  @Override
  public void registerMetricForSubscription(KafkaMetric metric) {
    delegate.registerMetricForSubscription(metric);
  }

  @Override
  public void unregisterMetricFromSubscription(KafkaMetric metric) {
    delegate.unregisterMetricFromSubscription(metric);
  }

  @Override
  public void seek(TopicPartition partition, long offset) {
    last.remove(partition);
    delegate.seek(partition, offset);
  }

  @Override
  public void seek(TopicPartition partition, OffsetAndMetadata offsetAndMetadata) {
    last.remove(partition);
    delegate.seek(partition, offsetAndMetadata);
  }

  @Override
  public void seekToBeginning(Collection<TopicPartition> partitions) {
    last.keySet().removeAll(partitions);
    delegate.seekToBeginning(partitions);
  }

  @Override
  public void seekToEnd(Collection<TopicPartition> partitions) {
    last.keySet().removeAll(partitions);
    delegate.seekToEnd(partitions);
  }

  @Override
  public long position(TopicPartition partition) {
    return call(c -> c.position(partition));
  }

  @Override
  public long position(TopicPartition partition, Duration timeout) {
    return call(c -> c.position(partition, timeout));
  }

  @Override
  public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
    return call(c -> c.committed(partitions));
  }

  @Override
  public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout) {
    return call(c -> c.committed(partitions, timeout));
  }

  @Override
  public Uuid clientInstanceId(Duration timeout) {
    return call(c -> c.clientInstanceId(timeout));
  }

  @Override
  public Map<MetricName, ? extends Metric> metrics() {
    return delegate.metrics();
  }

  @Override
  public List<PartitionInfo> partitionsFor(String topic) {
    return call(c -> c.partitionsFor(topic));
  }

  @Override
  public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
    return call(c -> c.partitionsFor(topic, timeout));
  }

  @Override
  public Map<String, List<PartitionInfo>> listTopics() {
    return call(Consumer::listTopics);
  }

  @Override
  public Map<String, List<PartitionInfo>> listTopics(Duration timeout) {
    return call(c -> c.listTopics(timeout));
  }

  @Override
  public Set<TopicPartition> paused() {
    return delegate.paused();
  }

  @Override
  public void pause(Collection<TopicPartition> partitions) {
    delegate.pause(partitions);
  }

  @Override
  public void resume(Collection<TopicPartition> partitions) {
    delegate.resume(partitions);
  }

  @Override
  public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch) {
    return call(c -> c.offsetsForTimes(timestampsToSearch));
  }

  @Override
  public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch,
      Duration timeout) {
    return call(c -> c.offsetsForTimes(timestampsToSearch, timeout));
  }

  @Override
  public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
    return call(c -> c.beginningOffsets(partitions));
  }

  @Override
  public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions, Duration timeout) {
    return call(c -> c.beginningOffsets(partitions, timeout));
  }

  @Override
  public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
    return call(c -> c.endOffsets(partitions));
  }

  @Override
  public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
    return call(c -> c.endOffsets(partitions, timeout));
  }

  @Override
  public OptionalLong currentLag(TopicPartition topicPartition) {
    return delegate.currentLag(topicPartition);
  }

  @Override
  public ConsumerGroupMetadata groupMetadata() {
    return delegate.groupMetadata();
  }

  @Override
  public void enforceRebalance() {
    delegate.enforceRebalance();
  }

  @Override
  public void enforceRebalance(String reason) {
    delegate.enforceRebalance(reason);
  }

  /** The region records are read from now (a pending switch takes effect at the next poll). */
  public Region region() {
    return region;
  }

  /**
   * Records delivered again after switches because they had been processed before, found by content: the records
   * delivered in the new region up to and including the last record processed before the switch. A partition whose
   * last processed record is not met (it was never replicated) counts none.
   */
  public long redeliveredRecords() {
    return redelivered.get();
  }

  /** The switches this consumer made, oldest first. */
  public List<ConsumerSwitch> switches() {
    return List.copyOf(switches);
  }

  @Override
  public void close() {
    subscription.close();
    if (drain != null) {
      drain.next.close(CloseOptions.timeout(Duration.ZERO));
      drain = null;
    }
    delegate.close();
  }

  @Override
  public void close(Duration timeout) {
    subscription.close();
    if (drain != null) {
      drain.next.close(CloseOptions.timeout(Duration.ZERO));
      drain = null;
    }
    delegate.close(CloseOptions.timeout(timeout));
  }

  @Override
  public void close(CloseOptions option) {
    subscription.close();
    if (drain != null) {
      drain.next.close(CloseOptions.timeout(Duration.ZERO));
      drain = null;
    }
    delegate.close(option);
  }

  @Override
  public void wakeup() {
    delegate.wakeup();
  }

  @Override
  public String toString() {
    return "RegionAwareConsumer[region=" + region.name() + ", group=" + group.orElse("-") + "]";
  }

  /** Builder for {@link RegionAwareConsumer}. */
  public static final class Builder<K, V> {
    private final RegionRouter router;
    private final Map<String, Object> config;
    private Supplier<? extends Deserializer<K>> keyDeserializer;
    private Supplier<? extends Deserializer<V>> valueDeserializer;
    private ConsumerFactory<K, V> factory;
    private TopicMapping mapping = TopicMapping.identity();
    private OffsetTranslator translator = OffsetTranslator.mirrorMakerDefault();
    private Duration translationTimeout = Duration.ofSeconds(10);
    private Duration closeTimeout = Duration.ofSeconds(5);
    private Duration drainQuiet = Duration.ofSeconds(1);
    private Duration drainTimeout = Duration.ofSeconds(10);

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

    public RegionAwareConsumer<K, V> build() {
      return new RegionAwareConsumer<>(this);
    }
  }
}
