package io.streamdr.core.backup;

import io.streamdr.testing.BackupTargetContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The target contract over the page-cache path, which file systems that refuse direct I/O take. */
class FileSystemBackupTargetPageCacheTest extends BackupTargetContract {
  @TempDir Path dir;

  @Override
  protected BackupTarget target() {
    return new FileSystemBackupTarget(dir.resolve("root"), false);
  }

  @Override
  protected boolean computesChecksums() {
    return true;
  }

  @Override
  protected boolean listsChecksums() {
    return true;
  }
}
