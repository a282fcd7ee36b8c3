package io.streamdr.core.internal;

import java.time.Instant;

/** Instants written into names: backup keys, snapshot and report ids. Not part of the public API. */
public final class Stamps {

  private Stamps() {}

  /**
   * The instant as ISO-8601 without the characters a key or file name should not hold, e.g.
   * {@code 2026-12-03T080110.123Z} becomes {@code 2026-12-03T080110123Z}; names so made sort by time.
   */
  public static String of(Instant instant) {
    return instant.toString().replace(":", "").replace(".", "");
  }

  /** {@link #of(Instant)} of now. */
  public static String now() {
    return of(Instant.now());
  }
}
