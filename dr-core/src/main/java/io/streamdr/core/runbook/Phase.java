package io.streamdr.core.runbook;

/** The phases of a recovery, as the recovery objectives measure them. */
public enum Phase { DETECTION, DECISION, EXECUTION, VERIFICATION }
