package io.streamdr.core.savepoint;

/** Flink's savepoint binary format: CANONICAL (portable across state backends) or NATIVE (faster). */
public enum SavepointFormat { CANONICAL, NATIVE }
