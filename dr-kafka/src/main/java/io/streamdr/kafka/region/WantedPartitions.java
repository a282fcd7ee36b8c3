package io.streamdr.kafka.region;

import io.streamdr.core.region.Region;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.common.TopicPartition;

/**
 * What the application asked a {@link RegionAwareConsumer} to read, kept so that each region's consumer is given
 * the same: topics by their names in the primary region, a pattern, or partitions assigned by hand.
 */
sealed interface WantedPartitions {
  WantedPartitions NOTHING = new Nothing();

  /** Subscribes or assigns {@code consumer}, a consumer of {@code region}, as the application asked. */
  void applyTo(Consumer<?, ?> consumer, Region region, TopicMapping mapping, ConsumerRebalanceListener listener);

  /** The same request in region {@code to}, after a switch from {@code from}. */
  default WantedPartitions in(Region from, Region to, TopicMapping mapping) {
    return this;
  }

  /** The partitions assigned by hand; empty for a subscription. */
  default List<TopicPartition> assigned() {
    return List.of();
  }

  record Nothing() implements WantedPartitions {
    @Override
    public void applyTo(Consumer<?, ?> consumer, Region region, TopicMapping mapping, ConsumerRebalanceListener listener) {
    }
  }

  /** Topics by their names in the primary region; each region reads them under its own names. */
  record Topics(List<String> names) implements WantedPartitions {
    @Override
    public void applyTo(Consumer<?, ?> consumer, Region region, TopicMapping mapping, ConsumerRebalanceListener listener) {
      List<String> physical = names.stream().flatMap(t -> mapping.topicsIn(region, t).stream()).distinct().toList();
      if (physical.equals(names)) {
        consumer.subscribe(physical, listener);
      } else { // some may not exist in this region (yet): a pattern waits for them without errors or auto-creation
        consumer.subscribe(Pattern.compile(physical.stream().map(Pattern::quote).collect(Collectors.joining("|"))), listener);
      }
    }
  }

  /** A pattern the client matches. */
  record Matching(Pattern pattern) implements WantedPartitions {
    @Override
    public void applyTo(Consumer<?, ?> consumer, Region region, TopicMapping mapping, ConsumerRebalanceListener listener) {
      consumer.subscribe(pattern, listener);
    }
  }

  /** A pattern the broker matches (the consumer protocol of KIP-848). */
  record MatchingOnBroker(SubscriptionPattern pattern) implements WantedPartitions {
    @Override
    public void applyTo(Consumer<?, ?> consumer, Region region, TopicMapping mapping, ConsumerRebalanceListener listener) {
      consumer.subscribe(pattern, listener);
    }
  }

  /** Partitions assigned by hand; after a switch, their counterparts in the new region. */
  record Assigned(List<TopicPartition> assigned) implements WantedPartitions {
    @Override
    public void applyTo(Consumer<?, ?> consumer, Region region, TopicMapping mapping, ConsumerRebalanceListener listener) {
      consumer.assign(assigned);
    }

    @Override
    public WantedPartitions in(Region from, Region to, TopicMapping mapping) {
      if (assigned.isEmpty()) {
        return this;
      }
      return new Assigned(assigned.stream().map(tp -> mapping.counterpart(from, to, tp.topic())
          .map(t -> new TopicPartition(t, tp.partition())).orElse(null)).filter(Objects::nonNull).distinct().toList());
    }
  }
}
