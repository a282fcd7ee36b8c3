package io.streamdr.connect;

import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.internal.Redaction;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A backup of the connectors of one Connect cluster: configuration, state and committed offsets of each.
 *
 * @param id         snapshot id (its key in the backup target is {@code connectors/<id>/snapshot.json})
 * @param createdAt  when it was taken
 * @param source     the Connect endpoint it was taken from (without credentials)
 * @param connectors the connectors
 */
public record ConnectorSnapshot(String id, Instant createdAt, String source, List<Entry> connectors) {
  /** Format name written into every snapshot. */
  public static final String FORMAT = "streamdr-connectors";
  /** Format version written by this library. */
  public static final int VERSION = 1;

  public ConnectorSnapshot {
    connectors = List.copyOf(connectors);
  }

  /**
   * One connector.
   *
   * @param name     its name
   * @param config   its configuration; literal secrets are {@value Redaction#MASK} unless the backup kept them
   * @param state    its state when backed up
   * @param offsets  its committed offsets
   */
  public record Entry(String name, Map<String, String> config, ConnectorState state, ConnectorOffsets offsets) {
    public Entry {
      config = Map.copyOf(config);
    }

    /** Configuration keys whose values were redacted in the backup. */
    public List<String> redactedKeys() {
      return config.entrySet().stream().filter(e -> Redaction.MASK.equals(e.getValue())).map(Map.Entry::getKey).sorted().toList();
    }

    @Override
    public String toString() {
      return "Entry[name=%s, state=%s, offsets=%d, config=%s]".formatted(name, state, offsets.offsets().size(),
          Redaction.redact(config));
    }
  }

  public Entry connector(String name) {
    return connectors.stream().filter(e -> e.name().equals(name)).findFirst()
        .orElseThrow(() -> new NotFoundException(ResourceType.CONNECTOR, name,
            "Snapshot %s has no connector '%s'; it has %s".formatted(id, name, connectors.stream().map(Entry::name).toList())));
  }
}
