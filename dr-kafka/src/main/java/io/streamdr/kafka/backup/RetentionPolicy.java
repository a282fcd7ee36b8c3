package io.streamdr.kafka.backup;

import io.streamdr.core.internal.Checks;
import java.time.Duration;

/**
 * How long topic backups are kept: incrementals {@code incrementalMaxAge} (the DR guide: 30 days), fulls
 * {@code fullMaxAge} (the DR guide: 1 year). Whatever the ages, the newest full backup is kept, and so is every backup a
 * kept incremental depends on.
 *
 * @param incrementalMaxAge age beyond which an incremental backup may be deleted
 * @param fullMaxAge        age beyond which a full backup may be deleted
 */
public record RetentionPolicy(Duration incrementalMaxAge, Duration fullMaxAge) {
  public RetentionPolicy {
    Checks.requirePositive(incrementalMaxAge, "incrementalMaxAge");
    Checks.requirePositive(fullMaxAge, "fullMaxAge");
  }

  /** the DR guide's policy: 30 days for incrementals, 365 days for fulls. */
  public static RetentionPolicy defaults() {
    return new RetentionPolicy(Duration.ofDays(30), Duration.ofDays(365));
  }
}
