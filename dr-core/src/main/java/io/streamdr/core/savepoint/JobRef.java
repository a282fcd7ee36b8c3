package io.streamdr.core.savepoint;

import io.streamdr.core.internal.Checks;

/** A Flink job id, or a Confluent Cloud Flink statement name. */
public record JobRef(String id) {
  public JobRef {
    Checks.requireNonBlank(id, "job id");
  }

  @Override
  public String toString() {
    return id;
  }
}
