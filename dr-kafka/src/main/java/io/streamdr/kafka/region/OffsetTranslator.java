package io.streamdr.kafka.region;

import io.streamdr.core.internal.Checks;
import io.streamdr.core.region.Region;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Translates a consumer's positions in the region it leaves into positions in the region it switches to. A
 * translator never places a consumer after a record it has not processed (no record is skipped); it may place it
 * before records it already processed (they are re-delivered). Translators are chained with {@link #orElse}: each
 * translates what it can and leaves the rest to the next.
 */
@FunctionalInterface
public interface OffsetTranslator {

  /**
   * What a translator is asked.
   *
   * @param from      the region left
   * @param to        the region switched to
   * @param group     the consumer group, if the consumer has one
   * @param positions by partition of the new region, where the consumer stood in the matching partition of the old
   * @param target    a consumer on the new region's cluster, for offset look-ups (not for polling)
   * @param targetConfig client configuration of the new region's cluster
   * @param timeout   how long look-ups may take
   */
  record Request(Region from, Region to, Optional<String> group, Map<TopicPartition, ConsumedPosition> positions,
      Consumer<?, ?> target, Map<String, Object> targetConfig, Duration timeout) {
    public Request {
      positions = Map.copyOf(positions);
      targetConfig = Map.copyOf(targetConfig);
    }

    /** The same request for a subset of the partitions. */
    public Request only(Map<TopicPartition, ConsumedPosition> subset) {
      return new Request(from, to, group, subset, target, targetConfig, timeout);
    }
  }

  /** Translations for the partitions this translator could translate (a subset of the request's). */
  Map<TopicPartition, Translation> translate(Request request);

  /** This translator, then {@code next} for the partitions this one left untranslated. */
  default OffsetTranslator orElse(OffsetTranslator next) {
    Checks.requireNonNull(next, "next translator");
    OffsetTranslator first = this;
    return request -> {
      Map<TopicPartition, Translation> out = new LinkedHashMap<>(first.translate(request));
      Map<TopicPartition, ConsumedPosition> rest = new HashMap<>(request.positions());
      rest.keySet().removeAll(out.keySet());
      if (!rest.isEmpty()) {
        out.putAll(next.translate(request.only(rest)));
      }
      return out;
    };
  }

  /** Same offsets: for offset-preserving replication (Confluent cluster links). */
  static OffsetTranslator identity() {
    return request -> {
      Map<TopicPartition, Translation> out = new HashMap<>();
      request.positions().forEach((tp, p) -> out.put(tp, new Translation(p.offset(), Translation.Method.IDENTITY)));
      return out;
    };
  }

  /**
   * MirrorMaker 2 checkpoints of the consumer's group in the new region (the {@code <old-region>.checkpoints.internal}
   * topic), used where the checkpoint's upstream offset is at or before the consumer's position.
   */
  static OffsetTranslator mirrorMakerCheckpoints() {
    return new MirrorMakerCheckpointTranslator();
  }

  /**
   * The first offset stamped at or after the last record the consumer processed ({@code offsetsForTimes}); every record
   * after the processed one is at or after it, so none is skipped. Partitions where nothing was processed yet are
   * left to the next translator.
   */
  static OffsetTranslator timestamps() {
    return request -> {
      Map<TopicPartition, Long> query = new HashMap<>();
      request.positions().forEach((tp, p) -> p.lastTimestamp().ifPresent(ts -> query.put(tp, ts)));
      if (query.isEmpty()) {
        return Map.of();
      }
      // the ends first: where no record is stamped at or after the one processed, every record stamped so is appended
      // after them, whereas an end read after the look-up may already be past such records (a copy still catching up)
      Map<TopicPartition, Long> ends = request.target().endOffsets(query.keySet(), request.timeout());
      var found = request.target().offsetsForTimes(query, request.timeout());
      Map<TopicPartition, Translation> out = new HashMap<>();
      query.keySet().forEach(tp -> {
        var at = found.get(tp);
        out.put(tp, new Translation(at != null ? at.offset() : ends.get(tp), Translation.Method.TIMESTAMP));
      });
      return out;
    };
  }

  /** The start of each partition: re-delivers everything, skips nothing. The last resort of every chain. */
  static OffsetTranslator earliest() {
    return request -> {
      Map<TopicPartition, Translation> out = new HashMap<>();
      request.target().beginningOffsets(request.positions().keySet(), request.timeout())
          .forEach((tp, offset) -> out.put(tp, new Translation(offset, Translation.Method.EARLIEST)));
      return out;
    };
  }

  /**
   * For MirrorMaker 2: timestamps where the consumer processed something (precise: MirrorMaker keeps timestamps and
   * order), then checkpoints for partitions where it only had a position, then earliest.
   */
  static OffsetTranslator mirrorMakerDefault() {
    return timestamps().orElse(mirrorMakerCheckpoints()).orElse(earliest());
  }
}
