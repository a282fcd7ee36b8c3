package io.streamdr.core.internal;

import io.streamdr.core.InvalidRequestException;
import java.time.Duration;
import java.util.Objects;

/** Argument checks with messages that name the value. Not API. */
public final class Checks {
  private Checks() {}

  public static String requireNonBlank(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new InvalidRequestException("%s must not be blank".formatted(what));
    }
    return value;
  }

  public static <T> T requireNonNull(T value, String what) {
    return Objects.requireNonNull(value, () -> what + " must not be null");
  }

  public static Duration requirePositive(Duration value, String what) {
    requireNonNull(value, what);
    if (value.isNegative() || value.isZero()) {
      throw new InvalidRequestException("%s must be positive, was %s".formatted(what, value));
    }
    return value;
  }

  public static int requirePositive(int value, String what) {
    if (value < 1) {
      throw new InvalidRequestException("%s must be at least 1, was %d".formatted(what, value));
    }
    return value;
  }

  public static long requireAtLeast(long value, long min, String what) {
    if (value < min) {
      throw new InvalidRequestException("%s must be at least %d, was %d".formatted(what, min, value));
    }
    return value;
  }

  public static long requireNonNegative(long value, String what) {
    if (value < 0) {
      throw new InvalidRequestException("%s must not be negative, was %d".formatted(what, value));
    }
    return value;
  }
}
