package io.streamdr.kafka.restore;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a {@link TopicRestore} was asked to do, as its builder set it: shared, immutable, by the parts that carry the
 * restore out.
 *
 * @param pointInTime       null: every record
 * @param replicationFactor null: the captured one
 */
record RestoreRequest(String backupId, Map<String, String> renames, Set<String> topics, Pattern topicPattern, Instant pointInTime,
    Integer replicationFactor, boolean restoreGroups, int parallelism, boolean append, boolean pipelined, Duration requestTimeout) {

  /** The name {@code topic} is restored under. */
  String targetTopic(String topic) {
    return renames.getOrDefault(topic, topic);
  }

  long timeoutMillis() {
    return requestTimeout.toMillis();
  }
}
