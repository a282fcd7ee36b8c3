package io.streamdr.core.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.BackupIoException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.testing.BackupTargetContract;
import org.junit.jupiter.api.Test;

class InMemoryBackupTargetTest extends BackupTargetContract {
  @Override
  protected BackupTarget target() {
    return new InMemoryBackupTarget();
  }

  @Override
  protected boolean computesChecksums() {
    return true;
  }

  @Override
  protected boolean listsChecksums() {
    return true;
  }

  @Test
  void a_failed_publish_leaves_nothing_and_the_next_one_succeeds() {
    InMemoryBackupTarget t = new InMemoryBackupTarget().failNextPublish("disk full");
    BackupKey key = BackupKey.of("m", "1");
    assertThatThrownBy(() -> t.put(key, new byte[3])).isInstanceOf(BackupIoException.class)
        .hasMessageContaining("disk full").hasMessageContaining("m/1");
    assertThat(t.exists(key)).isFalse();
    t.put(key, new byte[3]);
    assertThat(t.publishCount()).isEqualTo(1);
  }

  @Test
  void a_failed_open_is_reported_once() {
    InMemoryBackupTarget t = new InMemoryBackupTarget();
    BackupKey key = BackupKey.of("o");
    t.put(key, new byte[] {1});
    t.failNextOpen("connection reset");
    assertThatThrownBy(() -> t.open(key)).isInstanceOf(BackupIoException.class).hasMessageContaining("connection reset");
    assertThat(t.readAll(key)).containsExactly(1);
  }

  @Test
  void corrupt_changes_the_bytes_but_not_the_recorded_checksum() {
    InMemoryBackupTarget t = new InMemoryBackupTarget();
    BackupKey key = BackupKey.of("c");
    String sha = t.put(key, new byte[] {1, 2}).sha256().orElseThrow();
    t.corrupt(key, new byte[] {1, 3});
    assertThat(t.readAll(key)).containsExactly(1, 3);
    assertThat(t.stat(key).orElseThrow().sha256()).contains(sha);
  }
}
