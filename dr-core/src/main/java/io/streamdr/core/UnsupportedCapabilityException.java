package io.streamdr.core;

/**
 * The platform behind an interface has no equivalent of the requested operation (for example stopping a Confluent
 * Cloud managed connector, or taking a user savepoint of a Confluent Cloud Flink statement). Thrown instead of
 * faking the operation; the message says what to do instead.
 */
public class UnsupportedCapabilityException extends DrException {
  public UnsupportedCapabilityException(ResourceType resourceType, String resourceName, String message) {
    super(resourceType, resourceName, message, null, false);
  }
}
