package io.streamdr.core.fake;

import io.streamdr.core.backup.BackupTarget;
import io.streamdr.testing.ExclusiveCreateContract;

class InMemoryExclusiveCreateTest extends ExclusiveCreateContract {
  @Override
  protected BackupTarget target() {
    return new InMemoryBackupTarget();
  }
}
