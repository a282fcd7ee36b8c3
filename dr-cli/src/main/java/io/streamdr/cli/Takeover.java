package io.streamdr.cli;

import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.connect.ConnectorSnapshot;
import io.streamdr.connect.DebeziumPostgresOffsets;
import io.streamdr.connect.ReplicationSlotCheck;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.kafka.pipeline.PipelineCheckpoint;
import io.streamdr.kafka.pipeline.PipelineCheckpointer;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.ds.PGSimpleDataSource;

/** Starting a region's connectors in another: from its newest pipeline checkpoint, against the replication slot. */
public final class Takeover {
  private Takeover() {}

  /** The connectors of {@code region}'s newest pipeline checkpoint, as a snapshot to restore. */
  public static ConnectorSnapshot fromCheckpoint(StreamDrConfig cfg, String region) {
    String name = cfg.region(region).name();
    PipelineCheckpoint c = PipelineCheckpointer.latest(cfg.backups(), name).orElseThrow(() -> new NotFoundException("pipeline checkpoint", name,
        "No pipeline checkpoint of %s in the backups; take them with 'streamdr checkpoint --region %s --every 30s'".formatted(name, name)));
    List<ConnectorSnapshot.Entry> entries = c.connectors().stream()
        .map(x -> new ConnectorSnapshot.Entry(x.name(), x.config(), x.state(), x.offsets())).toList();
    return new ConnectorSnapshot("checkpoint-" + c.takenAt(), c.takenAt(), name, entries);
  }

  /**
   * What a pipeline failover set out to do and whether it finished, kept in the backups (beside the checkpoints,
   * where the secondary can read it): written before the switch, completed after the takeover, so a failover killed
   * between the two is completed by running it again.
   *
   * @param from        the region whose connectors are taken over
   * @param to          the region taking over
   * @param epoch       the active-region epoch the switch makes
   * @param checkpoint  the pipeline checkpoint taken over
   * @param startedAt   when the failover began
   * @param completedAt when every connector was restored; null until then
   */
  public record Journal(String from, String to, long epoch, String checkpoint, java.time.Instant startedAt,
      java.time.Instant completedAt) {

    static io.streamdr.core.backup.BackupKey key(String to) {
      return io.streamdr.core.backup.BackupKey.of("pipeline-takeovers", to + ".json");
    }

    /** The journal of the newest pipeline failover into {@code to}, if any. */
    public static java.util.Optional<Journal> read(io.streamdr.core.backup.BackupTarget backups, String to) {
      if (!backups.exists(key(to))) {
        return java.util.Optional.empty();
      }
      try {
        return java.util.Optional.of(io.streamdr.core.internal.Json.MAPPER.readValue(backups.readAll(key(to)), Journal.class));
      } catch (java.io.IOException e) {
        throw new io.streamdr.core.BackupCorruptedException(key(to).toString(),
            "The pipeline failover journal " + key(to) + " is not readable JSON: " + e.getMessage()
                + "; delete it to start the failover afresh");
      }
    }

    /** Writes (or replaces) this journal. */
    public Journal write(io.streamdr.core.backup.BackupTarget backups) {
      try {
        backups.put(key(to), io.streamdr.core.internal.Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      return this;
    }

    public boolean completed() {
      return completedAt != null;
    }

    public Journal complete(java.time.Instant at) {
      return new Journal(from, to, epoch, checkpoint, startedAt, at);
    }
  }

  /** What fencing and aligning did. */
  public record Aligned(ConnectorSnapshot snapshot, String detail) {}

  /** A Debezium replication slot in a PostgreSQL database. */
  public record Slot(String name, String url, String user, String passwordEnv) {
    @Override
    public String toString() {
      return "Slot[" + name + " at " + url + "]"; // the password stays in the environment
    }

    /**
     * Ends the connection still holding the slot, and moves the offsets of every connector reading it up to its
     * confirmed LSN where they are older.
     */
    public Aligned fenceAndAlign(ConnectorSnapshot snapshot) {
      PGSimpleDataSource db = new PGSimpleDataSource();
      db.setURL(url);
      if (user != null) {
        db.setUser(user);
      }
      String password = Environment.get().get(passwordEnv);
      if (password != null) {
        db.setPassword(password);
      }
      ReplicationSlotCheck check = new ReplicationSlotCheck(db, name);
      ReplicationSlotCheck.SlotStatus status = check.status().orElseThrow(() -> new InvalidRequestException("replication-slot", name,
          "No replication slot '%s' in %s; the connectors would start a new snapshot. Check --slot".formatted(name, url)));
      String fenced = check.fence().map(pid -> "ended process " + pid + " holding slot " + name).orElse("slot " + name + " not in use");
      String confirmed = status.confirmedFlushLsn().orElse("0/0");
      List<ConnectorSnapshot.Entry> entries = new ArrayList<>();
      List<String> moved = new ArrayList<>();
      for (ConnectorSnapshot.Entry e : snapshot.connectors()) {
        if (name.equals(e.config().get("slot.name"))) {
          var aligned = DebeziumPostgresOffsets.resumableFrom(e.offsets(), confirmed);
          if (!aligned.equals(e.offsets())) {
            moved.add(e.name());
          }
          entries.add(new ConnectorSnapshot.Entry(e.name(), e.config(), e.state(), aligned));
        } else {
          entries.add(e);
        }
      }
      return new Aligned(new ConnectorSnapshot(snapshot.id(), snapshot.createdAt(), snapshot.source(), entries),
          fenced + "; " + (moved.isEmpty() ? "offsets at or past the slot's confirmed LSN " + confirmed
              : "offsets of " + moved + " moved up to the slot's confirmed LSN " + confirmed));
    }
  }
}
