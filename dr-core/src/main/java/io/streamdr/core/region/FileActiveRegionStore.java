package io.streamdr.core.region;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.BackupIoException;
import io.streamdr.core.FencedException;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An {@link ActiveRegionStore} in a JSON file, safe across processes on one host (or a shared file system with
 * working POSIX locks): every compare-and-set holds an exclusive {@link FileLock} on {@code <file>.lock} and replaces
 * the file by an atomic rename, so a reader never sees a half-written record.
 */
public final class FileActiveRegionStore implements ActiveRegionStore {
  /** File locks are held per JVM, so threads of one JVM also serialize on a lock of their own. */
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
  private final Path file;
  private final Path lockFile;
  private final Clock clock;

  public FileActiveRegionStore(Path file) {
    this(file, Clock.systemUTC());
  }

  public FileActiveRegionStore(Path file, Clock clock) {
    this.file = Checks.requireNonNull(file, "file").toAbsolutePath().normalize();
    this.lockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
    this.clock = Checks.requireNonNull(clock, "clock");
    try {
      Files.createDirectories(this.file.getParent());
    } catch (IOException e) {
      throw new BackupIoException(this.file.getParent().toString(), "create the directory of the active-region file", e);
    }
  }

  @Override
  public Optional<ActiveRegion> read() {
    try {
      byte[] bytes = Files.readAllBytes(file);
      ObjectNode node = (ObjectNode) Json.MAPPER.readTree(bytes);
      return Optional.of(new ActiveRegion(node.path("region").asText(), node.path("epoch").asLong(),
          node.path("reason").asText(""), Instant.parse(node.path("since").asText())));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      throw new BackupCorruptedException(file.toString(),
          "Active-region file %s is unreadable (%s); restore it from the other region's record or delete it to start over"
              .formatted(file, e.getMessage()), e);
    }
  }

  @Override
  public ActiveRegion compareAndSet(long expectedEpoch, String region, String reason) {
    Checks.requireNonBlank(region, "region");
    ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, p -> new ReentrantLock());
    jvmLock.lock();
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileLock ignored = channel.lock()) {
      Optional<ActiveRegion> current = read();
      long epoch = current.map(ActiveRegion::epoch).orElse(0L);
      if (epoch != expectedEpoch) {
        throw new FencedException(expectedEpoch, epoch, current.map(ActiveRegion::region).orElse(null));
      }
      ActiveRegion next = new ActiveRegion(region, epoch + 1, reason, clock.instant());
      ObjectNode node = Json.MAPPER.createObjectNode()
          .put("region", next.region()).put("epoch", next.epoch())
          .put("reason", next.reason()).put("since", next.since().toString());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        out.write(ByteBuffer.wrap(Json.MAPPER.writeValueAsBytes(node)));
        out.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return next;
    } catch (IOException e) {
      throw new BackupIoException(file.toString(), "update the active-region file", e);
    } finally {
      jvmLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "FileActiveRegionStore[" + file + "]";
  }
}
