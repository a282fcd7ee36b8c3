package io.streamdr.core.connect;

import java.util.List;
import java.util.Map;

/**
 * A connector's committed offsets (KIP-875 shape): a list of source partition → offset pairs, both opaque maps.
 *
 * @param offsets one entry per partition
 */
public record ConnectorOffsets(List<Offset> offsets) {
  public ConnectorOffsets {
    offsets = List.copyOf(offsets);
  }

  public static ConnectorOffsets empty() {
    return new ConnectorOffsets(List.of());
  }

  public static ConnectorOffsets of(Map<String, ?> partition, Map<String, ?> offset) {
    return new ConnectorOffsets(List.of(new Offset(partition, offset)));
  }

  public boolean isEmpty() {
    return offsets.isEmpty();
  }

  /**
   * The offset of one partition.
   *
   * @param partition identifies the partition (for sink connectors {@code kafka_topic} and {@code kafka_partition})
   * @param offset    the position (for sink connectors {@code kafka_offset}); null means reset this partition
   */
  public record Offset(Map<String, ?> partition, Map<String, ?> offset) {
    public Offset {
      partition = Map.copyOf(partition);
      offset = offset == null ? null : Map.copyOf(offset);
    }
  }
}
