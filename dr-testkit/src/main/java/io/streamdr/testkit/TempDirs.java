package io.streamdr.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Temporary directories that are removed with everything inside. */
public final class TempDirs {
  private TempDirs() {}

  /** A new directory {@code streamdr-<prefix>…} in the system's temporary directory. */
  public static Path create(String prefix) {
    try {
      return Files.createTempDirectory("streamdr-" + prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Removes {@code dir} and everything in it; a missing directory is fine. */
  public static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) {
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(TempDirs.class).warn("Could not remove {}: {}", dir, e.toString());
    }
  }
}
