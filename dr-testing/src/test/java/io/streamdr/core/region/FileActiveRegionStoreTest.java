package io.streamdr.core.region;

import io.streamdr.testing.ChildJvm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.FencedException;
import io.streamdr.testing.ChildJvm;
import io.streamdr.testing.ActiveRegionStoreContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileActiveRegionStoreTest extends ActiveRegionStoreContract {
  @TempDir Path dir;
  private int n;

  @Override
  protected ActiveRegionStore newStore() {
    return new FileActiveRegionStore(dir.resolve("store-" + (n++) + "/active-region.json"));
  }

  @Override
  protected ActiveRegionStore sameState(ActiveRegionStore store) {
    String s = store.toString();
    return new FileActiveRegionStore(Path.of(s.substring(s.indexOf('[') + 1, s.length() - 1)));
  }

  @Test
  void two_processes_incrementing_the_epoch_never_lose_an_update() throws Exception {
    Path file = dir.resolve("shared/active-region.json");
    FileActiveRegionStore store = new FileActiveRegionStore(file);
    store.compareAndSet(0, "us-east-1", "initial");
    int perProcess = 40;
    Process child = ChildJvm.start(CasWorkerMain.class, file.toString(), String.valueOf(perProcess), "us-west-2");
    ChildJvm.awaitLine(child, "READY");
    int done = 0;
    while (done < perProcess) {
      long epoch = store.read().orElseThrow().epoch();
      try {
        store.compareAndSet(epoch, "us-east-1", "increment " + done);
        done++;
      } catch (FencedException e) {
        // the child won this round; re-read and try again
      }
    }
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).isZero();
    // 1 initial + 40 from each process: every successful compare-and-set advanced the epoch exactly once
    assertThat(store.read().orElseThrow().epoch()).isEqualTo(1 + 2L * perProcess);
  }

  @Test
  void an_unreadable_file_is_reported_with_its_path_and_what_to_do() throws Exception {
    Path file = dir.resolve("broken.json");
    Files.writeString(file, "{not json");
    assertThatThrownBy(() -> new FileActiveRegionStore(file).read())
        .isInstanceOf(BackupCorruptedException.class).hasMessageContaining(file.toString()).hasMessageContaining("delete it");
  }
}
