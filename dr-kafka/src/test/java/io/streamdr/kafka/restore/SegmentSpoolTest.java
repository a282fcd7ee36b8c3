package io.streamdr.kafka.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.backup.ForwardingBackupTarget;
import io.streamdr.core.fake.InMemoryBackupTarget;
import io.streamdr.core.internal.Sha256;
import io.streamdr.kafka.backup.BackupChain;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.BackupRecord;
import io.streamdr.kafka.internal.segment.SegmentWriter;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local copy a restore keeps of what it verified: kept when whole, dropped (never failing) when it cannot be written. */
class SegmentSpoolTest {
  @TempDir
  Path tmp;

  private final InMemoryBackupTarget store = new InMemoryBackupTarget();
  private final AtomicInteger reads = new AtomicInteger();
  private final BackupTarget counted = new ForwardingBackupTarget(store) {
    @Override
    public InputStream open(BackupKey key) {
      reads.incrementAndGet();
      return super.open(key);
    }
  };

  private BackupChain.Segment segment(String key, int records) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (SegmentWriter w = new SegmentWriter(bytes, key, 1)) {
      for (int i = 0; i < records; i++) {
        w.write(new BackupRecord(i, 1_700_000_000_000L + i, (byte) 0, ("k" + i).getBytes(StandardCharsets.UTF_8),
            ("value " + i).repeat(20).getBytes(StandardCharsets.UTF_8), List.of()));
      }
    }
    byte[] b = bytes.toByteArray();
    store.put(new BackupKey(key), b);
    String sha = HexFormat.of().formatHex(Sha256.digest().digest(b));
    return new BackupChain.Segment("b", "t", 0, new BackupManifest.SegmentEntry(key, 0, records - 1, records,
        1_700_000_000_000L, 1_700_000_000_000L + records - 1, b.length, sha));
  }

  @Test
  void a_verified_segment_is_read_from_its_copy_afterwards() throws Exception {
    BackupChain.Segment s = segment("seg/a.seg", 500);
    SegmentSpool spool = SegmentSpool.open(counted, tmp, 1_000, "b");

    assertThat(spool.verify(s)).isEqualTo(500);
    assertThat(spool.kept()).isEqualTo(1);
    try (InputStream in = spool.target().open(new BackupKey("seg/a.seg"))) {
      assertThat(in.readAllBytes()).isEqualTo(store.readAll(new BackupKey("seg/a.seg")));
    }
    assertThat(reads.get()).as("read from the store once, to verify").isEqualTo(1);
    spool.close();
    assertThat(Files.exists(spool.directory())).isFalse();
  }

  @Test
  void a_copy_that_cannot_be_written_is_dropped_and_the_segment_read_from_the_store() throws Exception {
    BackupChain.Segment s = segment("seg/a.seg", 500);
    SegmentSpool spool = SegmentSpool.open(counted, tmp, 1_000, "b");
    Files.createDirectory(spool.directory().resolve("1.seg")); // where the first copy would go: writing it fails

    assertThat(spool.verify(s)).isEqualTo(500);
    assertThat(spool.kept()).isZero();
    try (InputStream in = spool.target().open(new BackupKey("seg/a.seg"))) {
      assertThat(in.readAllBytes()).isEqualTo(store.readAll(new BackupKey("seg/a.seg")));
    }
    assertThat(reads.get()).as("read from the store again").isEqualTo(2);
    spool.close();
    assertThat(Files.exists(spool.directory())).isFalse();
  }
}
