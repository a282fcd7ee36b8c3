package io.streamdr.core;

/** An argument or configuration value is invalid; the message names the value and what is accepted. */
public class InvalidRequestException extends DrException {
  public InvalidRequestException(ResourceType resourceType, String resourceName, String message) {
    super(resourceType, resourceName, message, null, false);
  }

  public InvalidRequestException(String message) {
    super(null, null, message, null, false);
  }
}
