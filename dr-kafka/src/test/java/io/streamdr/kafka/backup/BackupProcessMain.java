package io.streamdr.kafka.backup;

import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.backup.BackupOutputStream;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.backup.FileSystemBackupTarget;
import java.io.InputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backup in a process of its own, for the test that kills it: runs a full backup into a directory and, once it has
 * published the given number of segments, prints {@code HALF-DONE} and stops making progress until it is killed.
 * Arguments: bootstrap servers, directory, topic, backup id, segments to publish before halting.
 */
public final class BackupProcessMain {
  private BackupProcessMain() {}

  public static void main(String[] args) throws Exception {
    FileSystemBackupTarget fs = new FileSystemBackupTarget(Path.of(args[1]));
    int haltAfter = Integer.parseInt(args[4]);
    AtomicInteger published = new AtomicInteger();
    CountDownLatch killed = new CountDownLatch(1); // never counted down: the parent kills this process
    BackupTarget target = new BackupTarget() {
      @Override
      public BackupOutputStream create(BackupKey key) {
        BackupOutputStream out = fs.create(key);
        return new BackupOutputStream() {
          @Override
          public void write(int b) throws IOException {
            out.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
          }

          @Override
          public void abort() {
            out.abort();
          }

          @Override
          public void close() {
            out.close();
            if (key.value().endsWith(".seg") && published.incrementAndGet() == haltAfter) {
              try { // a write still in flight when the process dies, as the other partition's would be
                fs.create(new BackupKey("topic-backups/" + args[3] + "/in-flight")).write(new byte[64 * 1024]);
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
              System.out.println("HALF-DONE");
              System.out.flush();
              try {
                killed.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }

          @Override
          public boolean computesSha256() {
            return out.computesSha256();
          }

          @Override
          public Optional<String> sha256() {
            return out.sha256();
          }
        };
      }

      @Override
      public InputStream open(BackupKey key) {
        return fs.open(key);
      }

      @Override
      public List<BackupObject> list(String prefix) {
        return fs.list(prefix);
      }

      @Override
      public void delete(BackupKey key) {
        fs.delete(key);
      }
    };
    TopicBackup.builder(Map.of("bootstrap.servers", args[0]), target).topics(List.of(args[2])).segmentBytes(16 * 1024)
        .threads(1).build().full(args[3]);
    System.out.println("COMPLETED");
  }
}
