package io.streamdr.kafka.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.streamdr.core.DrException;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.failover.FailoverMonitor;
import io.streamdr.core.failover.FailoverPolicy;
import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.kafka.health.KafkaHealthProbe;
import io.streamdr.kafka.restore.RestoreReport;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.kafka.verify.KafkaIntegrityVerifier;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.FaultProxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network faults between StreamDR and a real Kafka cluster, injected by a TCP proxy in front of each broker that the
 * broker advertises (so no client goes around it): latency, a bandwidth limit, connection resets, a cut and a black
 * hole. The region-aware clients, backup, restore, the verifier and the failover monitor either complete correctly
 * or fail within their deadline naming the cluster; no acknowledged record is lost; the monitor fails over on a
 * fault longer than its threshold and never on a shorter one. docs/reliability.md reports the figures.
 */
class NetworkFaultsIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").behindFaultProxies().build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();

  @TempDir
  Path dir;

  @AfterEach
  void heal() {
    EAST.network(FaultProxy::heal);
  }

  private static RegionTopology topology() {
    return RegionTopology.of(Region.of("us-east-1", EAST.bootstrapServers()), Region.of("us-west-2", WEST.bootstrapServers()));
  }

  /** Client settings with deadlines of a few seconds, as an operator sets them for a DR tool. */
  private static Map<String, Object> quickClients(EmbeddedKafkaCluster cluster) {
    Map<String, Object> config = new HashMap<>(cluster.clientConfig());
    config.put("request.timeout.ms", 2_000);
    config.put("default.api.timeout.ms", 4_000);
    return config;
  }

  @Test
  void region_aware_clients_ride_out_latency_a_bandwidth_limit_and_resets_without_losing_an_acknowledged_record() throws Exception {
    String topic = "net-orders";
    EAST.createTopic(topic, 3);
    DefaultRegionRouter router = new DefaultRegionRouter(topology(), new InMemoryActiveRegionStore());
    try (Traffic traffic = new Traffic(router, topic, "net-billing", TopicMapping.identity(), Duration.ofMillis(2))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> traffic.deliveredFrom("us-east-1") >= 300);

      EAST.network(p -> p.latency(Duration.ofMillis(100)));
      int beforeLatency = traffic.acked.size();
      await().atMost(Duration.ofSeconds(60)).until(() -> traffic.acked.size() >= beforeLatency + 200);
      EAST.network(FaultProxy::heal);

      EAST.network(p -> p.bandwidth(16 * 1024));
      int beforeLimit = traffic.acked.size();
      await().atMost(Duration.ofSeconds(60)).until(() -> traffic.acked.size() >= beforeLimit + 200);
      EAST.network(FaultProxy::heal);

      int resets = Integer.getInteger("streamdr.network.resets", 10); // -Plong-faults: 100
      for (int i = 0; i < resets; i++) {
        int before = traffic.acked.size();
        await().atMost(Duration.ofSeconds(60)).until(() -> traffic.acked.size() >= before + 30);
        EAST.network(FaultProxy::resetConnections);
      }
      traffic.stopProducing();
      Set<String> acked = new HashSet<>(traffic.acked.keySet());
      await().atMost(Duration.ofSeconds(90)).until(() -> traffic.deliveredValues().containsAll(acked));

      assertThat(traffic.crash()).isNull();
      assertThat(traffic.failed).as("records that failed for the application").isEmpty();
      Set<String> missing = new HashSet<>(acked);
      missing.removeAll(traffic.deliveredValues());
      assertThat(missing).as("acknowledged, never delivered").isEmpty();
      long duplicates = traffic.delivered.size() - traffic.deliveredValues().size();
      System.out.printf("[NETWORK] clients: %d sent, %d acknowledged, 0 lost, %d delivered twice (consumer re-deliveries"
              + " %d), through 100 ms latency, 16 KiB/s and %d resets%n", traffic.sent(), acked.size(), duplicates,
          traffic.consumer.redeliveredRecords(), resets);
      assertThat(traffic.producer.region().name()).as("no failover on a network fault").isEqualTo("us-east-1");
    }
  }

  @Test
  void the_monitor_rides_out_faults_shorter_than_its_threshold_and_fails_over_on_a_longer_black_hole() throws Exception {
    RegionTopology topology = topology();
    DefaultRegionRouter router = new DefaultRegionRouter(topology, new InMemoryActiveRegionStore());
    Duration threshold = Duration.ofSeconds(5);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (KafkaHealthProbe probe = KafkaHealthProbe.builder("us-east-1", EAST.clientConfig())
        .timeout(Duration.ofMillis(500))
        .build()) {
      AtomicReference<HealthSignal> seen = new AtomicReference<>(); // what the monitor saw last
      HealthProbe watched = () -> {
        HealthSignal signal = probe.probe();
        seen.set(signal);
        return signal;
      };
      FailoverMonitor monitor = FailoverMonitor.builder(router,
              FailoverPolicy.defaults().toBuilder().unreachableFor(threshold).build(),
              () -> List.of(watched), topology::secondaryRegion)
          .executor(scheduler).interval(Duration.ofMillis(200)).build();
      monitor.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> seen.get() != null && seen.get().healthy());

      // a black hole and a cut, each a third of the threshold: seen, ridden out, no failover
      List<Duration> recoveries = new java.util.ArrayList<>();
      for (var fault : List.<java.util.function.Consumer<FaultProxy>>of(FaultProxy::blackHole, FaultProxy::cut)) {
        EAST.network(fault);
        await().atMost(threshold).until(() -> !seen.get().healthy());
        await().during(threshold.dividedBy(3)).atMost(threshold).until(() -> monitor.decision().isEmpty());
        EAST.network(FaultProxy::heal);
        Instant healed = Instant.now();
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.get().healthy());
        recoveries.add(Duration.between(healed, seen.get().at()));
      }
      await().during(threshold.plusSeconds(1)).atMost(threshold.plusSeconds(2)).until(() -> monitor.decision().isEmpty());
      assertThat(router.active().name()).isEqualTo("us-east-1");

      // a black hole longer than the threshold: failover
      Instant start = Instant.now();
      EAST.network(FaultProxy::blackHole);
      FailoverMonitor.Decision decision = await().atMost(Duration.ofSeconds(30))
          .until(monitor::decision, d -> d.isPresent()).orElseThrow();
      assertThat(decision.to().name()).isEqualTo("us-west-2");
      assertThat(decision.trigger()).isEqualTo(FailoverPolicy.Trigger.PRIMARY_UNREACHABLE);
      assertThat(Duration.between(start, decision.decidedAt())).isGreaterThanOrEqualTo(threshold);
      System.out.printf("[NETWORK] monitor: black hole and cut of %d ms ridden out (healthy again %s after each healed);"
              + " a lasting black hole failed over %d ms after it began (threshold %d ms)%n", threshold.dividedBy(3).toMillis(),
          recoveries.stream().map(d -> d.toMillis() + " ms").toList(),
          Duration.between(start, decision.decidedAt()).toMillis(), threshold.toMillis());
      monitor.close();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void backup_restore_and_verify_complete_through_latency_and_repeated_resets() throws Exception {
    String topic = "net-ledger";
    EAST.createTopic(topic, 6);
    Map<String, String> records = new LinkedHashMap<>();
    for (int i = 0; i < 20_000; i++) {
      records.put("k" + i, "ledger entry " + i + " " + "x".repeat(i % 200));
    }
    EAST.produce(topic, records);
    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);

    AtomicBoolean faulting = new AtomicBoolean(true);
    AtomicInteger resets = new AtomicInteger();
    EAST.network(p -> p.latency(Duration.ofMillis(20)));
    Thread storm = new Thread(() -> {
      while (faulting.get()) {
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(300).toNanos()); // the fault's rhythm
        EAST.network(FaultProxy::resetConnections);
        resets.incrementAndGet();
      }
    }, "reset-storm");
    storm.start();
    BackupManifest manifest;
    IntegrityReport report;
    RestoreReport restored;
    try {
      manifest = TopicBackup.builder(EAST.clientConfig(), target).topics(List.of(topic)).build().full("through-faults");
      restored = TopicRestore.builder(WEST.clientConfig(), target, "through-faults").build().run();
      report = new KafkaIntegrityVerifier(Map.of("us-east-1", EAST.clientConfig(), "us-west-2", WEST.clientConfig()))
          .verify(VerificationRequest.builder("us-east-1", "us-west-2").topics(topic).build());
    } finally {
      faulting.set(false);
      storm.join();
    }
    assertThat(manifest.records()).isEqualTo(records.size());
    assertThat(restored.produced()).isEqualTo(records.size());
    assertThat(report.passed()).as(report.toText()).isTrue();
    assertThat(resets.get()).as("resets during the run").isGreaterThan(0);
    System.out.printf("[NETWORK] backup, restore and verify of %d records through 20 ms latency and %d resets: identical%n",
        records.size(), resets.get());
  }

  @Test
  void backup_restore_and_verify_against_a_black_hole_fail_within_their_deadline_naming_the_cluster() {
    String topic = "net-void";
    EAST.createTopic(topic, 1);
    EAST.produce(topic, Map.of("k", "v"));
    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    TopicBackup.builder(EAST.clientConfig(), target).topics(List.of(topic)).build().full("before-the-void");
    EAST.network(FaultProxy::blackHole);
    String east = EAST.bootstrapServers();
    Map<String, Runnable> operations = new LinkedHashMap<>();
    operations.put("backup", () -> TopicBackup.builder(quickClients(EAST), target).topics(List.of(topic))
        .stallTimeout(Duration.ofSeconds(4)).build().full("into-the-void"));
    operations.put("restore", () -> TopicRestore.builder(quickClients(EAST), target, "before-the-void")
        .rename(topic, "net-void-restored").build().run());
    operations.put("verify", () -> new KafkaIntegrityVerifier(Map.of("us-east-1", quickClients(EAST), "us-west-2", WEST.clientConfig()))
        .verify(VerificationRequest.builder("us-east-1", "us-west-2").topics(topic).build()));
    operations.forEach((name, operation) -> {
      long t0 = System.nanoTime();
      Throwable error = catchThrowable(operation::run);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(error).as(name).isInstanceOf(DrException.class).hasMessageContaining(east);
      assertThat(took).as("%s fails within a few of its 4 s deadlines", name).isLessThan(Duration.ofSeconds(20));
      System.out.printf("[NETWORK] %s into a black hole failed after %d ms: %s%n", name, took.toMillis(), error.getMessage());
    });
  }
}
