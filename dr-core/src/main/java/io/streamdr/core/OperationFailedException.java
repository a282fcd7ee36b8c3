package io.streamdr.core;

/**
 * An operation on a named resource failed part way for a reason none of the more specific exceptions describes
 * (a producer's send, a remote call's error, a worker task's failure). The message says how far it got and how to
 * resume, for example by running the same command again.
 */
public class OperationFailedException extends DrException {
  public OperationFailedException(ResourceType resourceType, String resourceName, String message, Throwable cause,
      boolean retryable) {
    super(resourceType, resourceName, message, cause, retryable);
  }

  /** A failure of work that concerns no one named resource, such as one of many parallel tasks. */
  public OperationFailedException(String message, Throwable cause) {
    super(null, null, message, cause, false);
  }
}
