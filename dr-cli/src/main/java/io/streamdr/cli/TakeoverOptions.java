package io.streamdr.cli;

import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.connect.ConnectorSnapshots;
import io.streamdr.connect.ConnectorSnapshot;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.http.Secret;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** How connectors are restored into a region: shared by {@code connectors restore} and {@code failover --pipeline}. */
final class TakeoverOptions {
  @Option(names = "--connectors", split = ",", description = "Only these connectors (default: all of the snapshot or checkpoint).")
  List<String> only = List.of();

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a setting in every restored connector, e.g. database.hostname.")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = "--secret", paramLabel = "KEY=ENV_VAR", description = "Supply a redacted setting from an environment variable.")
  Map<String, String> secrets = new LinkedHashMap<>();

  @Option(names = "--timeout", defaultValue = "2m", description = "How long each connector (and the Flink job) may take to stop and run, e.g. 30s, 2m (default ${DEFAULT-VALUE}).")
  Duration timeout;

  Duration timeout() {
    return timeout;
  }

  @Option(names = "--slot", description = "With --database-url: the replication slot Debezium resumes from. It is fenced (the"
      + " connection still holding it ended) and offsets older than its confirmed LSN are moved up to it.")
  String slot;

  @Option(names = "--database-url", paramLabel = "JDBC_URL", description = "The database of --slot, e.g. jdbc:postgresql://db:5432/app.")
  String databaseUrl;

  @Option(names = "--database-user", description = "User for --database-url (superuser, or member of pg_signal_backend).")
  String databaseUser;

  @Option(names = "--database-password-env", defaultValue = "PGPASSWORD", paramLabel = "ENV_VAR",
      description = "Environment variable holding that user's password (default ${DEFAULT-VALUE}).")
  String databasePasswordEnv;

  void check(CommandSpec spec) {
    if ((slot == null) != (databaseUrl == null)) {
      throw new ParameterException(spec.commandLine(), "--slot and --database-url go together");
    }
  }

  /** The replication slot of --slot, if given. */
  java.util.Optional<Takeover.Slot> slot() {
    return slot == null ? java.util.Optional.empty() : java.util.Optional.of(new Takeover.Slot(slot, databaseUrl, databaseUser, databasePasswordEnv));
  }

  /** The connectors of --connectors, or all of {@code all}. */
  List<String> chosen(List<String> all) {
    return all.stream().filter(n -> only.isEmpty() || only.contains(n)).toList();
  }

  /** The snapshot with the slot fenced and Debezium's offsets moved up to it, when --slot is given; says what it did to {@code out}. */
  ConnectorSnapshot align(ConnectorSnapshot snapshot, PrintWriter out) {
    if (slot == null) {
      return snapshot;
    }
    Takeover.Aligned aligned = new Takeover.Slot(slot, databaseUrl, databaseUser, databasePasswordEnv).fenceAndAlign(snapshot);
    if (out != null) {
      out.println("  " + aligned.detail());
    }
    return aligned.snapshot();
  }

  List<ConnectorSnapshot.Entry> chosen(ConnectorSnapshot snapshot) {
    return snapshot.connectors().stream().filter(e -> only.isEmpty() || only.contains(e.name())).toList();
  }

  /** What a dry run would do to each connector, one line each. */
  void describe(List<ConnectorSnapshot.Entry> chosen, PrintWriter out) {
    chosen.forEach(e -> out.printf("  %s: created STOPPED, %d offset partition(s) set, then %s%s%n", e.name(), e.offsets().offsets().size(),
        e.state() == ConnectorState.RUNNING ? "resumed" : "left " + e.state(),
        e.redactedKeys().isEmpty() ? "" : "; needs --secret for " + e.redactedKeys()));
    if (slot != null) {
      out.printf("  slot %s at %s: the connection holding it would be ended, older offsets moved up to its confirmed LSN%n", slot, databaseUrl);
    }
  }

  /** Restores the chosen connectors of {@code snapshot} into {@code region}'s Connect cluster, with a spinner on {@code err}. */
  List<ConnectorSnapshots.Outcome> restore(StreamDrConfig cfg, ConnectorSnapshot snapshot, String region, PrintWriter err) {
    return restore(cfg, snapshot, region, err, false);
  }

  /** @param completeInterrupted whether this completes a takeover that was interrupted (connectors it created are its own) */
  List<ConnectorSnapshots.Outcome> restore(StreamDrConfig cfg, ConnectorSnapshot snapshot, String region, PrintWriter err,
      boolean completeInterrupted) {
    ConnectorSnapshots.RestoreOptions.Builder options = ConnectorSnapshots.RestoreOptions.builder().connectors(Set.copyOf(only)).timeout(timeout)
        .completeInterrupted(completeInterrupted);
    overrides.forEach(options::override);
    secrets.forEach((key, env) -> options.secret(key, Secret.fromEnv(Environment.get(), env)));
    try (Progress progress = Progress.spinner(err, "restore of " + chosen(snapshot).size() + " connectors into " + region)) {
      List<ConnectorSnapshots.Outcome> outcomes = ConnectorSnapshots.restore(snapshot, cfg.connectors(region), options.build());
      progress.done(outcomes.stream().filter(ConnectorSnapshots.Outcome::restored).count() + " restored");
      return outcomes;
    }
  }

  static void print(List<ConnectorSnapshots.Outcome> outcomes, PrintWriter out) {
    outcomes.forEach(o -> out.printf("  %s %s%s: %s%n", o.restored() ? "✔" : "✘", o.connector(),
        o.restoredAs().equals(o.connector()) ? "" : " as " + o.restoredAs(), o.detail()));
  }
}
