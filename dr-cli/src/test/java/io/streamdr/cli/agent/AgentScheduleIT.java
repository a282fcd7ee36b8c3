package io.streamdr.cli.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamdr.cli.TwoRegionConfig;
import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.kafka.backup.BackupCatalog;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.metrics.KafkaMeters;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.testing.MutableClock;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A day of the DR guide's backup schedule, on a real cluster, with an injected clock: incrementals every 6 hours, a
 * full backup daily at 02:00 (missed while the agent was down, caught up once), retention applied by the prune job,
 * and the chain restoring every record written during the day.
 */
class AgentScheduleIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();
  private static final Instant MIDNIGHT = Instant.parse("2026-12-01T00:00:00Z");
  @TempDir Path dir;

  @Test
  void a_day_of_incrementals_and_a_daily_full_chain_correctly_and_retention_prunes_what_no_kept_backup_needs() throws Exception {
    EAST.createTopic("orders", 2);
    Path file = Path.of(TwoRegionConfig.write(dir, "streamdr.yaml", EAST.bootstrapServers(), WEST.bootstrapServers(), """
        agent:
          jobs:
            - {name: incremental, cron: "0 0,6,12,18 * * *", backup: {topics: [orders], type: incremental}}
            - {name: full, cron: "0 2 * * *", backup: {topics: [orders], type: full}}
            - {name: prune, cron: "30 23 * * *", prune: {incrementalMaxAge: 12h, fullMaxAge: 12h}}
        """));
    StreamDrConfig cfg = StreamDrConfig.load(file, Map.of());
    MutableClock clock = new MutableClock(MIDNIGHT);
    DefaultRegionRouter router = new DefaultRegionRouter(cfg.topology(), cfg.activeRegionStore(), clock);
    AgentJobs work = new AgentJobs(cfg, cfg.backups(), router, new KafkaMeters(new SimpleMeterRegistry(), clock),
        job -> io.streamdr.core.progress.ProgressListener.NONE, (drill, report) -> { }, clock);
    List<JobScheduler.Run> runs = new ArrayList<>();
    JobScheduler agent = new JobScheduler(cfg.agent().jobs().stream().map(work::job).toList(), cfg.backups(), "agent-a", clock, runs::add);
    Map<String, String> written = new LinkedHashMap<>();
    int n = 0;
    // every hour some orders, and the agent ticks; it is down from 01:00 to 03:00 and misses the 02:00 full
    for (int hour = 0; hour < 24; hour++) {
      boolean up = hour < 1 || hour >= 3;
      clock.set(MIDNIGHT.plus(Duration.ofHours(hour)));
      if (up) {
        agent.runDue();
      }
      Map<String, String> batch = new LinkedHashMap<>();
      for (int i = 0; i < 5; i++, n++) {
        batch.put("order-" + n, "value-" + n);
      }
      EAST.produce("orders", batch);
      written.putAll(batch);
      clock.set(MIDNIGHT.plus(Duration.ofHours(hour)).plus(Duration.ofMinutes(30)));
      if (up) {
        agent.runDue();
      }
    }

    assertThat(runs).allSatisfy(r -> assertThat(r.ok()).as(r.detail()).isTrue());
    assertThat(runs).extracting(r -> r.job() + "@" + r.slot().toString().substring(11, 16) + " " + r.startedAt().toString().substring(11, 16))
        .containsExactly("incremental@00:00 00:00", "full@02:00 03:00", "incremental@06:00 06:00", "incremental@12:00 12:00",
            "incremental@18:00 18:00", "prune@23:30 23:30");
    BackupCatalog catalog = new BackupCatalog(cfg.backups());
    Map<String, String> parents = catalog.list().stream().collect(Collectors.toMap(BackupManifest::id,
        m -> m.type() + " <- " + m.parentId().orElse("none"), (a, b) -> a, java.util.TreeMap::new));
    assertThat(parents).as("the 00:00 full (the first backup of orders) was pruned: 23 h old and needed by no kept backup").containsExactly(
        Map.entry("full-20261201T0200Z", "FULL <- none"),
        Map.entry("incremental-20261201T0600Z", "INCREMENTAL <- full-20261201T0200Z"),
        Map.entry("incremental-20261201T1200Z", "INCREMENTAL <- incremental-20261201T0600Z"),
        Map.entry("incremental-20261201T1800Z", "INCREMENTAL <- incremental-20261201T1200Z"));
    assertThat(runs.get(runs.size() - 1).detail()).contains("deleted 1 backup(s) [incremental-20261201T0000Z]");

    // the newest chain restores everything written before 18:00 (18 hours of 5 orders) into another cluster
    TopicRestore.builder(WEST.clientConfig(), cfg.backups(), "incremental-20261201T1800Z").build().run();
    Map<String, String> restored = readAll(WEST, "orders");
    assertThat(restored).hasSize(18 * 5);
    restored.forEach((k, v) -> assertThat(written).containsEntry(k, v));
  }

  @Test
  void a_game_day_drill_on_its_cron_fails_over_verifies_fails_back_and_keeps_its_reports_and_metrics() throws Exception {
    // the same records in both regions, as replication would have left them (identity naming)
    for (EmbeddedKafkaCluster cluster : List.of(EAST, WEST)) {
      cluster.createTopic("ledger", 1);
      try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(cluster.clientConfig(),
          new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.StringSerializer())) {
        for (int i = 0; i < 20; i++) {
          producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("ledger", 0, 1L + i, "k" + i, "v" + i));
        }
      }
    }
    Path file = Path.of(TwoRegionConfig.write(dir, "streamdr.yaml", EAST.bootstrapServers(), WEST.bootstrapServers(), """
        agent:
          jobs:
            - {name: game-day, cron: "0 10 * * 3", drill: {topics: [ledger]}}
        """));
    StreamDrConfig cfg = StreamDrConfig.load(file, Map.of());
    MutableClock clock = new MutableClock(Instant.parse("2026-12-02T09:59:00Z")); // a Wednesday
    DefaultRegionRouter router = new DefaultRegionRouter(cfg.topology(), cfg.activeRegionStore(), clock);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    io.streamdr.core.metrics.StreamDrMeters meters = new io.streamdr.core.metrics.StreamDrMeters(registry);
    AgentJobs work = new AgentJobs(cfg, cfg.backups(), router, new KafkaMeters(registry, clock),
        job -> io.streamdr.core.progress.ProgressListener.NONE, meters::drill, clock);
    List<JobScheduler.Run> runs = new ArrayList<>();
    JobScheduler agent = new JobScheduler(cfg.agent().jobs().stream().map(work::job).toList(), cfg.backups(), "agent-a", clock, runs::add);
    agent.runDue();
    assertThat(runs).isEmpty();

    clock.set(Instant.parse("2026-12-02T10:00:00Z"));
    agent.runDue();

    assertThat(runs).singleElement().satisfies(r -> assertThat(r.ok()).as(r.detail()).isTrue());
    assertThat(runs.get(0).detail()).contains("every objective met");
    assertThat(router.active().name()).isEqualTo("us-east-1");
    assertThat(router.epoch()).as("switched there and back").isEqualTo(3);
    Path reports = dir.resolve("backups/agent/reports/game-day-20261202T1000Z");
    assertThat(reports.resolve("failover.json")).exists();
    assertThat(reports.resolve("failback.json")).exists();
    assertThat(Files.readString(reports.resolve("drill-report.html"))).contains("<svg").contains("ledger");
    assertThat(registry.get("streamdr.drill.rto").tags("drill", "game-day-failover").gauge().value()).isPositive();
    assertThat(registry.get("streamdr.drill.objective.met").tags("drill", "game-day-failback").gauges()).isNotEmpty()
        .allSatisfy(g -> assertThat(g.value()).isEqualTo(1.0));

    // a week later the active region is the secondary (a real failover): the drill refuses and switches nothing
    router.failover(cfg.topology().region("us-west-2"), "a real outage");
    clock.set(Instant.parse("2026-12-09T10:00:00Z"));
    agent.runDue();
    assertThat(runs).hasSize(2);
    assertThat(runs.get(1).ok()).isFalse();
    assertThat(runs.get(1).detail()).contains("not the primary").contains("would fail back a real failover");
    assertThat(router.active().name()).isEqualTo("us-west-2");
  }

  private static Map<String, String> readAll(EmbeddedKafkaCluster cluster, String topic) {
    Map<String, Object> config = new java.util.HashMap<>(cluster.clientConfig());
    config.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
    config.put("value.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
    Map<String, String> out = new LinkedHashMap<>();
    try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(config)) {
      List<org.apache.kafka.common.TopicPartition> parts = consumer.partitionsFor(topic).stream()
          .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(parts);
      Instant deadline = Instant.now().plusSeconds(60);
      while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && Instant.now().isBefore(deadline)) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> out.put(r.key(), r.value()));
      }
    }
    return out;
  }
}
