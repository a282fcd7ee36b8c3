package io.streamdr.kafka.backup;

import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.BackupIoException;
import io.streamdr.core.ConflictException;
import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.UnreachableException;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.internal.Json;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the cut of a backup: which topics (named or matched), the offset range of each partition (from the log start,
 * or from where the parent ended), topic metadata and explicitly set configs, and the chosen groups' offsets. The plan
 * is written before any segment, so a resumed backup ends where it began to.
 */
final class BackupPlanner {
  private static final Logger LOG = LoggerFactory.getLogger(BackupPlanner.class);
  private final BackupTarget target;
  private final List<String> topics;
  private final Pattern topicPattern;
  private final List<String> groups;
  private final Duration requestTimeout;
  private final Clock clock;
  private final String servers;

  BackupPlanner(BackupTarget target, List<String> topics, Pattern topicPattern, List<String> groups, Duration requestTimeout,
      Clock clock, String servers) {
    this.target = target;
    this.topics = topics;
    this.topicPattern = topicPattern;
    this.groups = groups;
    this.requestTimeout = requestTimeout;
    this.clock = clock;
    this.servers = servers;
  }

  /** The recorded plan of {@code backupId}, or a new cut taken now and recorded. */
  BackupPlan planOrResume(String backupId, BackupManifest.Type type, String parentId, Admin admin, Consumer<?, ?> consumer) {
    return target.exists(BackupPlan.key(backupId)) ? read(backupId) : plan(backupId, type, parentId, admin, consumer);
  }

  private BackupPlan plan(String backupId, BackupManifest.Type type, String parentId, Admin admin, Consumer<?, ?> consumer) {
    Instant started = clock.instant();
    long wait = requestTimeout.toMillis();
    try {
      String clusterId = admin.describeCluster().clusterId().get(wait, TimeUnit.MILLISECONDS);
      List<String> names = resolveTopics(admin);
      Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get(wait, TimeUnit.MILLISECONDS);
      Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
          .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get(wait, TimeUnit.MILLISECONDS);
      BackupManifest parent = parentId == null ? null : BackupManifest.read(target, parentId);
      List<TopicPartition> all = new ArrayList<>();
      descriptions.values().forEach(d -> d.partitions().forEach(p -> all.add(new TopicPartition(d.name(), p.partition()))));
      Map<TopicPartition, Long> ends = consumer.endOffsets(all, requestTimeout); // the LSO under read_committed
      Map<TopicPartition, Long> starts = consumer.beginningOffsets(all, requestTimeout);
      List<BackupPlan.TopicPlan> topicPlans = new ArrayList<>();
      for (String name : names) {
        TopicDescription d = descriptions.get(name);
        String topicId = d.topicId().toString();
        BackupManifest.TopicEntry previous = parent == null ? null : parent.topic(name).orElse(null);
        if (previous != null && !previous.topicId().equals(topicId)) {
          throw new ConflictException(ResourceType.TOPIC, name,
              ("Topic '%s' was deleted and recreated since backup %s (topic id %s, now %s); an incremental would mix two "
                  + "different topics — take a full backup").formatted(name, parentId, previous.topicId(), topicId));
        }
        Map<Integer, long[]> ranges = new TreeMap<>();
        for (var p : d.partitions()) {
          TopicPartition tp = new TopicPartition(name, p.partition());
          long logStart = starts.get(tp);
          long from = logStart;
          if (previous != null) {
            long parentEnd = previous.partitions().stream().filter(e -> e.partition() == p.partition())
                .mapToLong(BackupManifest.PartitionEntry::endOffset).findFirst().orElse(logStart);
            if (parentEnd < logStart) {
              throw new ConflictException(ResourceType.TOPIC, name,
                  ("Partition %s starts at offset %d but backup %s ended at %d: records %d..%d were deleted by retention "
                      + "before this incremental; take a full backup").formatted(tp, logStart, parentId, parentEnd, parentEnd, logStart - 1));
            }
            from = parentEnd;
          }
          ranges.put(p.partition(), new long[] {from, Math.max(from, ends.get(tp))});
        }
        topicPlans.add(new BackupPlan.TopicPlan(name, topicId, d.partitions().size(),
            d.partitions().get(0).replicas().size(), explicitConfigs(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name))), ranges));
      }
      BackupPlan plan = new BackupPlan(backupId, type, parentId, clusterId, started, topicPlans, groupOffsets(admin, groups, Set.copyOf(names), requestTimeout));
      target.put(BackupPlan.key(backupId), Json.MAPPER.writeValueAsBytes(plan));
      return plan;
    } catch (ExecutionException e) {
      throw new UnreachableException(ResourceType.CLUSTER, servers,
          "Could not read topic metadata from the cluster at %s for backup %s: %s; check that its brokers are up and reachable, then run the same backup again"
              .formatted(servers, backupId, e.getCause().getMessage()), e.getCause());
    } catch (InterruptedException e) {
      throw new DrInterruptedException("planning backup " + backupId, e);
    } catch (TimeoutException e) {
      throw new DrTimeoutException(ResourceType.CLUSTER, servers, requestTimeout,
          "The cluster at %s did not answer metadata requests for backup %s within %s; check that its brokers are up and reachable"
              .formatted(servers, backupId, requestTimeout));
    } catch (IOException e) {
      throw new BackupIoException(BackupPlan.key(backupId), "write", e);
    }
  }

  private List<String> resolveTopics(Admin admin) throws ExecutionException, InterruptedException, TimeoutException {
    Set<String> existing = admin.listTopics().names().get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    List<String> names = new ArrayList<>();
    for (String t : topics) {
      if (!existing.contains(t)) {
        throw new NotFoundException(ResourceType.TOPIC, t, "Topic '%s' does not exist on %s; check the name or use a pattern"
            .formatted(t, servers));
      }
      names.add(t);
    }
    if (topicPattern != null) {
      existing.stream().filter(t -> topicPattern.matcher(t).matches() && !names.contains(t)).sorted().forEach(names::add);
    }
    if (names.isEmpty()) {
      throw new InvalidRequestException("No topic matches %s on %s; nothing to back up".formatted(
          topicPattern == null ? topics : topicPattern.pattern(), servers));
    }
    return names;
  }

  /** The configs set on a topic explicitly (not defaults, not sensitive): what a restore sets again. */
  static Map<String, String> explicitConfigs(Config config) {
    Map<String, String> explicit = new TreeMap<>();
    for (ConfigEntry e : config.entries()) {
      if (e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG && !e.isSensitive()) {
        explicit.put(e.name(), e.value());
      }
    }
    return explicit;
  }

  /** The committed offsets of {@code groups} on {@code topicNames}: group → topic → partition → offset. */
  static Map<String, Map<String, Map<Integer, Long>>> groupOffsets(Admin admin, List<String> groups, Set<String> topicNames,
      Duration requestTimeout) throws ExecutionException, InterruptedException, TimeoutException {
    Map<String, Map<String, Map<Integer, Long>>> out = new TreeMap<>();
    for (String group : groups) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(Map.of(group, new ListConsumerGroupOffsetsSpec()))
          .partitionsToOffsetAndMetadata(group).get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
      Map<String, Map<Integer, Long>> byTopic = new TreeMap<>();
      committed.forEach((tp, om) -> {
        if (om != null && topicNames.contains(tp.topic())) {
          byTopic.computeIfAbsent(tp.topic(), t -> new TreeMap<>()).put(tp.partition(), om.offset());
        }
      });
      out.put(group, byTopic);
    }
    return out;
  }

  private BackupPlan read(String backupId) {
    try {
      BackupPlan plan = Json.MAPPER.readValue(target.readAll(BackupPlan.key(backupId)), BackupPlan.class);
      LOG.info("Resuming backup {} from its recorded cut of {}", backupId, plan.startedAt());
      return plan;
    } catch (IOException e) {
      throw new BackupCorruptedException(BackupPlan.key(backupId).value(),
          "Plan of backup %s is unreadable (%s); delete topic-backups/%s/ and run the backup again".formatted(backupId, e.getMessage(), backupId), e);
    }
  }
}
