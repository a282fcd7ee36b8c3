package io.streamdr.core;

import java.util.Optional;

/**
 * Root of every exception StreamDR throws. Unchecked: no public StreamDR method declares a checked exception.
 *
 * <p>Each instance may name the resource it concerns ({@link #resourceType()}, {@link #resourceName()}) and says
 * whether retrying the same call may succeed ({@link #retryable()}). Messages name the resource and what to do next;
 * they never contain secrets.
 */
public class DrException extends RuntimeException {
  private final String resourceType;
  private final String resourceName;
  private final boolean retryable;

  public DrException(String message) {
    this(null, null, message, null, false);
  }

  public DrException(String message, Throwable cause) {
    this(null, null, message, cause, false);
  }

  public DrException(String resourceType, String resourceName, String message, Throwable cause, boolean retryable) {
    super(message, cause);
    this.resourceType = resourceType;
    this.resourceName = resourceName;
    this.retryable = retryable;
  }

  /** The kind of resource concerned, such as {@code topic}, {@code connector}, {@code job} or {@code backup}. */
  public Optional<String> resourceType() {
    return Optional.ofNullable(resourceType);
  }

  /** The name of the resource concerned. */
  public Optional<String> resourceName() {
    return Optional.ofNullable(resourceName);
  }

  /** Whether the same call may succeed if retried later (a transient failure). */
  public boolean retryable() {
    return retryable;
  }
}
