package io.streamdr.core;

/** A named resource (topic, connector, job, backup object, region…) does not exist where it was looked for. */
public class NotFoundException extends DrException {
  public NotFoundException(ResourceType resourceType, String resourceName, String message) {
    super(resourceType, resourceName, message, null, false);
  }
}
