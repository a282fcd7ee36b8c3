package io.streamdr.core.backup;

import io.streamdr.core.BackupIoException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A {@link BackupTarget} on a local or mounted file system. Each key is a file under the root directory.
 *
 * <p>Writes go to a temporary file under {@code <root>/.streamdr/tmp}, are fsynced and then atomically renamed onto
 * the key, so a crash never leaves a half-written object visible. The SHA-256 of each object is computed while it is
 * written and kept beside it under {@code <root>/.streamdr/sha256}, so {@link #list} reports checksums without
 * re-reading data. Thread-safe; safe for several processes writing different keys. Temporary files carry the id of
 * the process that writes them, which holds a lock on {@code <root>/.streamdr/tmp/<id>.owner} while it lives, so
 * {@link #removeAbandonedWrites()} removes exactly the files of processes that died.
 *
 * <p>Where the file system takes it (ext4, XFS and most local file systems on Linux), objects are written
 * with direct I/O: a writer fills one aligned buffer while the previous one goes to the disk on a background thread,
 * and the page cache is left alone: no kernel copy into the cache, and no eviction of the pages a broker or a database
 * on the same host is serving. Elsewhere the same double buffering writes through the page cache. Either way an object
 * is fsynced before it is published.
 */
public final class FileSystemBackupTarget implements BackupTarget {
  private static final String META_DIR = BackupKey.RESERVED_PREFIX;
  private final Path root;
  private final Path tmpDir;
  private final Path checksumDir;
  /** How objects' bytes reach their temporary files (direct I/O where it can, double-buffered). */
  private final FileWrites files;
  /** Tells the age of a temporary file whose writer left no owner mark. */
  private final Clock clock;

  /** Uses (and creates if needed) the given directory as the root. */
  public FileSystemBackupTarget(Path root) {
    this(root, Clock.systemUTC());
  }

  /** With the clock that dates abandoned temporary files (see {@link #removeAbandonedWrites()}). */
  public FileSystemBackupTarget(Path root, Clock clock) {
    this(root, true, clock);
  }

  /** With {@code tryDirectIo} false, objects are always written through the page cache (tests cover both paths). */
  FileSystemBackupTarget(Path root, boolean tryDirectIo) {
    this(root, tryDirectIo, Clock.systemUTC());
  }

  private FileSystemBackupTarget(Path root, boolean tryDirectIo, Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
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
      throw new InvalidRequestException(ResourceType.BACKUP_TARGET, this.root.toString(),
          "Backup root '%s' is not writable; choose a directory this process can write".formatted(this.root));
    }
    this.files = new FileWrites(tmpDir, tryDirectIo);
  }

  /** The root directory. */
  public Path root() {
    return root;
  }

  /**
   * Whether objects are written with direct I/O ({@code O_DIRECT}: from aligned memory straight to the disk, not
   * through the page cache), which the target uses where the file system takes it.
   */
  public boolean directIo() {
    return files.direct();
  }

  @Override
  public BackupOutputStream create(BackupKey key) {
    Path target = pathOf(key);
    Path tmp = tmpDir.resolve(owner() + "-" + UUID.randomUUID() + ".part");
    try {
      return new FileOutput(key, target, tmp, files.create(tmp));
    } catch (IOException e) {
      throw new BackupIoException(key, "create", e);
    }
  }

  /**
   * Writes the bytes to a temporary file, forces them to disk and hard-links the file under the key: {@code link(2)}
   * fails when the name exists, so of concurrent callers exactly one publishes, in any process on any host sharing the
   * file system (NFS included).
   */
  @Override
  public boolean createIfAbsent(BackupKey key, byte[] bytes) {
    Path target = pathOf(key);
    Path tmp = tmpDir.resolve(owner() + "-" + UUID.randomUUID() + ".part");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      Files.createDirectories(target.getParent());
      try {
        Files.createLink(target, tmp);
      } catch (FileAlreadyExistsException e) {
        return false;
      }
      fsyncDirectory(target.getParent());
      return true;
    } catch (IOException e) {
      throw new BackupIoException(key, "create exclusively", e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // removed by removeAbandonedWrites once its owner is gone
      }
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
    return new NotFoundException(ResourceType.BACKUP, key.value(),
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

  /** This process's id in temporary file names, random per process. */
  private static final String PROCESS_OWNER = "w" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  /** The owner lock this process holds per temporary directory, taken on its first write there; kept until exit. */
  private static final ConcurrentHashMap<Path, FileLock> OWNER_LOCKS =
      new ConcurrentHashMap<>();
  private static final String OWNER_SUFFIX = ".owner";

  /** Takes this process's owner lock in this target's temporary directory (once), and returns the owner id. */
  private String owner() {
    OWNER_LOCKS.computeIfAbsent(tmpDir, dir -> {
      try {
        FileChannel ch = FileChannel.open(dir.resolve(PROCESS_OWNER + OWNER_SUFFIX), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        return ch.lock();
      } catch (IOException e) {
        throw new BackupIoException(dir.toString(), "lock the temporary directory of", e);
      }
    });
    return PROCESS_OWNER;
  }

  /**
   * Removes the temporary files of writes whose process died: every file of an owner whose lock nobody holds any more
   * (the operating system releases it when a process ends, however it ends). Files of this process and of other live
   * processes are left alone; temporary files without an owner (written by an older StreamDR) are removed once an
   * hour old.
   */
  @Override
  public CleanUp removeAbandonedWrites() {
    int removed = 0;
    long bytes = 0;
    Map<String, Boolean> dead = new HashMap<>();
    try (Stream<Path> files = Files.list(tmpDir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (name.endsWith(OWNER_SUFFIX)) {
          continue;
        }
        int dash = name.indexOf('-');
        String owner = name.startsWith("w") && dash == 17 ? name.substring(0, dash) : null;
        boolean abandoned = owner == null
            ? Files.getLastModifiedTime(f).toInstant().isBefore(clock.instant().minus(Duration.ofHours(1)))
            : dead.computeIfAbsent(owner, this::ownerIsDead);
        if (abandoned) {
          long size = Files.size(f);
          if (Files.deleteIfExists(f)) {
            removed++;
            bytes += size;
          }
        }
      }
    } catch (IOException e) {
      throw new BackupIoException(tmpDir.toString(), "clean up", e);
    }
    dead.forEach((owner, isDead) -> {
      if (isDead) {
        try {
          Files.deleteIfExists(tmpDir.resolve(owner + OWNER_SUFFIX));
        } catch (IOException ignored) {
          // removed next time
        }
      }
    });
    return new CleanUp(removed, bytes);
  }

  /** Whether the process that owns these temporary files is gone: its owner lock can be taken. */
  private boolean ownerIsDead(String owner) {
    if (owner.equals(PROCESS_OWNER)) {
      return false;
    }
    Path lock = tmpDir.resolve(owner + OWNER_SUFFIX);
    if (!Files.exists(lock)) {
      return true; // its process never took the lock it writes under, or it was removed: nobody can be writing
    }
    try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock();
      if (l == null) {
        return false;
      }
      l.release();
      return true;
    } catch (OverlappingFileLockException e) {
      return false; // held in this JVM
    } catch (IOException e) {
      return false; // cannot tell: keep them
    }
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
      throw new InvalidRequestException(ResourceType.BACKUP_KEY, key.value(),
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

  /** Writes an object to its temporary file, computing its SHA-256, and publishes it under its key on close. */
  private final class FileOutput extends BackupOutputStream {
    private final BackupKey key;
    private final Path target;
    private final Path tmp;
    private final FileWrites.Writer file;
    private final MessageDigest digest;
    private boolean done;
    private String published;

    FileOutput(BackupKey key, Path target, Path tmp, FileWrites.Writer file) {
      this.key = key;
      this.target = target;
      this.tmp = tmp;
      this.file = file;
      try {
        this.digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is required by every Java platform", e);
      }
    }

    @Override
    public void write(int b) throws IOException {
      ensureOpen();
      file.write(b);
      digest.update((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ensureOpen();
      digest.update(b, off, len);
      file.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      ensureOpen(); // buffered until full or closed: a direct write must be whole blocks
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
      file.discard();
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // removed by removeAbandonedWrites once this process has ended
      }
    }

    @Override
    public boolean computesSha256() {
      return true;
    }

    @Override
    public Optional<String> sha256() {
      return Optional.ofNullable(published);
    }

    @Override
    public void close() {
      if (done) {
        return;
      }
      try {
        file.finish();
        done = true;
        Instant modified = Files.getLastModifiedTime(tmp).toInstant();
        String sha = HexFormat.of().formatHex(digest.digest());
        published = sha;
        Path sidecar = checksumPath(key);
        Files.createDirectories(sidecar.getParent());
        Path sidecarTmp = tmpDir.resolve(owner() + "-" + UUID.randomUUID() + ".sha256.part");
        Files.writeString(sidecarTmp, sha + " " + file.size() + " " + modified.toEpochMilli() + "\n", StandardCharsets.US_ASCII);
        Files.move(sidecarTmp, sidecar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.createDirectories(target.getParent());
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(target.getParent());
      } catch (IOException e) {
        done = true;
        file.discard();
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort
        }
        throw new BackupIoException(key, "publish", e);
      }
    }
  }

  /** The root directory, for messages and logs. */
  @Override
  public String toString() {
    return "FileSystemBackupTarget[" + root + "]";
  }
}
