package io.streamdr.core;

/**
 * The resource exists but is not in a state that allows the operation, for example altering the offsets of a
 * connector that is not STOPPED, or triggering a savepoint of a job that is not RUNNING.
 */
public class ConflictException extends DrException {
  public ConflictException(ResourceType resourceType, String resourceName, String message) {
    super(resourceType, resourceName, message, null, false);
  }
}
