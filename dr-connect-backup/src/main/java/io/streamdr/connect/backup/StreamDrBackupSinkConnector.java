package io.streamdr.connect.backup;

import io.streamdr.core.DrException;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.ContinuousBackup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous backup of topics into StreamDR's backup format. Its tasks write each partition's records into segments
 * (those of {@code streamdr backup}: every byte, header, timestamp and offset kept); the connector takes a checkpoint
 * every {@code checkpoint.interval.ms}, a backup {@code <name>@<instant>} that {@code streamdr restore},
 * {@code streamdr backups verify} and point-in-time restores use like any other. See this module's README.
 */
public final class StreamDrBackupSinkConnector extends SinkConnector {
  private static final Logger LOG = LoggerFactory.getLogger(StreamDrBackupSinkConnector.class);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private Map<String, String> props;
  private ScheduledExecutorService checkpoints;
  private Admin admin;
  private ContinuousBackup backup;
  private BackupSinkConfig config;
  private int failuresInARow;
  private volatile long checkpointsTaken;
  private volatile long checkpointFailures;
  private volatile long lastCheckpointMillis = -1;
  private volatile long lastCheckpointRecords;

  @Override
  public String version() {
    return version(getClass());
  }

  /** The plugin's version, from its jar's manifest. */
  static String version(Class<?> c) {
    String v = c.getPackage().getImplementationVersion();
    return v == null ? "unknown" : v;
  }

  @Override
  public ConfigDef config() {
    return BackupSinkConfig.DEF;
  }

  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config checked = super.validate(connectorConfigs);
    Map<String, List<String>> problems = BackupSinkConfig.problems(connectorConfigs);
    List<ConfigValue> values = new ArrayList<>(checked.configValues());
    problems.forEach((key, messages) -> {
      ConfigValue v = values.stream().filter(c -> c.name().equals(key)).findFirst().orElseGet(() -> {
        ConfigValue added = new ConfigValue(key, connectorConfigs.get(key), List.of(), new ArrayList<>());
        values.add(added);
        return added;
      });
      messages.forEach(v::addErrorMessage);
    });
    return new Config(values);
  }

  @Override
  public void start(Map<String, String> props) {
    Map<String, List<String>> problems = BackupSinkConfig.problems(props);
    if (!problems.isEmpty()) {
      throw new ConnectException("Connector " + props.get("name") + " is misconfigured: " + String.join("; ",
          problems.values().stream().flatMap(List::stream).toList()));
    }
    this.props = Map.copyOf(props);
    config = new BackupSinkConfig(props);
    BackupTarget target = config.target();
    backup = new ContinuousBackup(target, BackupSinkConfig.backupName(props));
    admin = Admin.create(config.sourceClient());
    checkpoints = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "streamdr-checkpoints-" + backup.name());
      t.setDaemon(true);
      return t;
    });
    PluginMetrics metrics = context.pluginMetrics();
    gauge(metrics, "checkpoints-total", "Checkpoints taken", () -> checkpointsTaken);
    gauge(metrics, "checkpoint-failures-total", "Checkpoints that failed (each is tried again at the next interval)", () -> checkpointFailures);
    gauge(metrics, "last-checkpoint-age-ms", "Time since the newest checkpoint was taken, -1 before the first: with segment.ms, "
        + "the backup's recovery point", () -> lastCheckpointMillis < 0 ? -1 : System.currentTimeMillis() - lastCheckpointMillis);
    gauge(metrics, "last-checkpoint-records", "Records the newest checkpoint holds", () -> lastCheckpointRecords);
    long every = config.checkpointInterval().toMillis();
    checkpoints.scheduleWithFixedDelay(this::checkpoint, every, every, TimeUnit.MILLISECONDS);
    LOG.info("Continuous backup {} into {}: a checkpoint every {} ms", backup.name(), target, every);
  }

  /** Takes one checkpoint; a failure is logged and the next interval tries again. */
  private void checkpoint() {
    try {
      BackupManifest m = backup.checkpoint(admin, topics(), config.groups(), REQUEST_TIMEOUT);
      failuresInARow = 0;
      checkpointsTaken++;
      lastCheckpointMillis = m.startedAt().toEpochMilli();
      lastCheckpointRecords = m.records();
      LOG.info("Checkpoint {}: {} records in {} partitions", m.id(), m.records(),
          m.topics().stream().mapToInt(t -> t.partitions().size()).sum());
    } catch (DrException | org.apache.kafka.common.KafkaException e) {
      failuresInARow++;
      checkpointFailures++;
      LOG.warn("Continuous backup {}: checkpoint failed ({} in a row), trying again in {} ms: {}", backup.name(), failuresInARow,
          config.checkpointInterval().toMillis(), e.getMessage());
    } catch (RuntimeException e) {
      checkpointFailures++;
      LOG.error("Continuous backup {}: checkpoint failed", backup.name(), e);
    }
  }

  /** The topics backed up: {@code topics}, or those {@code topics.regex} matches now. */
  private List<String> topics() {
    String list = props.getOrDefault("topics", "");
    if (!list.isBlank()) {
      return List.of(list.trim().split("\\s*,\\s*"));
    }
    Pattern regex = Pattern.compile(props.getOrDefault("topics.regex", ""));
    try {
      return admin.listTopics().names().get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).stream()
          .filter(t -> regex.matcher(t).matches()).sorted().toList();
    } catch (Exception e) {
      throw new ConnectException("Could not list the topics matching topics.regex=" + regex + ": " + e.getMessage(), e);
    }
  }

  static void gauge(PluginMetrics metrics, String name, String description, LongSupplier value) {
    metrics.addMetric(metrics.metricName(name, description, new LinkedHashMap<>()), (Gauge<Long>) (config, now) -> value.getAsLong());
  }

  @Override
  public Class<? extends Task> taskClass() {
    return StreamDrBackupSinkTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return Collections.nCopies(maxTasks, props);
  }

  @Override
  public void stop() {
    if (checkpoints != null) {
      checkpoints.shutdown(); // a checkpoint being taken finishes (an interrupted one would only be taken again)
      try {
        if (!checkpoints.awaitTermination(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          checkpoints.shutdownNow();
        }
      } catch (InterruptedException e) {
        checkpoints.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
    }
  }
}
