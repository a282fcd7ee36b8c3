package io.streamdr.core.http;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.internal.Checks;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When and how long a REST adapter waits before retrying. Idempotent calls are retried on connection failures
 * and on 500, 502, 503 and 504; every call is retried on 429 (the server did not process it). A {@code Retry-After}
 * header on 429 and 503 is honoured. Backoff is exponential with jitter (a random wait between half and all of the capped exponential step). Immutable.
 */
public final class RetryPolicy {
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;

  private RetryPolicy(Builder b) {
    if (b.maxAttempts < 1) {
      throw new InvalidRequestException("maxAttempts must be at least 1, was " + b.maxAttempts);
    }
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = Checks.requirePositive(b.initialBackoff, "initialBackoff");
    this.maxBackoff = Checks.requirePositive(b.maxBackoff, "maxBackoff");
  }

  /** 5 attempts, backoff from 200 ms doubling up to 10 s. */
  public static RetryPolicy defaults() {
    return builder().build();
  }

  /** A single attempt. */
  public static RetryPolicy none() {
    return builder().maxAttempts(1).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder().maxAttempts(maxAttempts).initialBackoff(initialBackoff).maxBackoff(maxBackoff);
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public Duration initialBackoff() {
    return initialBackoff;
  }

  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** Backoff before attempt {@code attempt + 1} (attempt counts from 1): random in [b/2, b] with b = min(max, initial·2^(n-1)). */
  public Duration backoff(int attempt) {
    long cap = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
    long bound = Math.max(1, Math.min(maxBackoff.toMillis(), cap));
    return Duration.ofMillis(ThreadLocalRandom.current().nextLong(bound / 2, bound + 1));
  }

  /** Whether a status is worth retrying for a call of the given idempotence. */
  public static boolean retryableStatus(int status, boolean idempotent) {
    return status == 429 || (idempotent && (status == 500 || status == 502 || status == 503 || status == 504));
  }

  @Override
  public String toString() {
    return "RetryPolicy[maxAttempts=%d, initialBackoff=%s, maxBackoff=%s]".formatted(maxAttempts, initialBackoff, maxBackoff);
  }

  /** Builder for {@link RetryPolicy}. */
  public static final class Builder {
    private int maxAttempts = 5;
    private Duration initialBackoff = Duration.ofMillis(200);
    private Duration maxBackoff = Duration.ofSeconds(10);

    private Builder() {}

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
      return this;
    }

    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
      return this;
    }

    public RetryPolicy build() {
      return new RetryPolicy(this);
    }
  }
}
