package io.streamdr.kafka.internal;

import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Helpers for the clients StreamDR reads with and the records they return. Not part of the public API. */
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

  /**
   * The settings of an admin client whose every call waits at most {@code timeout}, unless the caller's settings say
   * otherwise. The client refuses an API timeout shorter than its request timeout (30 s by default), so a shorter
   * timeout shortens that one too.
   */
  public static Map<String, Object> adminConfig(Map<String, Object> clientConfig, Duration timeout) {
    Map<String, Object> c = new HashMap<>(clientConfig);
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    c.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(30_000, millis));
    c.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
        Math.max(millis, Integer.parseInt(String.valueOf(c.get(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG)))));
    return c;
  }

  /** A record's headers in order, duplicates kept, as name and value pairs (an empty list, not a copy, when none). */
  public static List<Map.Entry<String, byte[]>> headers(ConsumerRecord<?, ?> record) {
    Header[] hs = record.headers().toArray();
    if (hs.length == 0) {
      return List.of();
    }
    List<Map.Entry<String, byte[]>> out = new ArrayList<>(hs.length);
    for (Header h : hs) {
      out.add(new AbstractMap.SimpleImmutableEntry<>(h.key(), h.value()));
    }
    return out;
  }
}
