package io.streamdr.core.backup;

import io.streamdr.core.fake.InMemoryBackupTarget;
import io.streamdr.testing.BackupTargetContract;

/** A wrapper that changes nothing keeps the whole contract of the target it wraps. */
class ForwardingBackupTargetTest extends BackupTargetContract {
  @Override
  protected BackupTarget target() {
    return new ForwardingBackupTarget(new InMemoryBackupTarget()) {};
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
