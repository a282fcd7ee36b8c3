package io.streamdr.core.connect;

/**
 * Which instances a restart covers (KIP-745).
 *
 * @param includeTasks also restart the tasks, not only the connector instance
 * @param onlyFailed   restart only instances that are FAILED
 */
public record RestartOptions(boolean includeTasks, boolean onlyFailed) {
  /** Only the connector instance, whatever its state (Connect's default). */
  public static final RestartOptions CONNECTOR_ONLY = new RestartOptions(false, false);
  /** The connector and all its tasks. */
  public static final RestartOptions ALL = new RestartOptions(true, false);
  /** Whatever of the connector and its tasks has FAILED: the usual recovery action. */
  public static final RestartOptions FAILED = new RestartOptions(true, true);
}
