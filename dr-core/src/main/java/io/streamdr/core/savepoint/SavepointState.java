package io.streamdr.core.savepoint;

/** Lifecycle of a savepoint: IN_PROGRESS, then COMPLETED or FAILED. */
public enum SavepointState {
  IN_PROGRESS, COMPLETED, FAILED;

  public boolean terminal() {
    return this != IN_PROGRESS;
  }
}
