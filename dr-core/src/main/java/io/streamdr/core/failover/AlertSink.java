package io.streamdr.core.failover;

import java.time.Instant;
import java.util.Map;

/** Where alerts go: a log, a webhook, a pager. Implementations must not throw for a failed delivery; log it. */
@FunctionalInterface
public interface AlertSink {
  /** An alert: severity, a title naming what happened, details, when. */
  record Alert(String severity, String title, Map<String, String> details, Instant at) {}

  void send(Alert alert);

  /** Writes alerts to the log (slf4j, logger {@code io.streamdr.alerts}). */
  static AlertSink log() {
    org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger("io.streamdr.alerts");
    return a -> log.warn("[{}] {} {}", a.severity(), a.title(), a.details());
  }
}
