package io.streamdr.core.savepoint;

import io.streamdr.core.internal.Checks;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How to (re)start a job: for self-managed Flink a jar (already uploaded, by id, or a local file to upload), its
 * entry class and arguments; for Confluent Cloud a SQL statement and its properties. Immutable.
 */
public final class JobSpec {
  private final String name;
  private final String jarId;
  private final Path jarFile;
  private final String entryClass;
  private final List<String> arguments;
  private final Integer parallelism;
  private final boolean allowNonRestoredState;
  private final RestoreMode restoreMode;
  private final String sql;
  private final Map<String, String> properties;

  private JobSpec(Builder b) {
    this.name = Checks.requireNonBlank(b.name, "job name");
    this.jarId = b.jarId;
    this.jarFile = b.jarFile;
    this.entryClass = b.entryClass;
    this.arguments = List.copyOf(b.arguments);
    this.parallelism = b.parallelism;
    this.allowNonRestoredState = b.allowNonRestoredState;
    this.restoreMode = b.restoreMode;
    this.sql = b.sql;
    this.properties = Map.copyOf(b.properties);
  }

  public static Builder builder(String name) {
    return new Builder().name(name);
  }

  public Builder toBuilder() {
    Builder b = new Builder().name(name).jarId(jarId).jarFile(jarFile).entryClass(entryClass).arguments(arguments)
        .allowNonRestoredState(allowNonRestoredState).restoreMode(restoreMode).sql(sql).properties(properties);
    b.parallelism = parallelism;
    return b;
  }

  public String name() {
    return name;
  }

  /** Id of a jar already uploaded to the Flink cluster. */
  public Optional<String> jarId() {
    return Optional.ofNullable(jarId);
  }

  /** A local jar to upload before running. */
  public Optional<Path> jarFile() {
    return Optional.ofNullable(jarFile);
  }

  public Optional<String> entryClass() {
    return Optional.ofNullable(entryClass);
  }

  public List<String> arguments() {
    return arguments;
  }

  public Optional<Integer> parallelism() {
    return Optional.ofNullable(parallelism);
  }

  /** Whether to start even if some savepoint state maps to no operator of the new job. */
  public boolean allowNonRestoredState() {
    return allowNonRestoredState;
  }

  public RestoreMode restoreMode() {
    return restoreMode;
  }

  /** The SQL statement, for Confluent Cloud Flink. */
  public Optional<String> sql() {
    return Optional.ofNullable(sql);
  }

  /** Extra properties (Cloud statement properties, Flink configuration). */
  public Map<String, String> properties() {
    return properties;
  }

  @Override
  public String toString() {
    return "JobSpec[name=%s, jarId=%s, jarFile=%s, entryClass=%s, restoreMode=%s]"
        .formatted(name, jarId, jarFile, entryClass, restoreMode);
  }

  /** Builder for {@link JobSpec}. */
  public static final class Builder {
    private String name;
    private String jarId;
    private Path jarFile;
    private String entryClass;
    private List<String> arguments = List.of();
    private Integer parallelism;
    private boolean allowNonRestoredState;
    private RestoreMode restoreMode = RestoreMode.NO_CLAIM;
    private String sql;
    private Map<String, String> properties = new LinkedHashMap<>();

    private Builder() {}

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder jarId(String jarId) {
      this.jarId = jarId;
      return this;
    }

    public Builder jarFile(Path jarFile) {
      this.jarFile = jarFile;
      return this;
    }

    public Builder entryClass(String entryClass) {
      this.entryClass = entryClass;
      return this;
    }

    public Builder arguments(List<String> arguments) {
      this.arguments = List.copyOf(arguments);
      return this;
    }

    public Builder parallelism(int parallelism) {
      this.parallelism = parallelism;
      return this;
    }

    public Builder allowNonRestoredState(boolean allow) {
      this.allowNonRestoredState = allow;
      return this;
    }

    public Builder restoreMode(RestoreMode restoreMode) {
      this.restoreMode = Objects.requireNonNull(restoreMode, "restoreMode");
      return this;
    }

    public Builder sql(String sql) {
      this.sql = sql;
      return this;
    }

    public Builder properties(Map<String, String> properties) {
      this.properties = new LinkedHashMap<>(properties);
      return this;
    }

    public Builder property(String key, String value) {
      this.properties.put(key, value);
      return this;
    }

    public JobSpec build() {
      return new JobSpec(this);
    }
  }
}
