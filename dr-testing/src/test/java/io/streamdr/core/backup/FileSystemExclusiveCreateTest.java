package io.streamdr.core.backup;

import io.streamdr.testing.ExclusiveCreateContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class FileSystemExclusiveCreateTest extends ExclusiveCreateContract {
  @TempDir Path dir;
  private int n;

  @Override
  protected BackupTarget target() {
    // a new instance per racer would behave the same: the exclusion is the file system's link(2), not a lock in memory
    return new FileSystemBackupTarget(dir.resolve("t" + (++n)));
  }
}
