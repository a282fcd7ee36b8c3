package io.streamdr.core.connect;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Redaction;
import java.util.Map;
import java.util.Optional;

/**
 * A connector to create or update.
 *
 * @param name         connector name
 * @param config       its configuration; must name {@code connector.class}
 * @param initialState the state to create it in (KIP-980: RUNNING, PAUSED or STOPPED); ignored for updates
 */
public record ConnectorSpec(String name, Map<String, String> config, Optional<ConnectorState> initialState) {
  public ConnectorSpec {
    Checks.requireNonBlank(name, "connector name");
    config = Map.copyOf(Checks.requireNonNull(config, "config of connector '" + name + "'"));
    if (!config.containsKey("connector.class")) {
      throw new InvalidRequestException(ResourceType.CONNECTOR, name,
          "Config of connector '%s' has no 'connector.class'; add the connector's class name".formatted(name));
    }
    initialState = initialState == null ? Optional.empty() : initialState;
    initialState.ifPresent(s -> {
      if (s != ConnectorState.RUNNING && s != ConnectorState.PAUSED && s != ConnectorState.STOPPED) {
        throw new InvalidRequestException(ResourceType.CONNECTOR, name,
            "Initial state of connector '%s' must be RUNNING, PAUSED or STOPPED, was %s".formatted(name, s));
      }
    });
  }

  public static ConnectorSpec of(String name, Map<String, String> config) {
    return new ConnectorSpec(name, config, Optional.empty());
  }

  public ConnectorSpec withInitialState(ConnectorState state) {
    return new ConnectorSpec(name, config, Optional.of(state));
  }

  @Override
  public String toString() {
    return "ConnectorSpec[name=%s, initialState=%s, config=%s]"
        .formatted(name, initialState.map(Enum::name).orElse("-"), Redaction.redact(config));
  }
}
