package io.streamdr.core;

/**
 * A cluster or service could not be reached, or failed to answer a read, for a reason that may pass (brokers down,
 * a network cut, an election in progress). Retryable. The message names the cluster or address, without credentials,
 * and what to check.
 */
public class UnreachableException extends DrException {
  public UnreachableException(ResourceType resourceType, String resourceName, String message, Throwable cause) {
    super(resourceType, resourceName, message, cause, true);
  }
}
