package io.streamdr.core.savepoint;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * How to take a savepoint. Immutable; build with {@link #builder()} or start from {@link #defaults()}.
 *
 * <p>The trigger id makes triggering idempotent: a retried trigger with the same id never produces a second
 * savepoint. By default every options object gets a fresh random id.
 */
public final class SavepointOptions {
  private final String targetDirectory;
  private final boolean cancelJob;
  private final SavepointFormat format;
  private final String triggerId;

  private SavepointOptions(Builder b) {
    this.targetDirectory = b.targetDirectory;
    this.cancelJob = b.cancelJob;
    this.format = b.format;
    this.triggerId = b.triggerId == null ? UUID.randomUUID().toString().replace("-", "") : b.triggerId;
  }

  /** Cluster-default directory, keep the job running, canonical format, a fresh trigger id. */
  public static SavepointOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder().targetDirectory(targetDirectory).cancelJob(cancelJob).format(format).triggerId(triggerId);
  }

  /** Where to write the savepoint; empty means the cluster's configured default. */
  public Optional<String> targetDirectory() {
    return Optional.ofNullable(targetDirectory);
  }

  /** Whether to cancel the job once the savepoint completes. */
  public boolean cancelJob() {
    return cancelJob;
  }

  public SavepointFormat format() {
    return format;
  }

  public String triggerId() {
    return triggerId;
  }

  @Override
  public String toString() {
    return "SavepointOptions[targetDirectory=%s, cancelJob=%s, format=%s, triggerId=%s]"
        .formatted(targetDirectory, cancelJob, format, triggerId);
  }

  /** Builder for {@link SavepointOptions}. */
  public static final class Builder {
    private String targetDirectory;
    private boolean cancelJob;
    private SavepointFormat format = SavepointFormat.CANONICAL;
    private String triggerId;

    private Builder() {}

    public Builder targetDirectory(String targetDirectory) {
      this.targetDirectory = targetDirectory;
      return this;
    }

    public Builder cancelJob(boolean cancelJob) {
      this.cancelJob = cancelJob;
      return this;
    }

    public Builder format(SavepointFormat format) {
      this.format = Objects.requireNonNull(format, "format");
      return this;
    }

    /**
     * A caller-chosen id so that a retried trigger is recognised as the same one: 32 lowercase hex characters, the
     * format of Flink's trigger ids. {@code null} picks a fresh random one.
     */
    public Builder triggerId(String triggerId) {
      this.triggerId = triggerId;
      return this;
    }

    public SavepointOptions build() {
      return new SavepointOptions(this);
    }
  }
}
