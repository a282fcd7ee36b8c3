package io.streamdr.kafka.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.NotFoundException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.fake.InMemoryBackupTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackupCatalogTest {
  private final InMemoryBackupTarget target = new InMemoryBackupTarget();
  private final BackupCatalog catalog = new BackupCatalog(target);
  private static final Instant NOW = Instant.parse("2026-11-24T00:00:00Z");

  private void backup(String id, BackupManifest.Type type, String parent, Duration age) {
    BackupManifest m = new BackupManifest(BackupManifest.FORMAT, 1, id, type, parent, "cluster", NOW.minus(age), NOW.minus(age),
        List.of(), Map.of());
    target.put(BackupManifest.key(id), m.toJson());
    target.put(BackupKey.of("topic-backups", id, "data", "t", "0", "00000000000000000000.seg"), new byte[] {1});
  }

  @Test
  void lists_complete_backups_oldest_first_and_ignores_incomplete_ones() {
    backup("b", BackupManifest.Type.FULL, null, Duration.ofDays(1));
    backup("a", BackupManifest.Type.FULL, null, Duration.ofDays(2));
    target.put(BackupKey.of("topic-backups", "c", "plan.json"), new byte[] {'{', '}'}); // interrupted, no manifest
    assertThat(catalog.list()).extracting(BackupManifest::id).containsExactly("a", "b");
    assertThat(catalog.latest()).get().extracting(BackupManifest::id).isEqualTo("b");
    assertThatThrownBy(() -> catalog.describe("c")).isInstanceOf(NotFoundException.class).hasMessageContaining("'c'");
  }

  @Test
  void prune_keeps_fulls_a_year_incrementals_30_days_and_every_parent_of_a_kept_incremental() {
    backup("full-old", BackupManifest.Type.FULL, null, Duration.ofDays(400));
    backup("incr-old", BackupManifest.Type.INCREMENTAL, "full-old", Duration.ofDays(399));
    backup("full-2", BackupManifest.Type.FULL, null, Duration.ofDays(380));   // older than a year...
    backup("incr-2a", BackupManifest.Type.INCREMENTAL, "full-2", Duration.ofDays(40));
    backup("incr-2b", BackupManifest.Type.INCREMENTAL, "incr-2a", Duration.ofDays(10)); // ...but this depends on it
    backup("full-3", BackupManifest.Type.FULL, null, Duration.ofDays(5));
    BackupCatalog.PruneResult dry = catalog.prune(RetentionPolicy.defaults(), NOW, true);
    assertThat(dry.deleted()).containsExactlyInAnyOrder("full-old", "incr-old");
    assertThat(catalog.list()).hasSize(6); // dry run deleted nothing
    BackupCatalog.PruneResult result = catalog.prune(RetentionPolicy.defaults(), NOW, false);
    assertThat(result.kept()).containsExactlyInAnyOrder("full-2", "incr-2a", "incr-2b", "full-3");
    assertThat(catalog.list()).extracting(BackupManifest::id).doesNotContain("full-old", "incr-old");
    assertThat(target.list("topic-backups/full-old/")).isEmpty();
  }

  @Test
  void the_newest_full_backup_is_kept_whatever_its_age() {
    backup("ancient", BackupManifest.Type.FULL, null, Duration.ofDays(900));
    assertThat(catalog.prune(RetentionPolicy.defaults(), NOW, false).kept()).containsExactly("ancient");
  }
}
