package io.streamdr.kafka.region;

import io.streamdr.core.internal.Checks;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a topic is named in each region, so a {@link RegionAwareConsumer} subscribed to {@code orders} reads the right
 * topics after a switch and knows which topic of the new region holds the records it already read.
 *
 * <ul>
 *   <li>{@link #identity()}: the same name everywhere (Confluent cluster links, MirrorMaker 2 with
 *       {@code IdentityReplicationPolicy});</li>
 *   <li>{@link #prefixed(RegionTopology)}: MirrorMaker 2's {@code DefaultReplicationPolicy}, where region names are the
 *       MirrorMaker cluster aliases: {@code orders} written in {@code us-east-1} is {@code us-east-1.orders} in
 *       {@code us-west-2}. In a region, a consumer of {@code orders} reads the local {@code orders} (what producers
 *       write there after a failover) and the copies {@code <other-region>.orders}.</li>
 * </ul>
 */
public interface TopicMapping {

  /** The topics to read in {@code region} for a topic the application subscribed to. */
  List<String> topicsIn(Region region, String topic);

  /** The topic of region {@code to} that holds the same records as {@code topic} of region {@code from}, if any. */
  Optional<String> counterpart(Region from, Region to, String topic);

  /** Same names in every region. */
  static TopicMapping identity() {
    return new TopicMapping() {
      @Override
      public List<String> topicsIn(Region region, String topic) {
        return List.of(topic);
      }

      @Override
      public Optional<String> counterpart(Region from, Region to, String topic) {
        return Optional.of(topic);
      }

      @Override
      public String toString() {
        return "identity";
      }
    };
  }

  /** MirrorMaker 2's default naming, {@code <source-region>.<topic>}, with region names as cluster aliases. */
  static TopicMapping prefixed(RegionTopology topology) {
    Checks.requireNonNull(topology, "topology");
    return new TopicMapping() {
      @Override
      public List<String> topicsIn(Region region, String topic) {
        List<String> topics = new ArrayList<>();
        topics.add(topic);
        topology.regions().stream().filter(r -> !r.name().equals(region.name()))
            .forEach(r -> topics.add(r.name() + "." + topic));
        return topics;
      }

      @Override
      public Optional<String> counterpart(Region from, Region to, String topic) {
        if (topic.startsWith(to.name() + ".")) {
          return Optional.of(topic.substring(to.name().length() + 1)); // a copy of the new region's own topic
        }
        for (Region r : topology.regions()) {
          if (topic.startsWith(r.name() + ".")) {
            return Optional.of(topic); // a copy of a third region's topic: copied under the same name
          }
        }
        return Optional.of(from.name() + "." + topic);
      }

      @Override
      public String toString() {
        return "prefixed";
      }
    };
  }
}
