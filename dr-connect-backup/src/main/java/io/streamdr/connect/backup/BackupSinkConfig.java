package io.streamdr.connect.backup;

import io.streamdr.aws.S3BackupTarget;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.backup.FileSystemBackupTarget;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/** The connector's configuration: where the backup goes, how segments roll, how often a checkpoint is taken. */
final class BackupSinkConfig extends AbstractConfig {
  static final String BYTE_ARRAY = "org.apache.kafka.connect.converters.ByteArrayConverter";
  static final String NAME = "backup.name";
  static final String DIRECTORY = "backup.directory";
  static final String S3_BUCKET = "backup.s3.bucket";
  static final String S3_PREFIX = "backup.s3.prefix";
  static final String S3_REGION = "backup.s3.region";
  static final String S3_ENDPOINT = "backup.s3.endpoint";
  static final String SEGMENT_BYTES = "segment.bytes";
  static final String SEGMENT_MS = "segment.ms";
  static final String CHECKPOINT_MS = "checkpoint.interval.ms";
  static final String COMPRESSION_LEVEL = "compression.level";
  static final String GROUPS = "checkpoint.groups";
  static final String SOURCE_PREFIX = "source.";
  static final String SOURCE_BOOTSTRAP = SOURCE_PREFIX + "bootstrap.servers";

  static final ConfigDef DEF = new ConfigDef()
      .define(NAME, Type.STRING, "", Importance.HIGH,
          "The continuous backup's name: its segments go under continuous-backups/<name>/ and its checkpoints are the "
              + "backups <name>@<instant>. Defaults to the connector's name.")
      .define(DIRECTORY, Type.STRING, "", Importance.HIGH,
          "A directory every worker can write (a shared file system) to keep the backup in; or set backup.s3.bucket.")
      .define(S3_BUCKET, Type.STRING, "", Importance.HIGH, "An S3 bucket to keep the backup in; or set backup.directory.")
      .define(S3_PREFIX, Type.STRING, "", Importance.MEDIUM, "A key prefix inside the bucket.")
      .define(S3_REGION, Type.STRING, "", Importance.MEDIUM, "The bucket's AWS region; the default provider chain's if empty.")
      .define(S3_ENDPOINT, Type.STRING, "", Importance.LOW, "An S3-compatible endpoint, e.g. http://minio:9000.")
      .define(SEGMENT_BYTES, Type.LONG, 64L * 1024 * 1024, ConfigDef.Range.atLeast(1024), Importance.MEDIUM,
          "A segment is published once it holds this many bytes before compression.")
      .define(SEGMENT_MS, Type.LONG, 30_000L, ConfigDef.Range.atLeast(100), Importance.HIGH,
          "A segment is published at the latest this long after its first record; with checkpoint.interval.ms it bounds "
              + "the backup's RPO.")
      .define(CHECKPOINT_MS, Type.LONG, 60_000L, ConfigDef.Range.atLeast(100), Importance.HIGH,
          "How often a checkpoint (a restorable point) is taken.")
      .define(COMPRESSION_LEVEL, Type.INT, 1, ConfigDef.Range.between(1, 22), Importance.LOW,
          "zstd's level where a segment compresses (segments of incompressible records are stored).")
      .define(GROUPS, Type.LIST, "", Importance.MEDIUM,
          "Consumer groups whose committed offsets every checkpoint records, so a restore can set them again.")
      .define(SOURCE_BOOTSTRAP, Type.STRING, "", Importance.HIGH,
          "The source cluster's bootstrap servers, for the checkpoints' topic metadata and group offsets; further "
              + "'source.' properties (security) go to that admin client.");

  BackupSinkConfig(Map<String, String> props) {
    super(DEF, props);
  }

  /** The backup's name: backup.name, or the connector's name. */
  static String backupName(Map<String, String> props) {
    String n = props.getOrDefault(NAME, "");
    return n.isBlank() ? props.getOrDefault("name", "") : n;
  }

  long segmentBytes() {
    return getLong(SEGMENT_BYTES);
  }

  Duration segmentAge() {
    return Duration.ofMillis(getLong(SEGMENT_MS));
  }

  Duration checkpointInterval() {
    return Duration.ofMillis(getLong(CHECKPOINT_MS));
  }

  int compressionLevel() {
    return getInt(COMPRESSION_LEVEL);
  }

  List<String> groups() {
    return getList(GROUPS);
  }

  /** The admin client configuration of the source cluster: every {@code source.} property without the prefix. */
  Map<String, Object> sourceClient() {
    return new HashMap<>(originalsWithPrefix(SOURCE_PREFIX));
  }

  BackupTarget target() {
    if (!getString(DIRECTORY).isBlank()) {
      return new FileSystemBackupTarget(Path.of(getString(DIRECTORY)));
    }
    S3BackupTarget.Builder b = S3BackupTarget.builder(S3BackupTarget.defaultClient(nonBlank(S3_REGION),
        nonBlank(S3_ENDPOINT).map(URI::create)), getString(S3_BUCKET));
    nonBlank(S3_PREFIX).ifPresent(b::prefix);
    return b.build();
  }

  private Optional<String> nonBlank(String key) {
    String v = getString(key);
    return v.isBlank() ? Optional.empty() : Optional.of(v);
  }

  /**
   * What is wrong with a connector configuration beyond the types and ranges {@link #DEF} checks, per property: the
   * byte-array converters that keep records byte for byte, read_committed, a backup target, the source cluster.
   */
  static Map<String, List<String>> problems(Map<String, String> props) {
    Map<String, List<String>> out = new HashMap<>();
    for (String c : List.of("key.converter", "value.converter", "header.converter")) {
      if (!BYTE_ARRAY.equals(props.get(c))) {
        add(out, c, ("Set %s=%s in the connector's configuration: the backup keeps records byte for byte, and any other "
            + "converter (the worker's default included) changes them").formatted(c, BYTE_ARRAY));
      }
    }
    String isolation = "consumer.override.isolation.level";
    if (!"read_committed".equals(props.get(isolation))) {
      add(out, isolation, ("Set %s=read_committed: a backup never holds records of aborted transactions (the worker must allow "
          + "client overrides, connector.client.config.override.policy=All, Kafka's default)").formatted(isolation));
    }
    boolean dir = !props.getOrDefault(DIRECTORY, "").isBlank();
    boolean s3 = !props.getOrDefault(S3_BUCKET, "").isBlank();
    if (dir == s3) {
      add(out, dir ? S3_BUCKET : DIRECTORY, dir ? "Set either backup.directory or backup.s3.bucket, not both"
          : "Set backup.directory (a directory every worker shares) or backup.s3.bucket: the backup needs somewhere to go");
    }
    if (props.getOrDefault(SOURCE_BOOTSTRAP, "").isBlank()) {
      add(out, SOURCE_BOOTSTRAP, "Set source.bootstrap.servers to the bootstrap servers of the cluster the topics are on: "
          + "checkpoints record its topic metadata and group offsets");
    }
    String name = backupName(props);
    if (name.contains("@") || name.contains("/")) {
      add(out, NAME, "The backup's name '%s' may not contain '@' or '/'; set backup.name to a name without them".formatted(name));
    }
    return out;
  }

  private static void add(Map<String, List<String>> out, String key, String message) {
    out.computeIfAbsent(key, k -> new ArrayList<>()).add(message);
  }
}
