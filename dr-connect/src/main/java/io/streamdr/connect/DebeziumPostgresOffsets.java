package io.streamdr.connect;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.internal.Checks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Debezium PostgreSQL source offsets ({@code lsn}, {@code lsn_proc}, {@code lsn_commit}, {@code txId}…) against the
 * replication slot they resume from. A slot only streams from its {@code confirmed_flush_lsn} on, and Debezium refuses
 * to start from offsets older than that ("Last recorded offset is no longer available on the server"). Offsets carried
 * over from a checkpoint are often older: the connector went on committing, and confirming to the slot, after the
 * checkpoint was taken. Everything before the slot's confirmed position was acknowledged by the connector's Kafka
 * cluster, so resuming at it repeats nothing the database still has and loses nothing the old region did not already
 * hold.
 */
public final class DebeziumPostgresOffsets {
  private static final List<String> POSITIONS = List.of("lsn", "lsn_proc", "lsn_commit");

  private DebeziumPostgresOffsets() {}

  /** A PostgreSQL LSN as written by the server ({@code 0/1721770}) as the number Debezium records. */
  public static long lsn(String text) {
    Checks.requireNonBlank(text, "LSN");
    int slash = text.indexOf('/');
    try {
      if (slash < 0) {
        throw new NumberFormatException("no '/'");
      }
      return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(ResourceType.LSN, text, "'%s' is not a PostgreSQL LSN such as 0/1721770".formatted(text));
    }
  }

  /** A number Debezium records as the LSN text PostgreSQL writes ({@code 0/1721770}). */
  public static String lsnText(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase(Locale.ROOT) + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase(Locale.ROOT);
  }

  /** The position the offsets resume from (their {@code lsn}), or -1 when they hold none. */
  public static long position(ConnectorOffsets offsets) {
    return offsets.offsets().stream().filter(o -> o.offset() != null).map(o -> o.offset().get("lsn")).filter(Number.class::isInstance)
        .mapToLong(v -> ((Number) v).longValue()).max().orElse(-1);
  }

  /**
   * The offsets, moved up to the slot's confirmed position where they are older: {@code lsn}, {@code lsn_proc} and
   * {@code lsn_commit} below {@code confirmedFlushLsn} become it (and the transaction id, which belonged to the older
   * position, is dropped); offsets at or past it are returned as they are.
   */
  public static ConnectorOffsets resumableFrom(ConnectorOffsets offsets, String confirmedFlushLsn) {
    long confirmed = lsn(confirmedFlushLsn);
    List<ConnectorOffsets.Offset> out = new ArrayList<>();
    for (ConnectorOffsets.Offset o : offsets.offsets()) {
      Object at = o.offset() == null ? null : o.offset().get("lsn");
      if (!(at instanceof Number n) || n.longValue() >= confirmed) {
        out.add(o);
        continue;
      }
      Map<String, Object> moved = new LinkedHashMap<>(o.offset());
      for (String key : POSITIONS) {
        if (moved.get(key) instanceof Number p && p.longValue() < confirmed) {
          moved.put(key, confirmed);
        }
      }
      moved.remove("txId");
      out.add(new ConnectorOffsets.Offset(o.partition(), moved));
    }
    return new ConnectorOffsets(out);
  }
}
