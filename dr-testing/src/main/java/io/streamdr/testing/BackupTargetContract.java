package io.streamdr.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.NotFoundException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupObject;
import io.streamdr.core.backup.BackupOutputStream;
import io.streamdr.core.backup.BackupTarget;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BackupTarget} must do. Extend it and return a fresh, empty target from {@link #target()}.
 */
public abstract class BackupTargetContract {
  protected BackupTarget target;

  /** A new, empty target. */
  protected abstract BackupTarget target();

  /** Whether the target's streams compute the SHA-256 of what they publish ({@code BackupOutputStream.computesSha256()}). */
  protected abstract boolean computesChecksums();

  /** Whether {@link BackupTarget#list} reports each object's SHA-256 (a target may report it from {@code stat} only). */
  protected abstract boolean listsChecksums();

  @BeforeEach
  void createTarget() {
    target = target();
  }

  private static BackupKey key(String k) {
    return new BackupKey(k);
  }

  @Test
  void put_then_readAll_returns_the_same_bytes() {
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    target.put(key("a/all-bytes.bin"), all);
    assertThat(target.readAll(key("a/all-bytes.bin"))).isEqualTo(all);
  }

  @Test
  void an_empty_object_is_distinct_from_a_missing_one() {
    target.put(key("empty"), new byte[0]);
    assertThat(target.readAll(key("empty"))).isEmpty();
    assertThat(target.exists(key("empty"))).isTrue();
    assertThat(target.exists(key("missing"))).isFalse();
  }

  @Test
  void open_of_a_missing_key_throws_not_found_naming_the_key() {
    assertThatThrownBy(() -> target.open(key("no/such/object")))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("no/such/object");
  }

  @Test
  void an_object_is_invisible_until_its_stream_closes() throws IOException {
    BackupOutputStream out = target.create(key("pending/obj"));
    out.write("half".getBytes(StandardCharsets.UTF_8));
    out.flush();
    assertThat(target.exists(key("pending/obj"))).isFalse();
    assertThat(target.list("pending/")).isEmpty();
    assertThatThrownBy(() -> target.open(key("pending/obj"))).isInstanceOf(NotFoundException.class);
    out.close();
    assertThat(target.readAll(key("pending/obj"))).asString(StandardCharsets.UTF_8).isEqualTo("half");
  }

  @Test
  void an_abandoned_stream_never_publishes() throws IOException {
    BackupOutputStream out = target.create(key("abandoned"));
    out.write(new byte[1000]);
    // never closed, as when the writing process dies
    assertThat(target.exists(key("abandoned"))).isFalse();
    out.abort();
  }

  @Test
  void abort_discards_the_write_and_keeps_the_previous_version() throws IOException {
    target.put(key("doc"), "v1".getBytes(StandardCharsets.UTF_8));
    BackupOutputStream out = target.create(key("doc"));
    out.write("v2-partial".getBytes(StandardCharsets.UTF_8));
    out.abort();
    out.close(); // close after abort publishes nothing
    assertThat(target.readAll(key("doc"))).asString(StandardCharsets.UTF_8).isEqualTo("v1");
  }

  @Test
  void a_failing_writer_callback_publishes_nothing() {
    assertThatThrownBy(() -> target.write(key("failing"), out -> {
      out.write(new byte[100]);
      throw new IOException("source went away");
    })).hasMessageContaining("failing");
    assertThat(target.exists(key("failing"))).isFalse();
  }

  @Test
  void writing_an_existing_key_replaces_it() {
    target.put(key("x"), "old".getBytes(StandardCharsets.UTF_8));
    target.put(key("x"), "newer".getBytes(StandardCharsets.UTF_8));
    assertThat(target.readAll(key("x"))).asString(StandardCharsets.UTF_8).isEqualTo("newer");
    assertThat(target.list("x")).singleElement().extracting(BackupObject::size).isEqualTo(5L);
  }

  @Test
  void a_stream_that_computes_its_sha256_reports_that_of_the_published_bytes() throws Exception {
    BackupTarget t = target();
    byte[] bytes = "segment bytes, hashed once".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    io.streamdr.core.backup.BackupOutputStream out = t.create(io.streamdr.core.backup.BackupKey.of("hashed", "a.bin"));
    out.write(bytes);
    out.close();
    String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    assertThat(out.computesSha256()).as("the stream computes its SHA-256, as the implementation declares").isEqualTo(computesChecksums());
    assertThat(out.sha256()).isEqualTo(computesChecksums() ? java.util.Optional.of(expected) : java.util.Optional.empty());
  }

  @Test
  void list_filters_by_prefix_sorts_by_key_and_reports_sizes_and_checksums() throws Exception {
    target.put(key("b/2"), new byte[2]);
    target.put(key("b/1"), new byte[1]);
    target.put(key("a/3"), new byte[3]);
    target.put(key("bz"), new byte[4]);
    List<BackupObject> listed = target.list("b/");
    assertThat(listed).extracting(o -> o.key().value()).containsExactly("b/1", "b/2");
    assertThat(listed).extracting(BackupObject::size).containsExactly(1L, 2L);
    assertThat(target.list("b")).extracting(o -> o.key().value()).containsExactly("b/1", "b/2", "bz");
    assertThat(target.list("")).hasSize(4);
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[2]));
    assertThat(listed.get(1).sha256()).as("listing reports checksums, as the implementation declares")
        .isEqualTo(listsChecksums() ? java.util.Optional.of(expected) : java.util.Optional.empty());
  }

  @Test
  void delete_removes_and_is_idempotent() {
    target.put(key("d/1"), new byte[1]);
    target.delete(key("d/1"));
    target.delete(key("d/1"));
    assertThat(target.exists(key("d/1"))).isFalse();
    assertThat(target.list("d/")).isEmpty();
  }

  @Test
  void a_large_object_streams_through_intact() throws Exception {
    Random random = new Random(42);
    byte[] chunk = new byte[64 * 1024];
    MessageDigest written = MessageDigest.getInstance("SHA-256");
    try (BackupOutputStream out = target.create(key("large/blob"))) {
      for (int i = 0; i < 128; i++) { // 8 MiB
        random.nextBytes(chunk);
        out.write(chunk);
        written.update(chunk);
      }
    }
    MessageDigest read = MessageDigest.getInstance("SHA-256");
    try (InputStream in = target.open(key("large/blob"))) {
      byte[] buf = new byte[32 * 1024];
      for (int n; (n = in.read(buf)) > 0; ) {
        read.update(buf, 0, n);
      }
    }
    assertThat(read.digest()).isEqualTo(written.digest());
    assertThat(target.stat(key("large/blob"))).get().extracting(BackupObject::size).isEqualTo(8L * 1024 * 1024);
  }

  @Test
  void concurrent_writers_of_different_keys_all_publish() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<BackupObject>> futures = new java.util.ArrayList<>();
      for (int i = 0; i < 32; i++) {
        int n = i;
        futures.add(pool.submit(() -> target.put(key("c/" + n), ("value-" + n).getBytes(StandardCharsets.UTF_8))));
      }
      for (Future<BackupObject> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(target.list("c/")).hasSize(32);
    assertThat(target.readAll(key("c/17"))).asString(StandardCharsets.UTF_8).isEqualTo("value-17");
  }
}
