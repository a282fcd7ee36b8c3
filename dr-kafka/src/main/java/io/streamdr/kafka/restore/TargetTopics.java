package io.streamdr.kafka.restore;

import io.streamdr.core.ConflictException;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.http.Sleeper;
import io.streamdr.kafka.backup.BackupManifest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics a restore writes that the target lacks, with the captured partition count and configs and
 * {@code message.timestamp.type=CreateTime} (so original timestamps are kept), then waits until every new partition
 * answers offset requests.
 */
final class TargetTopics {
  private static final Logger LOG = LoggerFactory.getLogger(TargetTopics.class);
  /** How long new topics may take to reach every broker's metadata. */
  private static final Duration READY_WITHIN = Duration.ofSeconds(60);
  private final RestoreRequest request;
  private final Clock clock;
  private final Sleeper sleeper;

  TargetTopics(RestoreRequest request, Clock clock, Sleeper sleeper) {
    this.request = request;
    this.clock = clock;
    this.sleeper = sleeper;
  }

  void ensure(Admin admin, List<BackupManifest.TopicEntry> selected, Set<String> existing) throws InterruptedException, TimeoutException {
    List<NewTopic> create = new ArrayList<>();
    for (BackupManifest.TopicEntry t : selected) {
      String name = request.targetTopic(t.name());
      if (existing.contains(name)) {
        continue;
      }
      Map<String, String> configs = new LinkedHashMap<>(t.configs());
      configs.put("message.timestamp.type", "CreateTime");
      short rf = (short) (request.replicationFactor() != null ? request.replicationFactor() : t.replicationFactor());
      create.add(new NewTopic(name, t.partitionCount(), rf).configs(configs));
    }
    if (create.isEmpty()) {
      return;
    }
    try {
      admin.createTopics(create).all().get(request.timeoutMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new ConflictException(ResourceType.TOPIC, create.get(0).name(), ("Could not create target topics %s: %s; if the target has fewer "
          + "brokers than the backed-up replication factor, set a smaller one (--replication-factor)")
          .formatted(create.stream().map(NewTopic::name).toList(), e.getCause().getMessage()));
    }
    awaitMetadata(admin, create);
    LOG.info("Created target topics {}", create.stream().map(NewTopic::name).toList());
  }

  /** New topics take a moment to reach every broker's metadata; wait until their partitions answer offset requests. */
  private void awaitMetadata(Admin admin, List<NewTopic> created) throws InterruptedException {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    created.forEach(t -> {
      for (int p = 0; p < t.numPartitions(); p++) {
        latest.put(new TopicPartition(t.name(), p), OffsetSpec.latest());
      }
    });
    Instant deadline = clock.instant().plus(READY_WITHIN);
    Duration pause = Duration.ofMillis(5); // a topic is usually ready within tens of milliseconds: ask again soon, then less often
    while (true) {
      try {
        admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException | TimeoutException e) {
        if (clock.instant().isAfter(deadline)) {
          throw new DrTimeoutException(ResourceType.TOPIC, created.get(0).name(), READY_WITHIN, "Created topics %s did not become available within %s"
              .formatted(created.stream().map(NewTopic::name).toList(), READY_WITHIN), e);
        }
        sleeper.sleep(pause);
        pause = pause.multipliedBy(2).compareTo(Duration.ofMillis(100)) > 0 ? Duration.ofMillis(100) : pause.multipliedBy(2);
      }
    }
  }
}
