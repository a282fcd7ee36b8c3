package io.streamdr.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.connect.ConnectorOffsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DebeziumPostgresOffsetsTest {
  private static ConnectorOffsets at(long lsn) {
    return ConnectorOffsets.of(Map.of("server", "pg"), Map.of("lsn", lsn, "lsn_proc", lsn, "lsn_commit", lsn - 8, "txId", 852,
        "messageType", "INSERT", "ts_usec", 1796130361185749L));
  }

  @Test
  void reads_lsns_as_the_server_writes_them() {
    assertThat(DebeziumPostgresOffsets.lsn("0/1721770")).isEqualTo(0x1721770L);
    assertThat(DebeziumPostgresOffsets.lsn("2/A0")).isEqualTo((2L << 32) + 0xA0);
    assertThat(DebeziumPostgresOffsets.lsnText(0x1721770L)).isEqualTo("0/1721770");
    assertThat(DebeziumPostgresOffsets.lsnText((2L << 32) + 0xA0)).isEqualTo("2/A0");
    assertThatThrownBy(() -> DebeziumPostgresOffsets.lsn("1721770")).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("'1721770' is not a PostgreSQL LSN");
  }

  @Test
  void offsets_older_than_the_slot_move_up_to_its_confirmed_position_and_newer_ones_stay() {
    ConnectorOffsets old = at(0x1721000L);
    ConnectorOffsets moved = DebeziumPostgresOffsets.resumableFrom(old, "0/1721770");
    Map<String, ?> o = moved.offsets().get(0).offset();
    assertThat(o.get("lsn")).isEqualTo(0x1721770L);
    assertThat(o.get("lsn_proc")).isEqualTo(0x1721770L);
    assertThat(o.get("lsn_commit")).isEqualTo(0x1721770L);
    assertThat(o).doesNotContainKey("txId");
    assertThat(o.get("messageType")).isEqualTo("INSERT");
    assertThat(moved.offsets().get(0).partition()).isEqualTo(old.offsets().get(0).partition());
    assertThat(DebeziumPostgresOffsets.position(moved)).isEqualTo(0x1721770L);

    ConnectorOffsets newer = at(0x1722000L);
    assertThat(DebeziumPostgresOffsets.resumableFrom(newer, "0/1721770")).isEqualTo(newer);
    assertThat(DebeziumPostgresOffsets.resumableFrom(ConnectorOffsets.empty(), "0/1721770").isEmpty()).isTrue();
  }
}
