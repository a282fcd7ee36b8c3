package io.streamdr.core;

import java.time.Duration;

/** A deadline passed before the awaited condition held. Retryable: the operation may still complete later. */
public class DrTimeoutException extends DrException {
  private final Duration waited;

  public DrTimeoutException(String resourceType, String resourceName, Duration waited, String message) {
    super(resourceType, resourceName, message, null, true);
    this.waited = waited;
  }

  /** How long the caller waited before giving up. */
  public Duration waited() {
    return waited;
  }
}
