package io.streamdr.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.ConflictException;
import io.streamdr.core.DrException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.http.Secret;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Json;
import io.streamdr.core.internal.Redaction;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots every connector of a Connect cluster (configuration, state, committed offsets) into a
 * {@link BackupTarget} as one versioned snapshot with a SHA-256 over its content, and restores connectors into the
 * same or another cluster so that they continue where they stopped: each is created STOPPED, its offsets are
 * altered, then it is resumed if it was running.
 *
 * <p>Secrets: literal values of secret-looking keys (passwords, tokens, JAAS configs…) are written as
 * {@value Redaction#MASK} unless {@link Builder#keepSecrets(boolean)}; externalized references such as
 * {@code ${file:/etc/secrets:password}} are kept as they are. On restore, redacted values must be supplied with
 * {@link RestoreOptions.Builder#secret(String, Secret)}; otherwise the restore of that connector fails naming the key.
 *
 * <p>For a consistent snapshot of running source connectors, stop them first ({@link Builder#stopFirst(boolean)}):
 * stopped tasks flush their offsets, so the snapshot holds exactly where each connector stopped.
 */
public final class ConnectorSnapshots {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectorSnapshots.class);
  private final ConnectorAdmin admin;
  private final BackupTarget target;
  private final String source;
  private final boolean keepSecrets;
  private final boolean stopFirst;
  private final Duration timeout;
  private final Clock clock;

  private ConnectorSnapshots(Builder b) {
    this.admin = b.admin;
    this.target = b.target;
    this.source = b.source;
    this.keepSecrets = b.keepSecrets;
    this.stopFirst = b.stopFirst;
    this.timeout = b.timeout;
    this.clock = b.clock;
  }

  /**
   * @param admin  the cluster to back up
   * @param target where snapshots go
   * @param source a name for the cluster recorded in the snapshot (an endpoint without credentials, a region)
   */
  public static Builder builder(ConnectorAdmin admin, BackupTarget target, String source) {
    return new Builder(admin, target, source);
  }

  /** The key of a snapshot in the target. */
  public static BackupKey key(String snapshotId) {
    return BackupKey.of("connectors", snapshotId, "snapshot.json");
  }

  /** Snapshots every connector under a new snapshot id (a timestamp) and returns the snapshot. */
  public ConnectorSnapshot take() {
    return take(io.streamdr.core.internal.Stamps.of(clock.instant()));
  }

  /** Snapshots every connector under the given snapshot id. */
  public ConnectorSnapshot take(String snapshotId) {
    Checks.requireNonBlank(snapshotId, "snapshot id");
    List<ConnectorSnapshot.Entry> entries = new ArrayList<>();
    for (String name : admin.connectors()) {
      ConnectorInfo info = admin.describe(name);
      ConnectorState state = info.state();
      if (stopFirst && state != ConnectorState.STOPPED) {
        admin.stop(name);
        admin.awaitState(name, i -> i.state() == ConnectorState.STOPPED, timeout);
      }
      ConnectorOffsets offsets = admin.offsets(name);
      if (stopFirst && (state == ConnectorState.RUNNING || state == ConnectorState.PAUSED)) {
        if (state == ConnectorState.PAUSED) {
          admin.pause(name);
        } else {
          admin.resume(name);
        }
      }
      Map<String, String> config = keepSecrets ? info.config() : Redaction.redact(info.config());
      entries.add(new ConnectorSnapshot.Entry(name, config, state, offsets));
    }
    ConnectorSnapshot snapshot = new ConnectorSnapshot(snapshotId, clock.instant(), source, entries);
    byte[] bytes = serialize(snapshot);
    target.put(key(snapshotId), bytes);
    LOG.info("Backed up {} connector(s) of {} as snapshot {} ({} bytes)", entries.size(), source, snapshotId, bytes.length);
    return snapshot;
  }

  /** Reads a snapshot and verifies its format, version and checksum. */
  public static ConnectorSnapshot read(BackupTarget target, String snapshotId) {
    BackupKey key = key(snapshotId);
    byte[] bytes = target.readAll(key);
    try {
      JsonNode root = Json.MAPPER.readTree(bytes);
      if (!ConnectorSnapshot.FORMAT.equals(root.path("format").asText())) {
        throw new BackupCorruptedException(key.value(), "'%s' is not a connector snapshot (format '%s')".formatted(key, root.path("format").asText()));
      }
      int version = root.path("version").asInt();
      if (version > ConnectorSnapshot.VERSION) {
        throw new BackupCorruptedException(key.value(), "Connector snapshot '%s' has format version %d; this library reads up to %d — upgrade StreamDR"
            .formatted(key, version, ConnectorSnapshot.VERSION));
      }
      JsonNode connectors = root.path("connectors");
      String expected = root.path("sha256").asText();
      String actual = sha256(Json.MAPPER.writeValueAsBytes(connectors));
      if (!actual.equals(expected)) {
        throw new BackupCorruptedException(key.value(),
            "Connector snapshot '%s' fails its checksum (recorded %s, computed %s); it was altered or truncated — use another snapshot"
                .formatted(key, expected, actual));
      }
      List<ConnectorSnapshot.Entry> entries = new ArrayList<>();
      for (JsonNode c : connectors) {
        entries.add(new ConnectorSnapshot.Entry(c.path("name").asText(), ConnectJson.config(c.path("config")),
            ConnectorState.parse(c.path("state").asText()), ConnectJson.offsets(c)));
      }
      return new ConnectorSnapshot(root.path("id").asText(), Instant.parse(root.path("createdAt").asText()),
          root.path("source").asText(), entries);
    } catch (IOException e) {
      throw new BackupCorruptedException(key.value(), "Connector snapshot '%s' is not valid JSON: %s".formatted(key, e.getMessage()), e);
    }
  }

  private static byte[] serialize(ConnectorSnapshot s) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("format", ConnectorSnapshot.FORMAT).put("version", ConnectorSnapshot.VERSION).put("id", s.id())
        .put("createdAt", s.createdAt().toString()).put("source", s.source());
    ArrayNode connectors = root.putArray("connectors");
    for (ConnectorSnapshot.Entry e : s.connectors()) {
      ObjectNode c = connectors.addObject();
      c.put("name", e.name()).put("state", e.state().name());
      c.set("config", Json.MAPPER.valueToTree(new TreeMap<>(e.config())));
      c.set("offsets", Json.MAPPER.valueToTree(ConnectJson.offsetsBody(e.offsets())));
    }
    try {
      root.put("sha256", sha256(Json.MAPPER.writeValueAsBytes(connectors)));
      return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("Connector snapshot could not be serialized", e);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The outcome of restoring one connector. */
  public record Outcome(String connector, String restoredAs, boolean restored, String detail) {}

  /**
   * Restores connectors of a snapshot into {@code into}: each is created STOPPED (KIP-980), its offsets altered,
   * and resumed if it was RUNNING when backed up (left PAUSED or STOPPED otherwise). One outcome per connector: a
   * failure of one does not stop the others.
   */
  public static List<Outcome> restore(ConnectorSnapshot snapshot, ConnectorAdmin into, RestoreOptions options) {
    List<Outcome> outcomes = new ArrayList<>();
    for (ConnectorSnapshot.Entry e : snapshot.connectors()) {
      if (!options.connectors().isEmpty() && !options.connectors().contains(e.name())) {
        continue;
      }
      String name = options.rename().apply(e.name());
      try {
        String done = restoreOne(e, name, into, options);
        outcomes.add(new Outcome(e.name(), name, true, done + ", now " + into.describe(name).state()));
      } catch (DrException ex) {
        LOG.warn("Restore of connector '{}' as '{}' failed: {}", e.name(), name, ex.getMessage());
        outcomes.add(new Outcome(e.name(), name, false, ex.getMessage()));
      }
    }
    return outcomes;
  }

  /** Restores one connector; returns what it did. */
  private static String restoreOne(ConnectorSnapshot.Entry e, String name, ConnectorAdmin into, RestoreOptions options) {
    String restored = "restored " + e.offsets().offsets().size() + " offset partition(s)";
    Map<String, String> config = targetConfig(e, name, options);
    if (into.connectors().contains(name)) {
      if (!options.completeInterrupted()) {
        throw new ConflictException(ResourceType.CONNECTOR, name,
            "Connector '%s' already exists in the target cluster; delete it or restore under another name".formatted(name));
      }
      ConnectorInfo found = into.describe(name);
      if (!withoutName(found.config()).equals(withoutName(config))) { // not what the interrupted run created
        throw new ConflictException(ResourceType.CONNECTOR, name, ("Connector '%s' exists in the target cluster with another"
            + " configuration, so it is not the interrupted restore's; delete it or restore under another name").formatted(name));
      }
      if (found.state() == ConnectorState.RUNNING || found.state() == ConnectorState.PAUSED) {
        return "already " + found.state() + " from the interrupted run, left as it is";
      }
      if (found.state() != ConnectorState.STOPPED) {
        throw new ConflictException(ResourceType.CONNECTOR, name,
            "Connector '%s' is %s in the target cluster; restart or delete it, then run the restore again".formatted(name, found.state()));
      }
      startFromOffsets(e, name, into, options);
      return restored + " into the STOPPED connector the interrupted run created";
    }
    into.apply(new ConnectorSpec(name, config, Optional.of(ConnectorState.STOPPED)));
    into.awaitState(name, i -> i.state() == ConnectorState.STOPPED, options.timeout());
    startFromOffsets(e, name, into, options);
    return restored;
  }

  /** The configuration a connector is restored with: the backed-up one, the overrides, the secrets supplied. */
  private static Map<String, String> targetConfig(ConnectorSnapshot.Entry e, String name, RestoreOptions options) {
    Map<String, String> config = new LinkedHashMap<>(e.config());
    config.putAll(options.overrides());
    for (Map.Entry<String, String> c : config.entrySet()) {
      if (Redaction.MASK.equals(c.getValue())) {
        Secret secret = options.secrets().get(c.getKey());
        if (secret == null) {
          throw new InvalidRequestException(ResourceType.CONNECTOR, e.name(),
              "Connector '%s' had its '%s' redacted in the backup; supply it with RestoreOptions.secret(\"%s\", ...)"
                  .formatted(e.name(), c.getKey(), c.getKey()));
        }
        c.setValue(secret.reveal());
      }
    }
    if (config.containsKey("name")) {
      config.put("name", name);
    }
    return config;
  }

  private static Map<String, String> withoutName(Map<String, String> config) {
    Map<String, String> out = new TreeMap<>(config);
    out.remove("name");
    return out;
  }

  /** Sets a STOPPED connector's offsets to the backed-up ones and brings it to its backed-up state. */
  private static void startFromOffsets(ConnectorSnapshot.Entry e, String name, ConnectorAdmin into, RestoreOptions options) {
    if (!e.offsets().isEmpty()) {
      into.alterOffsets(name, e.offsets());
    }
    if (e.state() == ConnectorState.RUNNING || e.state() == ConnectorState.PAUSED) {
      into.resume(name);
      if (e.state() == ConnectorState.PAUSED) {
        into.pause(name);
      } else {
        into.awaitState(name, ConnectorInfo::fullyRunning, options.timeout());
      }
    }
  }

  /** Builder for {@link ConnectorSnapshots}. */
  public static final class Builder {
    private final ConnectorAdmin admin;
    private final BackupTarget target;
    private final String source;
    private boolean keepSecrets;
    private boolean stopFirst;
    private Duration timeout = Duration.ofMinutes(2);
    private Clock clock = Clock.systemUTC();

    private Builder(ConnectorAdmin admin, BackupTarget target, String source) {
      this.admin = Checks.requireNonNull(admin, "admin");
      this.target = Checks.requireNonNull(target, "target");
      this.source = Checks.requireNonBlank(source, "source");
    }

    /** Write literal secrets in clear (default false: they are redacted). */
    public Builder keepSecrets(boolean keep) {
      this.keepSecrets = keep;
      return this;
    }

    /** Stop each connector before reading its offsets, then return it to its state (a consistent snapshot). */
    public Builder stopFirst(boolean stopFirst) {
      this.stopFirst = stopFirst;
      return this;
    }

    /** How long to wait for a connector to change state. */
    public Builder timeout(Duration timeout) {
      this.timeout = Checks.requirePositive(timeout, "timeout");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Checks.requireNonNull(clock, "clock");
      return this;
    }

    public ConnectorSnapshots build() {
      return new ConnectorSnapshots(this);
    }
  }

  /** What to restore and how. Immutable. */
  public static final class RestoreOptions {
    private final Set<String> connectors;
    private final UnaryOperator<String> rename;
    private final Map<String, String> overrides;
    private final Map<String, Secret> secrets;
    private final Duration timeout;
    private final boolean completeInterrupted;

    private RestoreOptions(Builder b) {
      this.connectors = Set.copyOf(b.connectors);
      this.rename = b.rename;
      this.overrides = Map.copyOf(b.overrides);
      this.secrets = Map.copyOf(b.secrets);
      this.timeout = b.timeout;
      this.completeInterrupted = b.completeInterrupted;
    }

    public static RestoreOptions defaults() {
      return builder().build();
    }

    public static Builder builder() {
      return new Builder();
    }

    public Set<String> connectors() {
      return connectors;
    }

    public UnaryOperator<String> rename() {
      return rename;
    }

    public Map<String, String> overrides() {
      return overrides;
    }

    public Map<String, Secret> secrets() {
      return secrets;
    }

    public Duration timeout() {
      return timeout;
    }

    /** Whether a connector found STOPPED or running in the target is taken as this restore's own, interrupted, work. */
    public boolean completeInterrupted() {
      return completeInterrupted;
    }

    /** Builder for {@link RestoreOptions}. */
    public static final class Builder {
      private Set<String> connectors = Set.of();
      private UnaryOperator<String> rename = n -> n;
      private final Map<String, String> overrides = new LinkedHashMap<>();
      private final Map<String, Secret> secrets = new LinkedHashMap<>();
      private Duration timeout = Duration.ofMinutes(2);
      private boolean completeInterrupted;

      /** Restore only these connectors (default: all in the snapshot). */
      public Builder connectors(Set<String> names) {
        this.connectors = Set.copyOf(names);
        return this;
      }

      /** Name restored connectors differently. */
      public Builder rename(UnaryOperator<String> rename) {
        this.rename = Checks.requireNonNull(rename, "rename");
        return this;
      }

      /** Sets a configuration value in every restored connector (another region's hostname, for example). */
      public Builder override(String key, String value) {
        overrides.put(key, value);
        return this;
      }

      /** Supplies the value of a configuration key that was redacted in the backup. */
      public Builder secret(String key, Secret value) {
        secrets.put(key, value);
        return this;
      }

      public Builder timeout(Duration timeout) {
        this.timeout = Checks.requirePositive(timeout, "timeout");
        return this;
      }

      /**
       * Completes an earlier run of the same restore that was interrupted (a crash, a kill): a connector already in
       * the target that is STOPPED gets its offsets set and is resumed; one already RUNNING or PAUSED is left as it
       * is. Without it (the default), a connector already in the target is a conflict and is not touched.
       */
      public Builder completeInterrupted(boolean complete) {
        this.completeInterrupted = complete;
        return this;
      }

      public RestoreOptions build() {
        return new RestoreOptions(this);
      }
    }
  }
}
