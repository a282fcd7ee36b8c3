package io.streamdr.core.runbook;

/**
 * The phases of a recovery, as the recovery objectives measure them. {@link #FAILBACK}, the move back to the
 * primary once it returns, comes after the recovery and is not part of its RTO; it is reported on its own.
 */
public enum Phase {
  DETECTION, DECISION, EXECUTION, VERIFICATION,
  /** After the recovery: the return to the primary region. Not counted in {@link RunbookReport#rto()}. */
  FAILBACK;

  /** Whether the phase counts towards the recovery time. */
  public boolean partOfRecovery() {
    return this != FAILBACK;
  }
}
