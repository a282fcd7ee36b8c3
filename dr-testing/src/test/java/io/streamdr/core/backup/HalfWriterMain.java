package io.streamdr.core.backup;

import java.nio.file.Path;

/** Child process: writes half an object, says so, then blocks until killed. */
public final class HalfWriterMain {
  public static void main(String[] args) throws Exception {
    FileSystemBackupTarget target = new FileSystemBackupTarget(Path.of(args[0]));
    BackupOutputStream out = target.create(new BackupKey(args[1]));
    out.write(new byte[1024 * 1024]);
    out.flush();
    System.out.println("HALF-WRITTEN");
    System.out.flush();
    System.in.read(); // blocks until the parent kills this process
  }
}
