package io.streamdr.core.backup;

import io.streamdr.testing.ChildJvm;
import io.streamdr.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.testing.BackupTargetContract;
import java.util.List;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class FileSystemBackupTargetTest extends BackupTargetContract {
  @TempDir Path dir;

  @Override
  protected BackupTarget target() {
    return new FileSystemBackupTarget(dir.resolve("root"));
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
  void a_writer_killed_half_way_leaves_no_visible_object() throws Exception {
    Path root = dir.resolve("root");
    Process child = ChildJvm.start(HalfWriterMain.class, root.toString(), "topics/orders/p-0.seg");
    try {
      ChildJvm.awaitLine(child, "HALF-WRITTEN");
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    FileSystemBackupTarget target = new FileSystemBackupTarget(root);
    BackupKey key = new BackupKey("topics/orders/p-0.seg");
    assertThat(target.exists(key)).isFalse();
    assertThat(target.list("")).isEmpty();
    assertThatThrownBy(() -> target.open(key)).isInstanceOf(NotFoundException.class);
    assertThat(Files.exists(root.resolve("topics/orders/p-0.seg"))).isFalse();
    // the half-written bytes exist only as a temporary file of a dead writer, which clean-up removes
    assertThat(target.removeAbandonedWrites().objects()).isEqualTo(1);
  }

  @Test
  void the_temporary_files_of_a_killed_writer_are_removed_and_those_of_a_live_one_kept() throws Exception {
    Path root = dir.resolve("abandoned");
    Process child = ChildJvm.start(HalfWriterMain.class, root.toString(), "topics/orders/p-1.seg");
    FileSystemBackupTarget target;
    try {
      ChildJvm.awaitLine(child, "HALF-WRITTEN");
      target = new FileSystemBackupTarget(root);
      target.put(new BackupKey("topics/orders/own.seg"), new byte[] {1, 2, 3}); // this process writes there too
      assertThat(target.removeAbandonedWrites()).as("the writer is alive").isEqualTo(BackupTarget.CleanUp.NONE);
      assertThat(partFiles(root)).isNotEmpty();
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    BackupTarget.CleanUp removed = target.removeAbandonedWrites();
    assertThat(removed.objects()).isEqualTo(1);
    assertThat(removed.bytes()).isPositive();
    assertThat(partFiles(root)).isEmpty();
    assertThat(target.readAll(new BackupKey("topics/orders/own.seg"))).containsExactly(1, 2, 3);
    assertThat(target.removeAbandonedWrites()).isEqualTo(BackupTarget.CleanUp.NONE);
  }

  @Test
  void a_temporary_file_with_no_owner_is_removed_once_an_hour_old_by_the_targets_clock() throws Exception {
    Path root = dir.resolve("clocked");
    MutableClock clock = new MutableClock(Instant.now());
    FileSystemBackupTarget target = new FileSystemBackupTarget(root, clock);
    Path orphan = root.resolve(".streamdr").resolve("tmp").resolve("orphan.part");
    Files.write(orphan, new byte[] {1, 2, 3});

    clock.advance(Duration.ofMinutes(59));
    assertThat(target.removeAbandonedWrites()).isEqualTo(BackupTarget.CleanUp.NONE);
    assertThat(orphan).exists();

    clock.advance(Duration.ofMinutes(2));
    assertThat(target.removeAbandonedWrites()).isEqualTo(new BackupTarget.CleanUp(1, 3));
    assertThat(orphan).doesNotExist();
  }

  private static List<Path> partFiles(Path root) throws IOException {
    try (var files = Files.list(root.resolve(".streamdr").resolve("tmp"))) {
      return files.filter(f -> f.getFileName().toString().endsWith(".part")).toList();
    }
  }

  @ParameterizedTest(name = "direct I/O tried: {0}")
  @ValueSource(booleans = {true, false})
  void objects_of_every_size_around_block_and_buffer_boundaries_read_back_byte_for_byte(boolean tryDirectIo) throws Exception {
    FileSystemBackupTarget t = new FileSystemBackupTarget(dir.resolve("sizes-" + tryDirectIo), tryDirectIo);
    if (tryDirectIo && Set.of("ext4", "xfs", "btrfs").contains(Files.getFileStore(dir).type())) {
      assertThat(t.directIo()).as("direct I/O on " + Files.getFileStore(dir).type()).isTrue();
    }
    if (!tryDirectIo) {
      assertThat(t.directIo()).isFalse();
    }
    Random random = new Random(7);
    for (int size : new int[] {0, 1, 4095, 4096, 4097, 65535, 65536, 65537, 1024 * 1024 + 65535, 1024 * 1024 + 65536,
        3 * 1024 * 1024 + 17}) {
      byte[] content = new byte[size];
      random.nextBytes(content);
      BackupKey key = BackupKey.of("sizes", String.valueOf(size));
      BackupObject written = t.write(key, out -> {
        // single bytes, small and large writes, across buffer boundaries
        int p = 0;
        for (int step = 1; p < size; step = step * 7 % 300_007 + 1) {
          int n = Math.min(step, size - p);
          if (n == 1) {
            out.write(content[p]);
          } else {
            out.write(content, p, n);
          }
          p += n;
        }
      });
      assertThat(written.size()).as("size of %d", size).isEqualTo(size);
      assertThat(written.sha256()).as("sha-256 of %d", size)
          .contains(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
      assertThat(t.readAll(key)).as("content of %d", size).isEqualTo(content);
      assertThat(Files.size(dir.resolve("sizes-" + tryDirectIo).resolve("sizes/" + size))).isEqualTo(size);
    }
  }

  @Test
  void objects_are_plain_files_under_the_root() throws Exception {
    target.put(BackupKey.of("a", "b.txt"), "hi".getBytes());
    assertThat(Files.readString(dir.resolve("root/a/b.txt"))).isEqualTo("hi");
  }

  @Test
  void a_checksum_is_reported_only_for_the_version_it_was_computed_for() throws Exception {
    BackupKey key = BackupKey.of("sum");
    String sha = target.put(key, "abc".getBytes()).sha256().orElseThrow();
    assertThat(sha).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    Files.writeString(dir.resolve("root/sum"), "tampered"); // changed behind the target's back
    assertThat(target.stat(key).orElseThrow().sha256()).isEmpty();
  }

  @Test
  void keys_cannot_escape_the_root() {
    assertThatThrownBy(() -> new BackupKey("../etc/passwd")).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("../etc/passwd").hasMessageContaining("root");
    assertThatThrownBy(() -> new BackupKey("a/../../b")).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> new BackupKey("/abs")).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("absolute");
    assertThatThrownBy(() -> new BackupKey("a\\b")).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> new BackupKey(".streamdr/tmp/x")).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("reserved");
  }

  @Test
  void deleting_the_last_object_of_a_directory_removes_the_empty_directories() {
    target.put(BackupKey.of("x", "y", "z"), new byte[1]);
    target.delete(BackupKey.of("x", "y", "z"));
    assertThat(Files.exists(dir.resolve("root/x"))).isFalse();
  }

  @Test
  void files_that_are_not_valid_keys_are_not_listed() throws Exception {
    Files.createDirectories(dir.resolve("root"));
    Files.writeString(dir.resolve("root/ok"), "1");
    try (Stream<Path> s = Files.list(dir.resolve("root/.streamdr"))) {
      assertThat(s).isNotEmpty(); // bookkeeping exists but is never listed
    }
    assertThat(target.list("")).extracting(o -> o.key().value()).containsExactly("ok");
  }
}
