package io.streamdr.kafka.internal.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.kafka.internal.segment.SegmentReader;
import io.streamdr.kafka.internal.segment.SegmentWriter;
import io.streamdr.core.BackupCorruptedException;
import io.streamdr.kafka.backup.BackupRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentFormatTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static final List<BackupRecord> RECORDS = List.of(
      new BackupRecord(0, 1000, (byte) 0, b("k"), b("v"), List.of()),
      new BackupRecord(1, 1001, (byte) 0, null, b("null key"), List.of()),
      new BackupRecord(2, 1002, (byte) 0, new byte[0], new byte[0], List.of()),
      new BackupRecord(5, 1003, (byte) 1, b("tombstone"), null, List.of()),
      new BackupRecord(6, 1004, (byte) 0, b("h"), b("headers"), List.of(
          new SimpleImmutableEntry<>("trace", b("a")), new SimpleImmutableEntry<>("trace", b("b")),
          new SimpleImmutableEntry<>("empty", new byte[0]), new SimpleImmutableEntry<>("null", null))));

  static byte[] segment(List<BackupRecord> records) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (SegmentWriter w = new SegmentWriter(out, "test.seg", 3)) {
      for (BackupRecord r : records) {
        w.write(r);
      }
    }
    return out.toByteArray();
  }

  static List<BackupRecord> read(byte[] bytes) throws Exception {
    List<BackupRecord> out = new ArrayList<>();
    try (SegmentReader r = new SegmentReader(new ByteArrayInputStream(bytes), "test.seg")) {
      for (BackupRecord rec; (rec = r.next()) != null; ) {
        out.add(rec);
      }
    }
    return out;
  }

  /** Counts the records as verification does, with {@link SegmentReader#skip()}. */
  static long skipAll(byte[] bytes) throws Exception {
    long n = 0;
    try (SegmentReader r = new SegmentReader(new ByteArrayInputStream(bytes), "test.seg")) {
      while (r.skip()) {
        n++;
      }
    }
    return n;
  }

  /** A segment without compression holding one frame with this body, its CRC correct, and a matching end frame. */
  private static byte[] uncompressedSegmentWithOneFrame(byte[] body) {
    java.nio.ByteBuffer seg = java.nio.ByteBuffer.allocate(SegmentFormat.MAGIC.length + 2 + 8 + body.length + 8 + 25);
    seg.put(SegmentFormat.MAGIC).put((byte) SegmentFormat.VERSION).put((byte) SegmentFormat.CODEC_NONE);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(body);
    seg.putInt(body.length).putInt((int) crc.getValue()).put(body);
    java.nio.ByteBuffer end = java.nio.ByteBuffer.allocate(25).put(SegmentFormat.TYPE_END).putLong(1).putLong(0).putLong(0);
    crc.reset();
    crc.update(end.array());
    seg.putInt(25).putInt((int) crc.getValue()).put(end.array());
    return seg.array();
  }

  private static List<BackupRecord> records(int n, java.util.function.IntFunction<byte[]> value) {
    List<BackupRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new BackupRecord(i, 1_700_000_000_000L + i, (byte) 0, b("key-" + i), value.apply(i), List.of()));
    }
    return out;
  }

  private static int codec(byte[] segment) {
    return segment[SegmentFormat.MAGIC.length + 1];
  }

  @Test
  void incompressible_records_are_stored_without_compression_and_round_trip() throws Exception {
    java.util.Random random = new java.util.Random(7);
    List<BackupRecord> in = records(1_000, i -> {
      byte[] v = new byte[1024];
      random.nextBytes(v);
      return v;
    });
    byte[] seg = segment(in);
    assertThat(codec(seg)).isEqualTo(SegmentFormat.CODEC_NONE);
    assertThat(read(seg)).hasSize(1_000).zipSatisfy(in, (a, b) -> assertThat(a.value()).isEqualTo(b.value()));
  }

  @Test
  void compressible_records_are_compressed_with_zstd_and_round_trip() throws Exception {
    List<BackupRecord> in = records(1_000, i -> b("{\"op\":\"c\",\"after\":{\"id\":" + i + ",\"type\":\"loan\",\"amount\":\"1000.00\"}}"));
    byte[] seg = segment(in);
    assertThat(codec(seg)).isEqualTo(SegmentFormat.CODEC_ZSTD);
    assertThat(seg.length).isLessThan(in.stream().mapToInt(r -> r.value().length).sum() / 3);
    assertThat(read(seg)).hasSize(1_000).zipSatisfy(in, (a, b) -> assertThat(a.value()).isEqualTo(b.value()));
  }

  @Test
  void a_segment_smaller_than_the_probe_chooses_its_codec_when_closed() throws Exception {
    // both well under the 256 KiB probe: the choice is made on what the segment holds when it is closed
    byte[] repetitive = segment(records(3, i -> b("a".repeat(2_000))));
    assertThat(codec(repetitive)).isEqualTo(SegmentFormat.CODEC_ZSTD);
    assertThat(read(repetitive)).extracting(BackupRecord::offset).containsExactly(0L, 1L, 2L);
    java.util.Random random = new java.util.Random(11);
    byte[] noise = segment(records(3, i -> {
      byte[] v = new byte[2_000];
      random.nextBytes(v);
      return v;
    }));
    assertThat(codec(noise)).isEqualTo(SegmentFormat.CODEC_NONE);
    assertThat(read(noise)).extracting(BackupRecord::offset).containsExactly(0L, 1L, 2L);
    assertThat(read(segment(List.of()))).isEmpty();
  }

  @Test
  void an_unknown_codec_is_refused_with_the_segment_named() throws Exception {
    byte[] seg = segment(RECORDS);
    seg[SegmentFormat.MAGIC.length + 1] = 9;
    assertThatThrownBy(() -> read(seg)).isInstanceOf(io.streamdr.core.BackupCorruptedException.class)
        .hasMessageContaining("test.seg").hasMessageContaining("unknown codec 9");
  }

  @Test
  void every_record_kind_round_trips_exactly() throws Exception {
    List<BackupRecord> back = read(segment(RECORDS));
    assertThat(back).hasSize(RECORDS.size());
    for (int i = 0; i < RECORDS.size(); i++) {
      BackupRecord a = RECORDS.get(i);
      BackupRecord b = back.get(i);
      assertThat(b.offset()).isEqualTo(a.offset());
      assertThat(b.timestamp()).isEqualTo(a.timestamp());
      assertThat(b.timestampType()).isEqualTo(a.timestampType());
      assertThat(b.key()).isEqualTo(a.key());
      assertThat(b.value()).isEqualTo(a.value());
      assertThat(b.headers()).hasSameSizeAs(a.headers());
      for (int h = 0; h < a.headers().size(); h++) {
        assertThat(b.headers().get(h).getKey()).isEqualTo(a.headers().get(h).getKey());
        assertThat(b.headers().get(h).getValue()).isEqualTo(a.headers().get(h).getValue());
      }
    }
    assertThat(back.get(1).key()).isNull();
    assertThat(back.get(2).key()).isNotNull().isEmpty();
    assertThat(back.get(3).value()).isNull();
  }

  @Test
  void skipping_checks_and_counts_every_record_kind_in_both_codecs_as_reading_does() throws Exception {
    java.util.Random random = new java.util.Random(5);
    List<BackupRecord> incompressible = records(300, i -> {
      byte[] v = new byte[i % 100 == 99 ? 1024 * 1024 : 900];
      random.nextBytes(v);
      return v;
    });
    List<BackupRecord> compressible = new ArrayList<>(RECORDS);
    compressible.addAll(records(2_000, i -> b("{\"op\":\"u\",\"id\":" + i + "}")));
    for (List<BackupRecord> records : List.of(RECORDS, incompressible, compressible)) {
      byte[] seg = segment(records);
      assertThat(skipAll(seg)).isEqualTo(read(seg).size()).isEqualTo(records.size());
    }
    assertThat(codec(segment(incompressible))).isEqualTo(SegmentFormat.CODEC_NONE);
    assertThat(codec(segment(compressible))).isEqualTo(SegmentFormat.CODEC_ZSTD);
  }

  @Test
  void skipping_detects_what_reading_detects() throws Exception {
    byte[] flipped = segment(RECORDS);
    flipped[flipped.length / 2] ^= 0x10;
    byte[] good = segment(RECORDS);
    byte[] truncated = Arrays.copyOf(good, good.length / 2);
    for (byte[] damaged : List.of(flipped, truncated)) {
      assertThatThrownBy(() -> skipAll(damaged)).isInstanceOf(BackupCorruptedException.class).hasMessageContaining("test.seg");
    }
  }

  @Test
  void a_frame_whose_crc_holds_but_whose_fields_overrun_it_is_malformed_to_reading_and_skipping() {
    // a record frame: type, offset, timestamp, timestamp type, then a key that claims 1000 bytes of a 4-byte rest
    byte[] body = java.nio.ByteBuffer.allocate(1 + 8 + 8 + 1 + 4 + 4).put(SegmentFormat.TYPE_RECORD).putLong(0).putLong(0)
        .put((byte) 0).putInt(1000).put(b("abcd")).array();
    byte[] seg = uncompressedSegmentWithOneFrame(body);
    assertThatThrownBy(() -> read(seg)).isInstanceOf(BackupCorruptedException.class).hasMessageContaining("malformed frame 1");
    assertThatThrownBy(() -> skipAll(seg)).isInstanceOf(BackupCorruptedException.class).hasMessageContaining("malformed frame 1");
    // a negative header count
    byte[] negative = java.nio.ByteBuffer.allocate(1 + 8 + 8 + 1 + 4 + 4 + 4).put(SegmentFormat.TYPE_RECORD).putLong(0).putLong(0)
        .put((byte) 0).putInt(-1).putInt(-1).putInt(-3).array();
    byte[] seg2 = uncompressedSegmentWithOneFrame(negative);
    assertThatThrownBy(() -> read(seg2)).isInstanceOf(BackupCorruptedException.class).hasMessageContaining("malformed frame 1");
    assertThatThrownBy(() -> skipAll(seg2)).isInstanceOf(BackupCorruptedException.class).hasMessageContaining("malformed frame 1");
    // a header whose name is null
    byte[] nullName = java.nio.ByteBuffer.allocate(1 + 8 + 8 + 1 + 4 + 4 + 4 + 4 + 4).put(SegmentFormat.TYPE_RECORD).putLong(0)
        .putLong(0).put((byte) 0).putInt(-1).putInt(-1).putInt(1).putInt(-1).putInt(-1).array();
    byte[] seg3 = uncompressedSegmentWithOneFrame(nullName);
    assertThatThrownBy(() -> read(seg3)).isInstanceOf(BackupCorruptedException.class).hasMessageContaining("malformed frame 1");
    assertThatThrownBy(() -> skipAll(seg3)).isInstanceOf(BackupCorruptedException.class).hasMessageContaining("malformed frame 1");
  }

  @Test
  void a_flipped_bit_inside_the_compressed_data_is_detected() throws Exception {
    byte[] bytes = segment(RECORDS);
    bytes[bytes.length / 2] ^= 0x10;
    assertThatThrownBy(() -> read(bytes)).isInstanceOf(BackupCorruptedException.class).hasMessageContaining("test.seg");
  }

  @Test
  void a_corrupt_frame_fails_its_crc_and_names_the_frame() throws Exception {
    // corrupt the uncompressed frame stream, then compress it again, so only the CRC can notice
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<BackupRecord> one = List.of(new BackupRecord(7, 1, (byte) 0, b("key"), b("value-value-value"), List.of()));
    byte[] good = segment(one);
    byte[] raw;
    try (var in = new com.github.luben.zstd.ZstdInputStream(new ByteArrayInputStream(good, 8, good.length - 8))) {
      raw = in.readAllBytes();
    }
    raw[20] ^= 0x01; // inside the first frame's body
    out.write(good, 0, 8);
    try (var z = new com.github.luben.zstd.ZstdOutputStream(out)) {
      z.write(raw);
    }
    assertThatThrownBy(() -> read(out.toByteArray())).isInstanceOf(BackupCorruptedException.class)
        .hasMessageContaining("CRC32C").hasMessageContaining("frame 1");
  }

  /** A source that fails after {@code n} bytes, as a store's connection does when it resets mid-read. */
  private static java.io.InputStream failingAfter(byte[] bytes, int n) {
    return new java.io.FilterInputStream(new ByteArrayInputStream(bytes, 0, n)) {
      @Override
      public int read(byte[] b, int off, int len) throws java.io.IOException {
        int got = super.read(b, off, len);
        if (got == -1) {
          throw new java.io.IOException("Connection reset");
        }
        return got;
      }

      @Override
      public int read() throws java.io.IOException {
        int got = super.read();
        if (got == -1) {
          throw new java.io.IOException("Connection reset");
        }
        return got;
      }
    };
  }

  @Test
  void a_source_that_fails_mid_read_is_an_io_error_to_retry_not_a_damaged_backup() throws Exception {
    List<BackupRecord> many = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      many.add(new BackupRecord(i, 1000 + i, (byte) 0, b("key-" + i), b("{\"order\":" + i + ",\"status\":\"new\"}"), List.of()));
    }
    for (byte[] seg : List.of(segment(RECORDS), segment(many))) {
      for (int cut : List.of(4, seg.length / 2)) {
        assertThatThrownBy(() -> {
          try (SegmentReader r = new SegmentReader(failingAfter(seg, cut), "test.seg")) {
            while (r.skip()) {
              // read on until the source fails
            }
          }
        }).as("cut after %d of %d bytes", cut, seg.length).isInstanceOf(io.streamdr.core.BackupIoException.class)
            .hasMessageContaining("test.seg").hasMessageContaining("Connection reset")
            .satisfies(e -> assertThat(((io.streamdr.core.DrException) e).retryable()).isTrue());
      }
    }
  }

  @Test
  void a_truncated_segment_is_detected() throws Exception {
    byte[] bytes = segment(RECORDS);
    byte[] half = Arrays.copyOf(bytes, bytes.length / 2);
    assertThatThrownBy(() -> read(half)).isInstanceOf(BackupCorruptedException.class).hasMessageContaining("test.seg");
  }

  @Test
  void a_file_that_is_not_a_segment_is_refused() {
    assertThatThrownBy(() -> read(b("{\"not\":\"a segment\"}"))).isInstanceOf(BackupCorruptedException.class)
        .hasMessageContaining("magic");
  }

  @Test
  void a_one_mib_value_round_trips() throws Exception {
    byte[] big = new byte[1024 * 1024];
    new java.util.Random(1).nextBytes(big);
    List<BackupRecord> back = read(segment(List.of(new BackupRecord(0, 0, (byte) 0, b("big"), big, List.of()))));
    assertThat(back.get(0).value()).isEqualTo(big);
  }

  @Test
  void large_records_between_small_ones_round_trip_in_both_codecs() throws Exception {
    java.util.Random random = new java.util.Random(3);
    for (boolean compressible : new boolean[] {true, false}) {
      List<BackupRecord> in = records(40, i -> {
        byte[] v = new byte[i % 5 == 4 ? 3 * 1024 * 1024 + i : 700 + i];
        if (compressible) {
          Arrays.fill(v, (byte) ('a' + i % 26));
        } else {
          random.nextBytes(v);
        }
        return v;
      });
      byte[] seg = segment(in);
      assertThat(codec(seg)).isEqualTo(compressible ? SegmentFormat.CODEC_ZSTD : SegmentFormat.CODEC_NONE);
      assertThat(read(seg)).hasSize(40).zipSatisfy(in, (a, b) -> assertThat(a.value()).isEqualTo(b.value()));
    }
  }

  @Test
  void a_discarded_segment_writes_nothing_more_and_the_next_segments_are_unharmed() throws Exception {
    List<BackupRecord> json = records(5_000, i -> b("{\"op\":\"c\",\"after\":{\"id\":" + i + ",\"note\":\"" + "x".repeat(i % 300) + "\"}}"));
    ByteArrayOutputStream abandoned = new ByteArrayOutputStream();
    SegmentWriter w = new SegmentWriter(abandoned, "abandoned.seg", 1);
    for (BackupRecord r : json) {
      w.write(r);
    }
    assertThat(w.codec()).isEqualTo(SegmentFormat.CODEC_ZSTD);
    int written = abandoned.size();
    w.discard();
    assertThat(abandoned.size()).isEqualTo(written);
    // the compressor's buffers are pooled: segments written after an abandoned one, one after another, read back exact
    for (int round = 0; round < 3; round++) {
      List<BackupRecord> in = json.subList(round * 1_000, round * 1_000 + 1_500);
      byte[] seg = segment(in);
      assertThat(codec(seg)).isEqualTo(SegmentFormat.CODEC_ZSTD);
      assertThat(read(seg)).hasSize(1_500).zipSatisfy(in, (a, b) -> {
        assertThat(a.offset()).isEqualTo(b.offset());
        assertThat(a.value()).isEqualTo(b.value());
      });
    }
  }

  @Test
  void discarding_while_a_write_is_stuck_in_the_sink_returns_at_once_and_nothing_more_reaches_the_sink() throws Exception {
    java.util.concurrent.CountDownLatch stuck = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger writesAfterRelease = new java.util.concurrent.atomic.AtomicInteger();
    java.io.OutputStream sink = new java.io.OutputStream() {
      @Override
      public void write(int b) {
      }

      @Override
      public void write(byte[] b, int off, int len) {
        if (release.getCount() == 0) {
          writesAfterRelease.incrementAndGet();
        } else if (armed.get()) {
          stuck.countDown(); // a target that stopped answering: the write blocks until released
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    };
    java.util.Random random = new java.util.Random(11);
    // half random, half constant: zstd is chosen and its output fills the 128 KiB buffer that goes to the sink
    java.util.function.IntFunction<byte[]> value = i -> {
      byte[] v = new byte[1024];
      random.nextBytes(v);
      Arrays.fill(v, 512, 1024, (byte) 'x');
      return v;
    };
    SegmentWriter w = new SegmentWriter(sink, "test.seg", 1);
    for (BackupRecord r : records(400, value)) {
      w.write(r);
    }
    assertThat(w.codec()).isEqualTo(SegmentFormat.CODEC_ZSTD);
    armed.set(true);
    java.util.concurrent.ExecutorService writer = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      java.util.concurrent.Future<?> writing = writer.submit(() -> {
        for (BackupRecord r : records(20_000, value)) {
          w.write(r);
        }
        return null;
      });
      assertThat(stuck.await(60, java.util.concurrent.TimeUnit.SECONDS)).as("a write reached the sink and blocked").isTrue();
      // the abort's discard must not wait for the stuck write (it would hang the abort and skip the target's abort)
      java.util.concurrent.CompletableFuture.runAsync(w::discard).get(60, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(writing).isNotDone();
      release.countDown();
      assertThatThrownBy(() -> writing.get(60, java.util.concurrent.TimeUnit.SECONDS))
          .hasRootCauseInstanceOf(java.io.IOException.class).hasRootCauseMessage("segment compressor already discarded");
      assertThat(writesAfterRelease).hasValue(0);
    } finally {
      release.countDown();
      writer.shutdownNow();
    }
  }
}
