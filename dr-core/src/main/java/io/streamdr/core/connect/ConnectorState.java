package io.streamdr.core.connect;

import java.util.Locale;

/** States of a connector or task, as Kafka Connect reports them. */
public enum ConnectorState {
  UNASSIGNED, RUNNING, PAUSED, STOPPED, FAILED, RESTARTING;

  /** Parses Connect's state names, case-insensitively. */
  public static ConnectorState parse(String s) {
    return valueOf(s.trim().toUpperCase(Locale.ROOT));
  }
}
