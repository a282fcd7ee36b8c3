package io.streamdr.kafka.backup;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.streamdr.core.backup.BackupKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The cut of a backup, written before any segment: the offset range of every partition and the topic metadata.
 * A backup resumed after a crash reads its plan instead of taking a new cut, so it still ends where it began to.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record BackupPlan(String id, BackupManifest.Type type, String parent, String sourceClusterId, Instant startedAt,
    List<TopicPlan> topics, Map<String, Map<String, Map<Integer, Long>>> groups) {

  @JsonIgnoreProperties(ignoreUnknown = true)
  record TopicPlan(String name, String topicId, int partitionCount, int replicationFactor, Map<String, String> configs,
      Map<Integer, long[]> ranges) {}

  static BackupKey key(String backupId) {
    return BackupKey.of("topic-backups", backupId, "plan.json");
  }
}
