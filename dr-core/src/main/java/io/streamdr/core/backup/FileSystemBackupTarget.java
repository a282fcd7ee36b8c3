package io.streamdr.core.backup;

import io.streamdr.core.BackupIoException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A {@link BackupTarget} on a local or mounted file system. Each key is a file under the root directory.
 *
 * <p>Writes go to a temporary file under {@code <root>/.streamdr/tmp}, are fsynced and then atomically renamed onto
 * the key, so a crash never leaves a half-written object visible. The SHA-256 of each object is computed while it is
 * written and kept beside it under {@code <root>/.streamdr/sha256}, so {@link #list} reports checksums without
 * re-reading data. Thread-safe; safe for several processes writing different keys.
 */
public final class FileSystemBackupTarget implements BackupTarget {
  private static final String META_DIR = BackupKey.RESERVED_PREFIX;
  private final Path root;
  private final Path tmpDir;
  private final Path checksumDir;

  /** Uses (and creates if needed) the given directory as the root. */
  public FileSystemBackupTarget(Path root) {
    this.root = root.toAbsolutePath().normalize();
    this.tmpDir = this.root.resolve(META_DIR).resolve("tmp");
    this.checksumDir = this.root.resolve(META_DIR).resolve("sha256");
    try {
      Files.createDirectories(tmpDir);
      Files.createDirectories(checksumDir);
    } catch (IOException e) {
      throw new BackupIoException(this.root.toString(), "create the backup root directory", e);
    }
    if (!Files.isWritable(this.root)) {
      throw new InvalidRequestException("backup target", this.root.toString(),
          "Backup root '%s' is not writable; choose a directory this process can write".formatted(this.root));
    }
  }

  /** The root directory. */
  public Path root() {
    return root;
  }

  @Override
  public BackupOutputStream create(BackupKey key) {
    Path target = pathOf(key);
    Path tmp = tmpDir.resolve(UUID.randomUUID() + ".part");
    try {
      FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      return new FileOutput(key, target, tmp, channel);
    } catch (IOException e) {
      throw new BackupIoException(key, "create", e);
    }
  }

  @Override
  public InputStream open(BackupKey key) {
    Path path = pathOf(key);
    try {
      if (Files.isDirectory(path)) {
        throw notFound(key);
      }
      return Files.newInputStream(path);
    } catch (NoSuchFileException e) {
      throw notFound(key);
    } catch (IOException e) {
      throw new BackupIoException(key, "open", e);
    }
  }

  private NotFoundException notFound(BackupKey key) {
    return new NotFoundException("backup", key.value(),
        "No backup object '%s' under %s; list what exists with list(\"%s\")".formatted(key, root, parentPrefix(key)));
  }

  private static String parentPrefix(BackupKey key) {
    int slash = key.value().lastIndexOf('/');
    return slash < 0 ? "" : key.value().substring(0, slash + 1);
  }

  @Override
  public List<BackupObject> list(String prefix) {
    String p = prefix == null ? "" : prefix;
    // start the walk at the deepest directory the prefix names, not at the root
    int slash = p.lastIndexOf('/');
    Path start = slash < 0 ? root : root.resolve(p.substring(0, slash)).normalize();
    if (!start.startsWith(root) || !Files.isDirectory(start)) {
      return List.of();
    }
    List<BackupObject> out = new ArrayList<>();
    try {
      Files.walkFileTree(start, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          return dir.equals(root.resolve(META_DIR)) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile()) {
            String name = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
            if (name.startsWith(p)) {
              keyOrNull(name).ifPresent(k -> out.add(describe(k, attrs)));
            }
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) {
          return FileVisitResult.CONTINUE; // deleted while walking
        }
      });
    } catch (IOException e) {
      throw new BackupIoException(start.toString(), "list", e);
    }
    out.sort(Comparator.comparing(BackupObject::key));
    return out;
  }

  private static Optional<BackupKey> keyOrNull(String name) {
    try {
      return Optional.of(new BackupKey(name));
    } catch (InvalidRequestException e) {
      return Optional.empty(); // a file someone else put there; not ours to list
    }
  }

  private BackupObject describe(BackupKey key, BasicFileAttributes attrs) {
    Instant modified = attrs.lastModifiedTime().toInstant();
    return new BackupObject(key, attrs.size(), modified, checksum(key, attrs.size(), modified));
  }

  /** The recorded checksum, only if it was recorded for exactly this version (size and mtime) of the object. */
  private Optional<String> checksum(BackupKey key, long size, Instant modified) {
    try {
      String[] parts = Files.readString(checksumPath(key), StandardCharsets.US_ASCII).trim().split(" ");
      if (parts.length == 3 && Long.parseLong(parts[1]) == size && Long.parseLong(parts[2]) == modified.toEpochMilli()) {
        return Optional.of(parts[0]);
      }
    } catch (IOException | RuntimeException e) {
      // no or unreadable sidecar: the checksum is simply unknown
    }
    return Optional.empty();
  }

  @Override
  public void delete(BackupKey key) {
    Path path = pathOf(key);
    try {
      Files.deleteIfExists(path);
      Files.deleteIfExists(checksumPath(key));
      pruneEmptyParents(path.getParent(), root);
      pruneEmptyParents(checksumPath(key).getParent(), checksumDir);
    } catch (IOException e) {
      throw new BackupIoException(key, "delete", e);
    }
  }

  /**
   * Removes temporary files of writes that were abandoned (their process died) longer ago than {@code olderThan}.
   * Writes still in progress in other processes are younger than that and are left alone.
   *
   * @return how many files were removed
   */
  public int cleanUpAbandonedWrites(Duration olderThan) {
    Instant cutoff = Instant.now().minus(olderThan);
    int removed = 0;
    try (Stream<Path> files = Files.list(tmpDir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.getLastModifiedTime(f).toInstant().isBefore(cutoff) && Files.deleteIfExists(f)) {
          removed++;
        }
      }
    } catch (IOException e) {
      throw new BackupIoException(tmpDir.toString(), "clean up", e);
    }
    return removed;
  }

  private static void pruneEmptyParents(Path dir, Path stopAt) {
    Path d = dir;
    while (d != null && d.startsWith(stopAt) && !d.equals(stopAt)) {
      try {
        Files.deleteIfExists(d);
      } catch (DirectoryNotEmptyException e) {
        return;
      } catch (IOException e) {
        return; // best effort
      }
      d = d.getParent();
    }
  }

  private Path pathOf(BackupKey key) {
    Path p = root.resolve(key.value()).normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      throw new InvalidRequestException("backup key", key.value(),
          "Backup key '%s' resolves outside the backup root %s".formatted(key, root));
    }
    return p;
  }

  private Path checksumPath(BackupKey key) {
    return checksumDir.resolve(key.value() + ".sha256");
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some file systems cannot fsync a directory; the rename itself is still atomic
    }
  }

  private final class FileOutput extends BackupOutputStream {
    private final BackupKey key;
    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final OutputStream out;
    private final MessageDigest digest;
    private long size;
    private boolean done;

    FileOutput(BackupKey key, Path target, Path tmp, FileChannel channel) {
      this.key = key;
      this.target = target;
      this.tmp = tmp;
      this.channel = channel;
      this.out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 64 * 1024);
      try {
        this.digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is required by every Java platform", e);
      }
    }

    @Override
    public void write(int b) throws IOException {
      ensureOpen();
      out.write(b);
      digest.update((byte) b);
      size++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ensureOpen();
      out.write(b, off, len);
      digest.update(b, off, len);
      size += len;
    }

    @Override
    public void flush() throws IOException {
      ensureOpen();
      out.flush();
    }

    private void ensureOpen() throws IOException {
      if (done) {
        throw new IOException("Backup stream for '%s' is already closed or aborted".formatted(key));
      }
    }

    @Override
    public void abort() {
      if (done) {
        return;
      }
      done = true;
      try {
        channel.close();
      } catch (IOException ignored) {
        // discarding anyway
      }
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // left for cleanUpAbandonedWrites
      }
    }

    private String published;

    @Override
    public boolean computesSha256() {
      return true;
    }

    @Override
    public java.util.Optional<String> sha256() {
      return java.util.Optional.ofNullable(published);
    }

    @Override
    public void close() {
      if (done) {
        return;
      }
      try {
        out.flush();
        channel.force(true);
        channel.close();
        done = true;
        Instant modified = Files.getLastModifiedTime(tmp).toInstant();
        String sha = HexFormat.of().formatHex(digest.digest());
        published = sha;
        Path sidecar = checksumPath(key);
        Files.createDirectories(sidecar.getParent());
        Path sidecarTmp = tmpDir.resolve(UUID.randomUUID() + ".sha256.part");
        Files.writeString(sidecarTmp, sha + " " + size + " " + modified.toEpochMilli() + "\n", StandardCharsets.US_ASCII);
        Files.move(sidecarTmp, sidecar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.createDirectories(target.getParent());
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(target.getParent());
      } catch (IOException e) {
        done = true;
        try {
          channel.close();
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort
        }
        throw new BackupIoException(key, "publish", e);
      }
    }
  }
}
