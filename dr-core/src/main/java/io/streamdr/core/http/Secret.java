package io.streamdr.core.http;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.internal.Checks;
import java.util.Map;

/**
 * A secret string (password, API secret, token). {@link #toString()} never reveals it; only {@link #reveal()} does,
 * at the one place it is sent.
 */
public final class Secret {
  private final String value;

  private Secret(String value) {
    this.value = Checks.requireNonBlank(value, "secret");
  }

  public static Secret of(String value) {
    return new Secret(value);
  }

  /**
   * Reads a secret from an environment variable.
   *
   * @throws InvalidRequestException naming the variable if it is unset or blank
   */
  public static Secret fromEnv(String variable) {
    return fromEnv(System.getenv(), variable);
  }

  /** Reads a secret from {@code variable} of {@code env} (an environment the caller stands in for). */
  public static Secret fromEnv(Map<String, String> env, String variable) {
    String v = env.get(variable);
    if (v == null || v.isBlank()) {
      throw new InvalidRequestException(ResourceType.ENVIRONMENT_VARIABLE, variable,
          "Environment variable %s is not set; export it with the secret's value".formatted(variable));
    }
    return new Secret(v);
  }

  /** The secret itself. Do not log it. */
  public String reveal() {
    return value;
  }

  @Override
  public String toString() {
    return "Secret[****]";
  }
}
