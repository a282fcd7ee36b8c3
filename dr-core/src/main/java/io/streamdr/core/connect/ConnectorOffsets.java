package io.streamdr.core.connect;

import java.util.Collections;
import java.util.LinkedHashMap;
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
   *
   * <p>Whole numbers are held as {@code Long}, whatever type they came in as: JSON has one number type, and an
   * offset read back from Connect or from a file (small numbers arrive as {@code Integer}) equals the one written.
   */
  public record Offset(Map<String, ?> partition, Map<String, ?> offset) {
    public Offset {
      partition = canonical(partition);
      offset = offset == null ? null : canonical(offset);
    }

    private static Map<String, Object> canonical(Map<String, ?> values) {
      Map<String, Object> out = new LinkedHashMap<>();
      values.forEach((k, v) -> out.put(k, v instanceof Integer || v instanceof Short || v instanceof Byte ? Long.valueOf(((Number) v).longValue()) : v));
      return Collections.unmodifiableMap(out);
    }
  }
}
