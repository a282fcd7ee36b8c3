package io.streamdr.core;

/**
 * The calling thread was interrupted while StreamDR waited on its behalf. The thread's interrupt status is set again
 * when this is created, so code further up still sees the interrupt. Nothing has been half-written: each operation
 * that can be interrupted says in its own documentation where it can be resumed.
 */
public class DrInterruptedException extends DrException {
  /**
   * @param waitingFor what was being waited for, as a phrase after "Interrupted while": "restoring backup b-1"
   * @param cause the {@link InterruptedException}, or the {@link java.io.InterruptedIOException} of a blocking call
   */
  public DrInterruptedException(String waitingFor, Exception cause) {
    super(null, null, "Interrupted while " + waitingFor, cause, false);
    Thread.currentThread().interrupt();
  }
}
