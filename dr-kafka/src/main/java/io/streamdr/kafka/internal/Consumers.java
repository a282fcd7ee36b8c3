package io.streamdr.kafka.internal;

import java.time.Duration;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;

/** Helpers for the consumers StreamDR reads with. Not part of the public API. */
public final class Consumers {
  private Consumers() {}

  /**
   * Closes a consumer that reads assigned partitions and commits nothing, without waiting. A consumer that has read
   * to the end of a log has a fetch outstanding that the broker holds for up to {@code fetch.max.wait.ms} (500 ms by
   * default); {@link Consumer#close()} waits for it, which costs a backup or a verification half a second for nothing.
   */
  public static void closeNow(Consumer<?, ?> consumer) {
    if (consumer != null) {
      consumer.close(CloseOptions.timeout(Duration.ZERO));
    }
  }
}
