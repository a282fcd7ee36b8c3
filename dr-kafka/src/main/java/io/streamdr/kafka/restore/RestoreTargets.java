package io.streamdr.kafka.restore;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.BackupIoException;
import io.streamdr.core.ConflictException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Json;
import io.streamdr.core.internal.Sha256;
import io.streamdr.kafka.backup.BackupChain;
import io.streamdr.kafka.backup.BackupManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * The target side of a restore: which topics exist, each chosen partition's log start and end offsets, and where the
 * restore's records start there ({@code from}: the log start, or for an append where it started, as its recorded
 * state says). An append's state is kept with the backups under {@code topic-restores/<restore id>/state.json}.
 *
 * @param restoreId the same for every run of the same restore (chain, target cluster, selection, point in time)
 * @param state     the append's recorded state, or null
 */
record RestoreTargets(String restoreId, BackupKey stateKey, RestoreState state, Set<String> existing,
    Map<TopicPartition, long[]> offsets, Map<TopicPartition, Long> from) {

  /** Partitions in the order of their names, as the restore state and the report list them. */
  static final Comparator<TopicPartition> BY_NAME = Comparator.comparing(TopicPartition::topic)
      .thenComparingInt(TopicPartition::partition);

  /** Where an append started on each target partition ("topic-partition" → offset), recorded before it writes. */
  record RestoreState(String restoreId, Map<String, Long> baseOffsets, boolean complete) {}

  static RestoreTargets read(Admin admin, BackupTarget source, RestoreRequest request, List<BackupManifest.TopicEntry> selected,
      BackupChain chain) throws ExecutionException, InterruptedException, TimeoutException {
    long wait = request.timeoutMillis();
    String clusterId = admin.describeCluster().clusterId().get(wait, TimeUnit.MILLISECONDS);
    String restoreId = restoreId(request, chain.ids(), clusterId);
    BackupKey stateKey = BackupKey.of("topic-restores", restoreId, "state.json");
    RestoreState state = request.append() && source.exists(stateKey) ? readState(source, stateKey) : null;
    Set<String> existing = admin.listTopics().names().get(wait, TimeUnit.MILLISECONDS);
    Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (BackupManifest.TopicEntry t : selected) {
      String name = request.targetTopic(t.name());
      if (!existing.contains(name)) {
        continue;
      }
      TopicDescription d = admin.describeTopics(List.of(name)).allTopicNames().get(wait, TimeUnit.MILLISECONDS).get(name);
      if (d.partitions().size() < t.partitionCount()) {
        throw new ConflictException(ResourceType.TOPIC, name, ("Target topic '%s' has %d partitions but the backup of '%s' has %d; "
            + "records keep their partition, so add partitions or restore under another name (--rename); nothing was written").formatted(
            name, d.partitions().size(), t.name(), t.partitionCount()));
      }
      for (BackupManifest.PartitionEntry p : t.partitions()) {
        earliest.put(new TopicPartition(name, p.partition()), OffsetSpec.earliest());
        latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest());
      }
    }
    Map<TopicPartition, long[]> offsets = new HashMap<>();
    Map<TopicPartition, Long> from = new HashMap<>();
    if (!latest.isEmpty()) {
      var starts = admin.listOffsets(earliest).all().get(wait, TimeUnit.MILLISECONDS);
      var ends = admin.listOffsets(latest).all().get(wait, TimeUnit.MILLISECONDS);
      for (TopicPartition tp : latest.keySet()) {
        long[] range = {starts.get(tp).offset(), ends.get(tp).offset()};
        offsets.put(tp, range);
        Long recorded = state == null ? null : state.baseOffsets().get(name(tp));
        from.put(tp, request.append() ? (recorded != null ? recorded : range[1]) : range[0]);
      }
    }
    return new RestoreTargets(restoreId, stateKey, state, existing, offsets, from);
  }

  /** Whether the recorded state already names every partition of {@code bases}. */
  boolean recorded(Map<TopicPartition, Long> bases) {
    return state != null && state.baseOffsets().keySet().containsAll(byName(bases).keySet());
  }

  /** Records where the append starts on each partition ({@code bases}), and whether it is complete. */
  void record(BackupTarget source, Map<TopicPartition, Long> bases, boolean complete) {
    try {
      source.put(stateKey, Json.MAPPER.writeValueAsBytes(new RestoreState(restoreId, byName(bases), complete)));
    } catch (IOException e) {
      throw new BackupIoException(stateKey, "write", e);
    }
  }

  private static String restoreId(RestoreRequest request, List<String> chain, String clusterId) {
    MessageDigest sha = Sha256.digest();
    chain.forEach(id -> sha.update(id.getBytes(StandardCharsets.UTF_8)));
    sha.update(clusterId.getBytes(StandardCharsets.UTF_8));
    new TreeMap<>(request.renames()).forEach((k, v) -> sha.update((k + "=" + v).getBytes(StandardCharsets.UTF_8)));
    new TreeSet<>(request.topics()).forEach(t -> sha.update(t.getBytes(StandardCharsets.UTF_8)));
    sha.update(String.valueOf(request.topicPattern()).getBytes(StandardCharsets.UTF_8));
    sha.update(String.valueOf(request.pointInTime()).getBytes(StandardCharsets.UTF_8));
    sha.update((request.append() ? "append" : "").getBytes(StandardCharsets.UTF_8));
    return request.backupId() + "-" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
  }

  /** A partition's name in the restore state and the report: {@code topic-partition}. */
  private static String name(TopicPartition tp) {
    return tp.topic() + "-" + tp.partition();
  }

  static Map<String, Long> byName(Map<TopicPartition, Long> offsets) {
    Map<String, Long> out = new TreeMap<>();
    offsets.forEach((tp, offset) -> out.put(name(tp), offset));
    return out;
  }

  private static RestoreState readState(BackupTarget source, BackupKey key) {
    try {
      return Json.MAPPER.readValue(source.readAll(key), RestoreState.class);
    } catch (IOException e) {
      throw new BackupCorruptedException(key.value(), "Restore state %s is unreadable: %s".formatted(key, e.getMessage()), e);
    }
  }
}
