package io.streamdr.core.fake;

import io.streamdr.core.BackupIoException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.backup.BackupOutputStream;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Checks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link BackupTarget} in memory, with the same atomic-publish behaviour as the real ones. Thread-safe.
 *
 * <p>For tests it can be told to fail: {@link #failNextPublish(String)} makes the next {@code close()} of a write
 * stream fail (nothing is published), and {@link #failNextOpen(String)} the next {@code open}. It counts what
 * happened ({@link #publishCount()}).
 */
public final class InMemoryBackupTarget implements BackupTarget {
  private final Clock clock;
  private final ConcurrentSkipListMap<BackupKey, Stored> objects = new ConcurrentSkipListMap<>();
  private final AtomicInteger publishes = new AtomicInteger();
  private volatile String failPublish;
  private volatile String failOpen;

  private record Stored(byte[] bytes, Instant at, String sha256) {}

  public InMemoryBackupTarget() {
    this(Clock.systemUTC());
  }

  public InMemoryBackupTarget(Clock clock) {
    this.clock = Checks.requireNonNull(clock, "clock");
  }

  /** The next published write fails with an I/O error carrying this message; nothing is published. */
  public InMemoryBackupTarget failNextPublish(String message) {
    this.failPublish = Checks.requireNonBlank(message, "message");
    return this;
  }

  /** The next {@link #open} fails with an I/O error carrying this message. */
  public InMemoryBackupTarget failNextOpen(String message) {
    this.failOpen = Checks.requireNonBlank(message, "message");
    return this;
  }

  /** How many objects were published since creation. */
  public int publishCount() {
    return publishes.get();
  }

  /** Replaces the bytes of a published object without updating its checksum: simulates corruption at rest. */
  public void corrupt(BackupKey key, byte[] bytes) {
    Stored s = objects.get(key);
    if (s == null) {
      throw notFound(key);
    }
    objects.put(key, new Stored(bytes.clone(), s.at(), s.sha256()));
  }

  @Override
  public boolean createIfAbsent(BackupKey key, byte[] bytes) {
    Checks.requireNonNull(key, "key");
    byte[] copy = bytes.clone();
    boolean created = objects.putIfAbsent(key, new Stored(copy, clock.instant(), sha256(copy))) == null;
    if (created) {
      publishes.incrementAndGet();
    }
    return created;
  }

  @Override
  public BackupOutputStream create(BackupKey key) {
    Checks.requireNonNull(key, "key");
    return new BackupOutputStream() {
      private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
      private boolean done;

      @Override
      public void write(int b) throws IOException {
        check();
        buf.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        check();
        buf.write(b, off, len);
      }

      private void check() throws IOException {
        if (done) {
          throw new IOException("Backup stream for '%s' is already closed or aborted".formatted(key));
        }
      }

      @Override
      public void abort() {
        done = true;
      }

      @Override
      public void close() {
        if (done) {
          return;
        }
        done = true;
        String fail = failPublish;
        if (fail != null) {
          failPublish = null;
          throw new BackupIoException(key, "publish", new IOException(fail));
        }
        byte[] bytes = buf.toByteArray();
        published = InMemoryBackupTarget.sha256(bytes);
        objects.put(key, new Stored(bytes, clock.instant(), published));
        publishes.incrementAndGet();
      }

      private String published;

      @Override
      public boolean computesSha256() {
        return true;
      }

      @Override
      public Optional<String> sha256() {
        return Optional.ofNullable(published);
      }
    };
  }

  @Override
  public InputStream open(BackupKey key) {
    String fail = failOpen;
    if (fail != null) {
      failOpen = null;
      throw new BackupIoException(key, "open", new IOException(fail));
    }
    Stored s = objects.get(key);
    if (s == null) {
      throw notFound(key);
    }
    return new ByteArrayInputStream(s.bytes());
  }

  private static NotFoundException notFound(BackupKey key) {
    return new NotFoundException(ResourceType.BACKUP, key.value(),
        "No backup object '%s' in the in-memory target; list what exists with list(\"\")".formatted(key));
  }

  @Override
  public List<BackupObject> list(String prefix) {
    String p = prefix == null ? "" : prefix;
    List<BackupObject> out = new ArrayList<>();
    objects.forEach((k, s) -> {
      if (k.value().startsWith(p)) {
        out.add(new BackupObject(k, s.bytes().length, s.at(), Optional.of(s.sha256())));
      }
    });
    return out;
  }

  @Override
  public void delete(BackupKey key) {
    objects.remove(Checks.requireNonNull(key, "key"));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
