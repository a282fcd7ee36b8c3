package io.streamdr.core;

import java.util.Optional;

/**
 * Root of every exception StreamDR throws. Unchecked: no public StreamDR method declares a checked exception.
 * Abstract: what went wrong is said by the subclass thrown, all of them in this package ({@link NotFoundException},
 * {@link InvalidRequestException}, {@link ConflictException}, {@link DrTimeoutException},
 * {@link UnreachableException}, {@link OperationFailedException}, {@link DrInterruptedException}, …).
 *
 * <p>Each instance may name the resource it concerns ({@link #resourceType()}, {@link #resourceName()}) and says
 * whether retrying the same call may succeed ({@link #retryable()}). Messages name the resource and what to do next;
 * they never contain secrets.
 */
public abstract class DrException extends RuntimeException {
  private final ResourceType resourceType;
  private final String resourceName;
  private final boolean retryable;

  protected DrException(ResourceType resourceType, String resourceName, String message, Throwable cause,
      boolean retryable) {
    super(message, cause);
    this.resourceType = resourceType;
    this.resourceName = resourceName;
    this.retryable = retryable;
  }

  /** The kind of resource concerned, such as a topic, a connector, a job or a backup. */
  public Optional<ResourceType> resourceType() {
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
