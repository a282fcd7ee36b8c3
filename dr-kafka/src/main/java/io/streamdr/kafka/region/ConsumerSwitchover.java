package io.streamdr.kafka.region;

import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionSwitch;
import io.streamdr.kafka.region.RegionAwareConsumer.ConsumerFactory;
import io.streamdr.kafka.region.RegionAwareConsumer.ConsumerSwitch;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switch of a {@link RegionAwareConsumer} from one region's cluster to another's, on the polling thread: it
 * reads the partitions nothing replicates to the new region to their end first ({@link Drain}), takes the positions
 * of what {@code poll} returned, translates them, closes the old consumer in the background, subscribes or assigns
 * the new one as the application asked and seeks each partition when it is assigned. Blocking calls woken up by a
 * switch are run again on the new region; commits woken up by one are dropped. Not thread-safe, except
 * {@link #onSwitch} and {@link #wakeup()}.
 */
final class ConsumerSwitchover<K, V> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RegionAwareConsumer.class);
  private static final Duration DRAIN_POLL = Duration.ofMillis(100);

  private final Map<String, Object> config;
  private final ConsumerFactory<K, V> factory;
  private final TopicMapping mapping;
  private final OffsetTranslator translator;
  private final Duration translationTimeout;
  private final Duration closeTimeout;
  private final Duration drainQuiet;
  private final Duration drainTimeout;
  private final Optional<String> group;
  /** Whether the consumer is a static member ({@code group.instance.id}) of its group. */
  private final boolean staticMember;
  /** Closes the consumers of regions left behind without holding up the switch. */
  private final ExecutorService closer = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "streamdr-consumer-close");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean ourWakeup = new AtomicBoolean();
  private final List<ConsumerSwitch> switches = new CopyOnWriteArrayList<>();
  private final Redeliveries<K, V> redeliveries = new Redeliveries<>();
  private volatile Consumer<K, V> delegate;
  private volatile Region region;
  private volatile RegionSwitch pending;

  // owned by the polling thread
  /** A switch waiting for the region being left to be read to its end; null when none is. */
  private Drain drain;
  /** Set by a switch of a static member: its first assignment in the new region is followed by a rejoin. */
  private boolean rejoinAfterAssign;
  /** Between that rejoin and its assignment: the partitions given up keep their positions across it. */
  private boolean ownRejoin;
  private WantedPartitions wanted = WantedPartitions.NOTHING;
  private ConsumerRebalanceListener userListener = new ConsumerRebalanceListener() {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) { }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) { }
  };
  private final Map<String, Map<TopicPartition, Long>> leftAt = new HashMap<>();
  private final Map<TopicPartition, Long> seekOnAssign = new HashMap<>();

  ConsumerSwitchover(RegionAwareConsumer.Builder<K, V> b, Region active) {
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
    this.region = active;
    this.delegate = factory.create(region, configFor(region));
  }

  private Map<String, Object> configFor(Region r) {
    Map<String, Object> c = new HashMap<>(config);
    c.putAll(r.kafkaClientConfig());
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, c.getOrDefault(ConsumerConfig.CLIENT_ID_CONFIG, "streamdr-consumer") + "-" + r.name());
    return c;
  }

  /** The consumer of the region read now. */
  Consumer<K, V> current() {
    return delegate;
  }

  Region region() {
    return region;
  }

  Optional<String> group() {
    return group;
  }

  Redeliveries<K, V> redeliveries() {
    return redeliveries;
  }

  List<ConsumerSwitch> switches() {
    return List.copyOf(switches);
  }

  /** Runs on the router's switching thread: marks the switch and wakes the polling thread up for it. */
  void onSwitch(RegionSwitch s) {
    pending = s;
    ourWakeup.set(true);
    delegate.wakeup();
  }

  /** The application's own wakeup: the next blocking call throws {@link WakeupException}. */
  void wakeup() {
    delegate.wakeup();
  }

  /** Subscribes or assigns as the application asked, now and on every region switched to. */
  void want(WantedPartitions wanted, ConsumerRebalanceListener listener) {
    if (listener != null) {
      userListener = listener;
    }
    this.wanted = wanted;
    wanted.applyTo(delegate, region, mapping, new Rebalance());
  }

  /** The topics subscribed to by their names in the primary region; empty for a pattern or an assignment. */
  Optional<List<String>> topics() {
    return wanted instanceof WantedPartitions.Topics t && !t.names().isEmpty() ? Optional.of(t.names()) : Optional.empty();
  }

  void unsubscribe() {
    wanted = WantedPartitions.NOTHING;
    redeliveries.forgetAll();
    delegate.unsubscribe();
  }

  ConsumerRecords<K, V> poll(Duration timeout) {
    long deadline = deadline(timeout);
    while (true) {
      applyPendingSwitch();
      try {
        long wait = Math.max(0, deadline - System.nanoTime());
        boolean draining = drain != null;
        ConsumerRecords<K, V> records = delegate.poll(Duration.ofNanos(draining ? Math.min(wait, DRAIN_POLL.toNanos()) : wait));
        redeliveries.track(records, region);
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

  /** Runs a blocking call; if a switch woke it up, switches and runs it again on the new region. */
  <T> T call(Function<Consumer<K, V>, T> call) {
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
  void commit(java.util.function.Consumer<Consumer<K, V>> commit) {
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
        Redeliveries.Last<K, V> l = redeliveries.last(tp);
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
    seekOnAssign.clear();
    Map<TopicPartition, Long> ends = Map.of();
    if (!processed.isEmpty()) {
      try {
        ends = next.endOffsets(processed.keySet(), translationTimeout);
      } catch (RuntimeException e) {
        LOG.warn("Could not read end offsets in {}; re-deliveries will not be counted", to.name(), e);
      }
    }
    redeliveries.startOver(processed, ends);
    wanted = wanted.in(from, to, mapping);
    seekOnAssign.putAll(translated.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())));
    // a static member returning to a region replaces its stale self there, and the group may hand it that member's
    // assignment, made before topics it now subscribes to existed (copies replicated back during an outage); a rejoin
    // after the first assignment makes the group assign the current subscription
    List<TopicPartition> assigned = wanted.assigned();
    rejoinAfterAssign = staticMember && assigned.isEmpty() && group.isPresent();
    ownRejoin = false;
    wanted.applyTo(next, to, mapping, new Rebalance());
    assigned.forEach(tp -> {
      Long offset = seekOnAssign.remove(tp);
      if (offset != null) {
        next.seek(tp, offset);
      }
    });
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
   * read to their end, and their end has not moved for the drain's quiet period (producers that followed the same
   * switch still finish their in-flight sends there), at most until its deadline. If the region being left does not
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
      Redeliveries.Last<K, V> l = redeliveries.last(tp);
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
   * consumer leaves its group there cleanly; if not, the close gives up after the builder's close timeout.
   */
  private void closeInBackground(Consumer<K, V> old, Region from) {
    closer.execute(() -> {
      try {
        old.close(CloseOptions.timeout(closeTimeout));
      } catch (RuntimeException e) {
        LOG.debug("Closing the consumer of region {} failed", from.name(), e);
      }
    });
  }

  private Map<TopicPartition, ConsumedPosition> positions(Consumer<K, V> old) {
    Map<TopicPartition, ConsumedPosition> out = new LinkedHashMap<>();
    Set<TopicPartition> partitions = new HashSet<>(old.assignment());
    for (TopicPartition tp : partitions) {
      Redeliveries.Last<K, V> l = redeliveries.last(tp);
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

  /** Closes the consumer of the region read now with {@code close}, and any consumer a drain had built. */
  void close(java.util.function.Consumer<Consumer<K, V>> close) {
    if (drain != null) {
      drain.next.close(CloseOptions.timeout(Duration.ZERO));
      drain = null;
    }
    closer.shutdown(); // consumers of regions left behind finish closing on their own
    close.accept(delegate);
  }

  @Override
  public void close() {
    close(Consumer::close);
  }
}
