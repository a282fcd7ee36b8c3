package io.streamdr.core.fake;

import io.streamdr.core.ConflictException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.connect.ConnectorOffsets;
import io.streamdr.core.connect.ConnectorSpec;
import io.streamdr.core.connect.ConnectorState;
import io.streamdr.core.connect.RestartOptions;
import io.streamdr.core.connect.TaskInfo;
import io.streamdr.core.internal.Checks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A {@link ConnectorAdmin} over in-memory connectors, with Kafka Connect's rules: a connector is created RUNNING (or
 * in its requested initial state) with {@code tasks.max} tasks; STOPPED connectors have no tasks; offsets can be
 * altered or reset only while STOPPED; restart with {@code onlyFailed} touches only FAILED instances. Offsets
 * survive deletion, as they do in Connect's offsets topic. Thread-safe.
 *
 * <pre>{@code
 * var admin = new InMemoryConnectorAdmin();
 * admin.apply(ConnectorSpec.of("pg-source", Map.of("connector.class", "io.debezium.connector.postgresql.PostgresConnector")));
 * admin.failTask("pg-source", 0, "replication slot missing");
 * admin.restart("pg-source", RestartOptions.FAILED);
 * }</pre>
 */
public final class InMemoryConnectorAdmin implements ConnectorAdmin {
  private final Map<String, Connector> connectors = new TreeMap<>();
  private final Map<String, Map<Map<String, ?>, Map<String, ?>>> offsets = new LinkedHashMap<>();
  private final Map<String, Integer> restarts = new LinkedHashMap<>();

  private static final class Connector {
    Map<String, String> config;
    ConnectorState state;
    String trace;
    List<TaskInfo> tasks = new ArrayList<>();
  }

  @Override
  public synchronized List<String> connectors() {
    return List.copyOf(connectors.keySet());
  }

  @Override
  public synchronized ConnectorInfo describe(String name) {
    Connector c = get(name);
    return new ConnectorInfo(name, Optional.of(typeOf(c.config)), c.config, c.state, Optional.ofNullable(c.trace), c.tasks);
  }

  private static String typeOf(Map<String, String> config) {
    return config.getOrDefault("connector.class", "").toLowerCase(Locale.ROOT).contains("sink") ? "sink" : "source";
  }

  @Override
  public synchronized void apply(ConnectorSpec spec) {
    Checks.requireNonNull(spec, "spec");
    Connector c = connectors.get(spec.name());
    if (c == null) {
      c = new Connector();
      c.config = spec.config();
      connectors.put(spec.name(), c);
      enter(c, spec.initialState().orElse(ConnectorState.RUNNING));
    } else {
      c.config = spec.config();
      if (c.state != ConnectorState.STOPPED) {
        enter(c, c.state == ConnectorState.FAILED ? ConnectorState.RUNNING : c.state); // reconfiguration restarts tasks
      }
    }
  }

  /** Moves the connector to a state, creating tasks for RUNNING/PAUSED and removing them for STOPPED. */
  private static void enter(Connector c, ConnectorState state) {
    c.state = state;
    c.trace = null;
    c.tasks = new ArrayList<>();
    if (state != ConnectorState.STOPPED) {
      int n = Integer.parseInt(c.config.getOrDefault("tasks.max", "1"));
      for (int i = 0; i < n; i++) {
        c.tasks.add(new TaskInfo(i, state, Optional.of("in-memory"), Optional.empty()));
      }
    }
  }

  @Override
  public synchronized void delete(String name) {
    get(name);
    connectors.remove(name);
  }

  @Override
  public synchronized void restart(String name, RestartOptions options) {
    Connector c = get(name);
    Checks.requireNonNull(options, "options");
    restarts.merge(name, 1, Integer::sum);
    if (c.state == ConnectorState.STOPPED || c.state == ConnectorState.PAUSED) {
      return; // Connect restarts nothing of a stopped or paused connector
    }
    if (!options.onlyFailed() || c.state == ConnectorState.FAILED) {
      c.state = ConnectorState.RUNNING;
      c.trace = null;
    }
    if (options.includeTasks()) {
      c.tasks.replaceAll(t -> !options.onlyFailed() || t.state() == ConnectorState.FAILED
          ? new TaskInfo(t.id(), ConnectorState.RUNNING, t.workerId(), Optional.empty()) : t);
    }
  }

  @Override
  public synchronized void pause(String name) {
    Connector c = get(name);
    if (c.state == ConnectorState.STOPPED) {
      enter(c, ConnectorState.PAUSED);
      return;
    }
    c.state = ConnectorState.PAUSED;
    c.tasks.replaceAll(t -> new TaskInfo(t.id(), ConnectorState.PAUSED, t.workerId(), Optional.empty()));
  }

  @Override
  public synchronized void resume(String name) {
    Connector c = get(name);
    if (c.state == ConnectorState.STOPPED || c.state == ConnectorState.PAUSED) {
      enter(c, ConnectorState.RUNNING);
    }
  }

  @Override
  public synchronized void stop(String name) {
    enter(get(name), ConnectorState.STOPPED);
  }

  @Override
  public synchronized ConnectorOffsets offsets(String name) {
    get(name);
    List<ConnectorOffsets.Offset> out = new ArrayList<>();
    offsets.getOrDefault(name, Map.of()).forEach((p, o) -> out.add(new ConnectorOffsets.Offset(p, o)));
    return new ConnectorOffsets(out);
  }

  @Override
  public synchronized void alterOffsets(String name, ConnectorOffsets newOffsets) {
    requireStopped(name, "alter");
    Map<Map<String, ?>, Map<String, ?>> stored = offsets.computeIfAbsent(name, n -> new LinkedHashMap<>());
    for (ConnectorOffsets.Offset o : newOffsets.offsets()) {
      if (o.offset() == null) {
        stored.remove(o.partition());
      } else {
        stored.put(o.partition(), o.offset());
      }
    }
  }

  @Override
  public synchronized void resetOffsets(String name) {
    requireStopped(name, "reset");
    offsets.remove(name);
  }

  private void requireStopped(String name, String verb) {
    Connector c = get(name);
    if (c.state != ConnectorState.STOPPED) {
      throw new ConflictException(ResourceType.CONNECTOR, name,
          "Cannot %s offsets of connector '%s' while it is %s; stop it first (ConnectorAdmin.stop)".formatted(verb, name, c.state));
    }
  }

  // ---- test controls ----

  /** Marks one task FAILED with a trace, as a crashing task would. */
  public synchronized void failTask(String name, int task, String trace) {
    Connector c = get(name);
    if (task < 0 || task >= c.tasks.size()) {
      throw new NotFoundException(ResourceType.TASK, name + "/" + task,
          "Connector '%s' has no task %d (it has %d)".formatted(name, task, c.tasks.size()));
    }
    TaskInfo t = c.tasks.get(task);
    c.tasks.set(task, new TaskInfo(task, ConnectorState.FAILED, t.workerId(), Optional.of(trace)));
  }

  /** Marks the connector instance FAILED with a trace. */
  public synchronized void failConnector(String name, String trace) {
    Connector c = get(name);
    c.state = ConnectorState.FAILED;
    c.trace = trace;
  }

  /** Records offsets as if a RUNNING connector had committed them. */
  public synchronized void commitOffsets(String name, ConnectorOffsets committed) {
    get(name);
    Map<Map<String, ?>, Map<String, ?>> stored = offsets.computeIfAbsent(name, n -> new LinkedHashMap<>());
    committed.offsets().forEach(o -> stored.put(o.partition(), o.offset()));
  }

  /** How many restart requests a connector received. */
  public synchronized int restartCount(String name) {
    return restarts.getOrDefault(name, 0);
  }

  private Connector get(String name) {
    Checks.requireNonBlank(name, "connector name");
    Connector c = connectors.get(name);
    if (c == null) {
      throw new NotFoundException(ResourceType.CONNECTOR, name,
          "Connector '%s' not found; see the connectors with 'streamdr connectors list' (known: %s)".formatted(name, connectors.keySet()));
    }
    return c;
  }
}
