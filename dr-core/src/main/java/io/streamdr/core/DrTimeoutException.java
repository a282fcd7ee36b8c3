package io.streamdr.core;

import java.time.Duration;

/** A deadline passed before the awaited condition held. Retryable: the operation may still complete later. */
public class DrTimeoutException extends DrException {
  private final Duration waited;

  public DrTimeoutException(ResourceType resourceType, String resourceName, Duration waited, String message) {
    this(resourceType, resourceName, waited, message, null);
  }

  /** @param cause the last failure seen while waiting, if any */
  public DrTimeoutException(ResourceType resourceType, String resourceName, Duration waited, String message,
      Throwable cause) {
    super(resourceType, resourceName, message, cause, true);
    this.waited = waited;
  }

  /** How long the caller waited before giving up. */
  public Duration waited() {
    return waited;
  }
}
