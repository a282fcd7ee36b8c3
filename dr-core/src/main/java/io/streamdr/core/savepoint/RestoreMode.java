package io.streamdr.core.savepoint;

/** How a restored job treats the savepoint's files (Flink's {@code execution.savepoint-restore-mode}). */
public enum RestoreMode { CLAIM, NO_CLAIM, LEGACY }
