package io.streamdr.core;

/**
 * A remote service (Flink, Connect, Confluent Cloud, Schema Registry, AWS…) answered with an error status or could
 * not be reached. Carries the HTTP status (0 when no response arrived), the method and URL (without credentials or
 * query string) and an excerpt of the response body with secrets redacted.
 */
public class RemoteServiceException extends DrException {
  private final int statusCode;
  private final String method;
  private final String url;
  private final String bodyExcerpt;

  public RemoteServiceException(String method, String url, int statusCode, String bodyExcerpt, String message,
      Throwable cause, boolean retryable) {
    super(ResourceType.ENDPOINT, url, message, cause, retryable);
    this.statusCode = statusCode;
    this.method = method;
    this.url = url;
    this.bodyExcerpt = bodyExcerpt == null ? "" : bodyExcerpt;
  }

  /** The HTTP status code, or 0 if the call failed before a response arrived. */
  public int statusCode() {
    return statusCode;
  }

  public String method() {
    return method;
  }

  /** The URL called, without user info or query string. */
  public String url() {
    return url;
  }

  /** At most a few hundred characters of the response body, secrets redacted; empty if none. */
  public String bodyExcerpt() {
    return bodyExcerpt;
  }
}
