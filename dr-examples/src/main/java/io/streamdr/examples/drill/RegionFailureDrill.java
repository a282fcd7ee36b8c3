package io.streamdr.examples.drill;

import io.streamdr.connect.ConnectRestAdmin;
import io.streamdr.connect.ConnectorHandover;
import io.streamdr.connect.ConnectorSnapshot;
import io.streamdr.connect.ConnectorSnapshots;
import io.streamdr.connect.DebeziumPostgresOffsets;
import io.streamdr.connect.ReplicationSlotCheck;
import io.streamdr.core.DrTimeoutException;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.failover.AlertSink;
import io.streamdr.core.failover.FailoverMonitor;
import io.streamdr.core.failover.FailoverPolicy;
import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.runbook.FailoverPlan;
import io.streamdr.core.runbook.Phase;
import io.streamdr.core.runbook.RecoveryObjectives;
import io.streamdr.core.runbook.Runbook;
import io.streamdr.core.runbook.RunbookReport;
import io.streamdr.core.runbook.Runbooks;
import io.streamdr.core.runbook.Step;
import io.streamdr.core.runbook.Timeline;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.verify.ReplicationNaming;
import io.streamdr.examples.embedding.RegionAwareService;
import io.streamdr.flink.FlinkRestSavepointClient;
import io.streamdr.kafka.health.KafkaHealthProbe;
import io.streamdr.kafka.pipeline.DivergedTail;
import io.streamdr.kafka.pipeline.PipelineCheckpoint;
import io.streamdr.kafka.pipeline.PipelineCheckpointer;
import io.streamdr.kafka.region.TopicMapping;
import io.streamdr.kafka.replication.MirrorMakerReplicationProbe;
import io.streamdr.testkit.EmbeddedRegionPair;
import io.streamdr.testkit.flink.RoutingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Complete primary region failure, for real and end to end. With rows being inserted into PostgreSQL and an
 * application producing and consuming through the region-aware clients ({@link RegionAwareService}), the primary
 * region's Kafka cluster, Connect worker and Flink cluster are all stopped; PostgreSQL stays up (a multi-region
 * database). A {@link FailoverMonitor} detects the outage and switches the router; the pipeline failover then takes
 * over in the secondary from the newest {@link PipelineCheckpoint}: on a stack with Schema Registries its snapshot of the
 * primary's registry is restored into the secondary's with every id (the application, decoding what it reads against
 * the registry of its region, waits for them), Debezium is started in the secondary's Connect from
 * the carried-over offsets, the routing job in the secondary's Flink reads the replicated backlog and the local topic
 * and routes nothing the primary already routed, and the application keeps running on the secondary. Once the
 * primary is back, the drill counts by content what the primary had acknowledged that the secondary lacked at the
 * switch (the RPO), checks that every row and every acknowledged application record reached the application, and
 * fails the application back.
 *
 * <p>The policy's "unreachable for 2 minutes" is shortened to {@link #UNREACHABLE_FOR} so the drill finishes in
 * minutes; everything else is the DR guide's.
 */
public final class RegionFailureDrill {
  /** How long the primary must be unreachable before failing over, in the drill. */
  public static final Duration UNREACHABLE_FOR = Duration.ofSeconds(5);
  /** How often the primary's pipeline is checkpointed to the backups while it runs. */
  public static final Duration CHECKPOINT_EVERY = Duration.ofSeconds(2);
  private static final String PRIMARY = EmbeddedRegionPair.PRIMARY;
  private static final String SECONDARY = EmbeddedRegionPair.SECONDARY;
  private static final String GROUP = "orders-app";
  private final EmbeddedRegionPair stack;
  private final RecoveryObjectives objectives;
  private final Consumer<String> progress;

  public RegionFailureDrill(EmbeddedRegionPair stack, RecoveryObjectives objectives, Consumer<String> progress) {
    this.stack = stack;
    this.objectives = objectives;
    this.progress = progress;
  }

  /** What the drill measured, for its report. */
  private static final class Measured {
    volatile Instant firstDeliveryAfterOutage;
    volatile Duration checkpointAge;
    volatile long changeEventsLost;
    volatile long appRecordsLost;
    volatile Duration rpoSpan = Duration.ZERO;
    volatile long consumerDuplicates;
    volatile long routedTwice;
    volatile String rpoDetail = "not measured";
    volatile Duration failbackTook;
  }

  public RunbookReport run() throws Exception {
    String raw = RoutingJob.SOURCE_TOPIC;
    String app = EmbeddedRegionPair.APP_TOPIC;
    List<String> filtered = RoutingJob.TYPES.stream().map(RoutingJob::filteredTopic).toList();
    Map<String, Object> east = stack.primary().kafka().clientConfig();
    Map<String, Object> west = stack.secondary().kafka().clientConfig();
    // what the secondary writes itself after a takeover: Debezium's topic, the routing job's and the application's
    for (String topic : concat(List.of(raw, app), filtered)) {
      stack.secondary().kafka().createTopic(topic, EmbeddedRegionPair.PARTITIONS);
    }
    // read once: the primary's endpoints are gone once the outage is injected
    io.streamdr.core.region.RegionTopology topology = stack.topology();
    DefaultRegionRouter router = new DefaultRegionRouter(topology, new InMemoryActiveRegionStore());
    Path backupDir = io.streamdr.testkit.TempDirs.create("region-drill-backups"); // removed when the drill ends
    FileSystemBackupTarget backups = new FileSystemBackupTarget(backupDir);
    ConnectRestAdmin eastConnect = new ConnectRestAdmin(RestEndpoint.of(stack.primary().connect().restUrl().toString()));
    ConnectRestAdmin westConnect = new ConnectRestAdmin(RestEndpoint.of(stack.secondary().connect().restUrl().toString()));
    FlinkRestSavepointClient eastFlink = new FlinkRestSavepointClient(RestEndpoint.of(stack.primary().flink().restUrl().toString()));
    ReplicationSlotCheck slot = new ReplicationSlotCheck(stack.postgres().dataSource(), EmbeddedRegionPair.SLOT);
    PipelineCheckpointer.Builder checkpoints = PipelineCheckpointer.builder(backups, PRIMARY)
        .connectors(eastConnect) // secrets redacted in the checkpoint; the takeover supplies the database's password
        .job(eastFlink, () -> new JobRef(stack.primary().flink().runningJob("routing").orElseThrow().toHexString()))
        .groups(east, List.of(RoutingJob.GROUP_ID, GROUP))
        .fact("replication slot confirmed LSN", () -> slot.status().flatMap(ReplicationSlotCheck.SlotStatus::confirmedFlushLsn).orElse("none"));
    stack.primary().registry().ifPresent(r -> checkpoints.schemas(RestEndpoint.of(r.url().toString())));
    PipelineCheckpointer checkpointer = checkpoints.build();
    List<AlertSink.Alert> alerts = new CopyOnWriteArrayList<>();
    List<Timeline.Marker> markers = new CopyOnWriteArrayList<>();
    Measured m = new Measured();
    Instant injected;
    Instant primaryDown;
    long lastRowBeforeOutage;
    try (CdcTraffic traffic = new CdcTraffic(stack, 20);
         RegionAwareService application = new RegionAwareService(router, TopicMapping.prefixed(topology), app,
             concat(filtered, List.of(app)), GROUP, Duration.ofMillis(20), Duration.ofSeconds(1), this::valueText);
         KafkaHealthProbe primaryProbe = KafkaHealthProbe.builder(PRIMARY, east).timeout(Duration.ofSeconds(1)).build();
         KafkaHealthProbe secondaryProbe = KafkaHealthProbe.builder(SECONDARY, west)
             .timeout(Duration.ofSeconds(2))
             .build();
         ReplicationLag lag = new ReplicationLag(east, west, List.of(raw, app), stack::remoteTopic)) {
      Instant drillStart = Instant.now();
      progress.accept("steady state: rows into PostgreSQL, an application producing '" + app + "' and consuming the filtered"
          + " topics through the region-aware clients, the pipeline checkpointed every " + CHECKPOINT_EVERY.toSeconds() + " s");
      AutoCloseable checkpointing = checkpointer.every(CHECKPOINT_EVERY);
      DrillSupport.await("200 change events replicated to " + stack.remoteTopic(raw), Duration.ofSeconds(90),
          () -> DrillSupport.countOrZero(west, stack.remoteTopic(raw)) >= 200);
      DrillSupport.await("the application reading and writing in " + PRIMARY, Duration.ofSeconds(60),
          () -> application.deliveredFrom(PRIMARY) >= 100 && application.acknowledgedBy(PRIMARY) >= 100);
      DrillSupport.await("a pipeline checkpoint", Duration.ofSeconds(30), () -> checkpointer.last().isPresent());
      progress.accept("  application in %s: %d of its records acknowledged, %d records read (change events and its own); primary healthy: %s"
          .formatted(PRIMARY, application.acknowledgedBy(PRIMARY), application.deliveredFrom(PRIMARY), primaryProbe.probe().healthy()));

      ScheduledExecutorService evaluations = Executors.newSingleThreadScheduledExecutor();
      FailoverMonitor monitor = FailoverMonitor.builder(router, FailoverPolicy.defaults().toBuilder().unreachableFor(UNREACHABLE_FOR).build(),
          () -> List.of(primaryProbe), () -> topology.secondaryRegion()).alerts(a -> {
            alerts.add(a);
            progress.accept("  alert " + a.severity() + ": " + a.title());
          }).executor(evaluations).interval(Duration.ofMillis(250)).build();

      injected = Instant.now();
      markers.add(new Timeline.Marker("outage injected", injected));
      progress.accept("inject: stopping " + PRIMARY + "'s Kafka cluster, Connect worker and Flink cluster at once (region outage;"
          + " PostgreSQL stays up as a multi-region database)");
      checkpointing.close(); // the checkpoints run in the primary region and stop with it
      java.util.concurrent.CompletableFuture.allOf(
          java.util.concurrent.CompletableFuture.runAsync(() -> stack.primary().kafka().stop()),
          java.util.concurrent.CompletableFuture.runAsync(() -> stack.primary().connect().kill()),
          java.util.concurrent.CompletableFuture.runAsync(() -> stack.primary().flink().close())).join();
      primaryDown = Instant.now();
      // rows inserted from now on can only reach the application through the secondary's pipeline
      lastRowBeforeOutage = lastRowId();
      progress.accept("  %s down %s after the injection; rows up to id %d were inserted before it was".formatted(PRIMARY,
          RunbookReport.human(Duration.between(injected, primaryDown)), lastRowBeforeOutage));
      monitor.start();

      AtomicReference<DivergedTail.CopySnapshot> atSwitch = new AtomicReference<>();
      AtomicReference<PipelineCheckpoint> checkpoint = new AtomicReference<>();
      AtomicReference<String> resumedAt = new AtomicReference<>();
      AtomicReference<DivergedTail.Found> tail = new AtomicReference<>();
      AtomicReference<Instant> failbackStarted = new AtomicReference<>();
      java.util.concurrent.atomic.AtomicLong lastRowBeforeHandback = new java.util.concurrent.atomic.AtomicLong();
      FailoverPlan plan = FailoverPlan.builder(router, topology.secondaryRegion()).health(secondaryProbe)
          .timeout(Duration.ofMinutes(3)).build();
      Runbook runbook = Runbooks.automatedFailover(monitor, plan, Duration.ofMinutes(3)).progress(progress);
      runbook
          .step(Step.of("what us-west-2 holds of us-east-1's data at the switch", Phase.EXECUTION, () -> {
            atSwitch.set(DivergedTail.snapshot(west, List.of(raw, app), stack::remoteTopic, Duration.ofSeconds(60)));
            return "%d change events in %s, %d application records in %s".formatted(atSwitch.get().records(raw), stack.remoteTopic(raw),
                atSwitch.get().records(app), stack.remoteTopic(app));
          }))
          .step(Step.of("newest pipeline checkpoint of us-east-1", Phase.EXECUTION, () -> {
            PipelineCheckpoint c = PipelineCheckpointer.latest(backups, PRIMARY)
                .orElseThrow(() -> new IllegalStateException("no pipeline checkpoint of " + PRIMARY + " in " + backupDir));
            checkpoint.set(c);
            m.checkpointAge = Duration.between(c.takenAt(), injected);
            markers.add(new Timeline.Marker("newest checkpoint", c.takenAt()));
            return "taken %s before the outage: %d connector(s), routing job point %s, slot confirmed LSN %s".formatted(
                RunbookReport.human(m.checkpointAge), c.connectors().size(), c.job().map(PipelineCheckpoint.JobPoint::id).orElse("none"),
                c.facts().get("replication slot confirmed LSN"));
          }))
          .step(Step.of("the checkpoint's schemas in us-west-2's Schema Registry", Phase.EXECUTION, () -> restoreSchemas(backups,
              checkpoint.get())))
          .step(Step.of("fence us-east-1's Debezium at the database", Phase.EXECUTION, () -> slot.fence()
              .map(pid -> "ended process %d, which still held slot %s for %s's Debezium".formatted(pid, EmbeddedRegionPair.SLOT, PRIMARY))
              .orElse("slot " + EmbeddedRegionPair.SLOT + " not in use: nothing to fence")))
          .step(Step.of("Debezium in us-west-2 from the carried-over offsets", Phase.EXECUTION, () -> {
            PipelineCheckpoint c = checkpoint.get();
            // the slot may have been confirmed past the checkpoint's offsets: resume where the database still streams from
            String confirmed = slot.status().flatMap(ReplicationSlotCheck.SlotStatus::confirmedFlushLsn).orElse("0/0");
            long carried = DebeziumPostgresOffsets.position(c.connector(EmbeddedRegionPair.CONNECTOR).orElseThrow().offsets());
            List<ConnectorSnapshot.Entry> entries = c.connectors().stream().map(x -> new ConnectorSnapshot.Entry(x.name(), x.config(), x.state(),
                x.name().equals(EmbeddedRegionPair.CONNECTOR) ? DebeziumPostgresOffsets.resumableFrom(x.offsets(), confirmed) : x.offsets())).toList();
            resumedAt.set(carried >= DebeziumPostgresOffsets.lsn(confirmed) ? "the checkpoint's LSN " + DebeziumPostgresOffsets.lsnText(carried)
                : "the slot's confirmed LSN %s (the checkpoint's %s is older)".formatted(confirmed, DebeziumPostgresOffsets.lsnText(carried)));
            var outcomes = ConnectorSnapshots.restore(new ConnectorSnapshot("pipeline-" + c.takenAt().toEpochMilli(), c.takenAt(), PRIMARY, entries),
                westConnect, inSecondary(ConnectorSnapshots.RestoreOptions.builder()
                    .secret("database.password", io.streamdr.core.http.Secret.of(stack.postgres().password()))).build());
            outcomes.stream().filter(o -> !o.restored()).findFirst().ifPresent(o -> {
              throw new IllegalStateException("connector " + o.connector() + " not restored in " + SECONDARY + ": " + o.detail());
            });
            DrillSupport.await("Debezium streaming from slot " + EmbeddedRegionPair.SLOT + " in " + SECONDARY, Duration.ofSeconds(60),
                () -> stack.postgres().slotActive(EmbeddedRegionPair.SLOT));
            ConnectorInfo info = westConnect.describe(EmbeddedRegionPair.CONNECTOR);
            markers.add(new Timeline.Marker("Debezium in " + SECONDARY, Instant.now()));
            return "%s %s in %s's Connect with %d task(s), resumed at %s; writing %s there".formatted(
                info.name(), info.state(), SECONDARY, info.tasks().size(), resumedAt.get(), raw);
          }).deadline(Duration.ofMinutes(2)))
          .step(Step.of("routing job in us-west-2 from the replicated backlog", Phase.EXECUTION, () -> {
            List<String> routedThere = filtered.stream().map(stack::remoteTopic).toList();
            var job = stack.secondary().flink().submitTakeoverRoutingJob(stack.secondary().kafka().bootstrapServers(),
                List.of(stack.remoteTopic(raw), raw), routedThere, stack.secondary().changeEvents());
            DrillSupport.await("routing job RUNNING in " + SECONDARY, Duration.ofSeconds(60),
                () -> stack.secondary().flink().status(job) == org.apache.flink.api.common.JobStatus.RUNNING);
            markers.add(new Timeline.Marker("routing in " + SECONDARY, Instant.now()));
            return "job %s reads %s and %s, writes the filtered topics of %s, and skips what %s routed (%s)".formatted(job,
                stack.remoteTopic(raw), raw, SECONDARY, PRIMARY, String.join(", ", routedThere));
          }).deadline(Duration.ofMinutes(2)))
          .step(Step.of("a row inserted after the outage reaches the application in us-west-2", Phase.VERIFICATION, () -> {
            DrillSupport.await("a change event of a row inserted after the outage delivered in " + SECONDARY, Duration.ofSeconds(90), () ->
                firstAfter(application, lastRowBeforeOutage, filtered) != null);
            RegionAwareService.Delivery d = firstAfter(application, lastRowBeforeOutage, filtered);
            m.firstDeliveryAfterOutage = d.at();
            return "row %d, inserted after the outage, delivered from %s in %s %s after the outage".formatted(DrillSupport.rowId(d.value()),
                d.topic(), d.region(), RunbookReport.human(Duration.between(injected, d.at())));
          }).deadline(Duration.ofMinutes(2)))
          .step(Step.of("the application writes and reads in us-west-2", Phase.VERIFICATION, () -> {
            long before = application.acknowledgedBy(SECONDARY);
            DrillSupport.await("50 application records acknowledged and delivered in " + SECONDARY, Duration.ofSeconds(60),
                () -> application.acknowledgedBy(SECONDARY) >= before + 50 && application.delivered().stream()
                    .anyMatch(d -> d.region().equals(SECONDARY) && d.topic().equals(app)));
            return "%d records acknowledged by %s so far, the consumer reads there".formatted(application.acknowledgedBy(SECONDARY), SECONDARY);
          }))
          .step(Step.of("primary region back", Phase.VERIFICATION, () -> {
            stack.primary().kafka().restart();
            markers.add(new Timeline.Marker("primary back", Instant.now()));
            return "Kafka cluster " + PRIMARY + " restarted with its data; MirrorMaker 2 " + PRIMARY + " -> " + SECONDARY + " resumes";
          }).deadline(Duration.ofMinutes(2)))
          .step(Step.of("RPO, counted by content", Phase.VERIFICATION, () -> {
            DivergedTail.Found found = DivergedTail.find(east, List.of(raw, app), atSwitch.get(), Duration.ofSeconds(60));
            tail.set(found);
            DivergedTail.Report report = found.report();
            m.changeEventsLost = found.records().stream().filter(r -> r.topic().equals(raw)).count();
            m.appRecordsLost = found.records().stream().filter(r -> r.topic().equals(app)).count();
            m.rpoSpan = rpoSpan(report, primaryDown);
            m.rpoDetail = "acknowledged by %s and absent from %s at the switch: %d change event(s), %d application record(s)%s".formatted(
                PRIMARY, SECONDARY, m.changeEventsLost, m.appRecordsLost, report.records() == 0 ? ""
                    : lost(report, found.export(backups, "region-drill-" + injected.toEpochMilli())));
            return m.rpoDetail;
          }))
          .step(Step.of("the diverged tail reaches us-west-2 once (policy: replay)", Phase.FAILBACK, () -> {
            awaitReplicated(PRIMARY, east, west, List.of(raw, app));
            DivergedTail.Found missing = tail.get().notYetCopied(west, stack::remoteTopic, Duration.ofSeconds(60));
            int replayed = 0;
            if (!missing.records().isEmpty()) {
              try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(idempotent(west),
                  new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                replayed = missing.replay(producer, stack::remoteTopic, Duration.ofSeconds(60));
              }
            }
            long left = tail.get().notYetCopied(west, stack::remoteTopic, Duration.ofSeconds(60)).records().size();
            if (left > 0) {
              throw new IllegalStateException(left + " record(s) of the diverged tail are still missing from " + SECONDARY);
            }
            return "%d record(s) of the tail carried to %s by MirrorMaker 2 once the primary was back, %d replayed; 0 missing, none twice"
                .formatted(tail.get().records().size() - replayed, SECONDARY, replayed);
          }).deadline(Duration.ofMinutes(2)))
          .step(Step.of("reverse replication us-west-2 -> us-east-1", Phase.FAILBACK, () -> {
            failbackStarted.set(Instant.now());
            markers.add(new Timeline.Marker("failback started", failbackStarted.get()));
            stack.startReverseReplication();
            awaitReplicated(SECONDARY, west, east, concat(List.of(raw, app), filtered));
            return "MirrorMaker 2 %s -> %s started and caught up: what %s wrote during the outage is in %s as %s, %s, ...".formatted(
                SECONDARY, PRIMARY, SECONDARY, PRIMARY, stack.reverseRemoteTopic(raw), stack.reverseRemoteTopic(app));
          }).deadline(Duration.ofMinutes(2)))
          .step(Step.of("us-east-1's Connect worker and Flink cluster back", Phase.FAILBACK, () -> {
            var back = stack.restartPrimaryServices();
            ConnectorInfo stale = awaitListed(eastConnect);
            return "Connect worker at %s (it resumed %s from its config topic: %s, its tasks %s) and Flink at %s (no jobs: no high availability)"
                .formatted(back.connect().restUrl(), stale.name(), stale.state(), stale.tasks().stream().map(t -> t.state().name()).toList(),
                    back.flink().restUrl());
          }).deadline(Duration.ofMinutes(2)))
          .step(Step.of("us-west-2's schemas back in us-east-1's Schema Registry", Phase.FAILBACK, () -> schemasBack(backups)))
          .step(Step.of("Debezium back in us-east-1 from us-west-2's position", Phase.FAILBACK, () -> {
            List<ConnectorHandover.Outcome> moved = ConnectorHandover.from(westConnect).to(eastConnect)
                .offsets((name, o) -> DebeziumPostgresOffsets.resumableFrom(o,
                    slot.status().flatMap(ReplicationSlotCheck.SlotStatus::confirmedFlushLsn).orElse("0/0")))
                .handOver(List.of(EmbeddedRegionPair.CONNECTOR));
            ConnectorHandover.Outcome o = moved.get(0);
            if (!o.handedOver()) {
              throw new IllegalStateException("Debezium not handed back to " + PRIMARY + ": " + o.detail());
            }
            DrillSupport.await("Debezium streaming from slot " + EmbeddedRegionPair.SLOT + " in " + PRIMARY, Duration.ofSeconds(60),
                () -> stack.postgres().slotActive(EmbeddedRegionPair.SLOT));
            lastRowBeforeHandback.set(lastRowId());
            markers.add(new Timeline.Marker("Debezium in " + PRIMARY, Instant.now()));
            return "%s in %s's Connect (%s) in %s; stopped in %s; rows from id %d on are captured in %s".formatted(o.connector(), PRIMARY,
                o.detail(), RunbookReport.human(Duration.ofMillis(o.tookMillis())), SECONDARY, lastRowBeforeHandback.get() + 1, PRIMARY);
          }).deadline(Duration.ofMinutes(3)))
          .step(Step.of("routing job back in us-east-1", Phase.FAILBACK, () -> {
            var westJob = stack.secondary().flink().runningJob("routing").orElseThrow();
            stack.secondary().flink().miniCluster().cancelJob(westJob).get(30, java.util.concurrent.TimeUnit.SECONDS);
            DrillSupport.await("the routing job of " + SECONDARY + " cancelled", Duration.ofSeconds(30),
                () -> stack.secondary().flink().status(westJob).isGloballyTerminalState());
            // what us-west-2 routed, all in us-east-1 before its job starts: it routes none of it again
            awaitReplicated(SECONDARY, west, east, filtered);
            List<String> routedAlready = concat(filtered, filtered.stream().map(stack::reverseRemoteTopic).toList());
            var job = stack.primary().flink().submitTakeoverRoutingJob(stack.primary().kafka().bootstrapServers(),
                List.of(stack.reverseRemoteTopic(raw), raw), routedAlready, stack.primary().changeEvents());
            DrillSupport.await("routing job RUNNING in " + PRIMARY, Duration.ofSeconds(60),
                () -> stack.primary().flink().status(job) == org.apache.flink.api.common.JobStatus.RUNNING);
            markers.add(new Timeline.Marker("routing in " + PRIMARY, Instant.now()));
            return "job %s cancelled in %s; job %s reads %s and %s and skips what either region routed (%s)".formatted(westJob, SECONDARY,
                job, stack.reverseRemoteTopic(raw), raw, String.join(", ", routedAlready));
          }).deadline(Duration.ofMinutes(2)))
          .step(Step.of("the application fails back to us-east-1", Phase.FAILBACK, () -> {
            router.failback("the primary region is back and runs the pipeline again");
            markers.add(new Timeline.Marker("failback", Instant.now()));
            DrillSupport.await("the application's consumer back in " + PRIMARY, Duration.ofSeconds(60),
                () -> application.consumerRegion().name().equals(PRIMARY));
            long before = application.acknowledgedBy(PRIMARY);
            DrillSupport.await("50 application records acknowledged by " + PRIMARY + " after the failback", Duration.ofSeconds(60),
                () -> application.acknowledgedBy(PRIMARY) >= before + 50);
            return "active region %s at epoch %d; the consumer reads in %s, %d records acknowledged there since".formatted(
                router.active().name(), router.epoch(), PRIMARY, application.acknowledgedBy(PRIMARY) - before);
          }).deadline(Duration.ofMinutes(2)))
          .step(Step.of("a row captured in us-east-1 again reaches the application there", Phase.VERIFICATION, () -> {
            long after = lastRowBeforeHandback.get();
            DrillSupport.await("a change event of a row inserted after the handback delivered from " + PRIMARY + "'s own routing",
                Duration.ofSeconds(90), () -> firstRoutedIn(application, PRIMARY, after, filtered) != null);
            RegionAwareService.Delivery d = firstRoutedIn(application, PRIMARY, after, filtered);
            m.failbackTook = Duration.between(failbackStarted.get(), d.at());
            return "row %d delivered from %s in %s; failback (reverse replication to the first row routed in %s delivered) took %s".formatted(
                DrillSupport.rowId(d.value()), d.topic(), d.region(), PRIMARY, RunbookReport.human(m.failbackTook));
          }).deadline(Duration.ofMinutes(2)))
          .step(Step.of("every row and every acknowledged record reached the application", Phase.VERIFICATION, () -> {
            traffic.close();
            application.stopProducing();
            Set<Long> rows = rowIds();
            Set<String> acked = application.acknowledged().keySet();
            try {
              DrillSupport.await("every row's change event and every acknowledged record delivered", Duration.ofSeconds(120), () -> {
                Set<Long> seen = deliveredRows(application, filtered);
                Set<String> values = new HashSet<>();
                application.delivered().forEach(d -> values.add(d.value()));
                return seen.containsAll(rows) && values.containsAll(acked);
              });
            } catch (DrTimeoutException e) {
              throw new IllegalStateException(undelivered(application, rows, filtered), e);
            }
            Map<Long, Integer> rowTimes = new HashMap<>();
            application.delivered().stream().filter(d -> filtered.stream().anyMatch(f -> d.topic().endsWith(f)))
                .forEach(d -> rowTimes.merge(DrillSupport.rowId(d.value()), 1, Integer::sum));
            long rowDuplicates = rowTimes.values().stream().mapToLong(n -> n - 1).sum();
            long appDuplicates = application.delivered().stream().filter(d -> d.topic().endsWith(app)).count()
                - application.delivered().stream().filter(d -> d.topic().endsWith(app)).map(RegionAwareService.Delivery::value).distinct().count();
            m.consumerDuplicates = rowDuplicates + appDuplicates;
            // an acknowledged record the application read in us-east-1 before the outage but which had not reached
            // us-west-2 (the diverged tail) is read again there once it arrives, at an offset the consumer never saw
            Set<String> tailValues = tail.get().records().stream().filter(rec -> rec.topic().equals(app))
                .map(rec -> new String(rec.value(), java.nio.charset.StandardCharsets.UTF_8)).collect(java.util.stream.Collectors.toSet());
            long tailReadTwice = readInBoth(application.delivered(), app, tailValues);
            // each region's own filtered topics and its copies of the other's: a row in two of them was routed twice
            m.routedTwice = Math.max(routedTwice(stack.secondary(), concat(filtered, filtered.stream().map(stack::remoteTopic).toList())),
                routedTwice(stack.primary(), concat(filtered, filtered.stream().map(stack::reverseRemoteTopic).toList())));
            return ("%d rows in PostgreSQL and %d acknowledged application records, all delivered: 0 lost; delivered more than once:"
                + " %d rows' change events, %d application records (the consumer counted %d re-deliveries; %d of the diverged tail"
                + " read in %s before the outage and again in %s); rows routed more than once across both regions' filtered topics: %d")
                .formatted(rows.size(), acked.size(), rowDuplicates, appDuplicates, application.consumerRedeliveries(), tailReadTwice, PRIMARY,
                    SECONDARY, m.routedTwice);
          }).deadline(Duration.ofMinutes(3)));
      RunbookReport report;
      try {
        report = runbook.run(objectives);
      } finally {
        monitor.close();
        evaluations.shutdownNow();
      }
      FailoverMonitor.Decision d = monitor.decision().orElse(null);
      if (d == null) {
        return report.withNote("the failover monitor did not decide");
      }
      markers.add(new Timeline.Marker("detected", d.detectedAt()));
      markers.add(new Timeline.Marker("switched", d.switchedAt()));
      Instant drillEnd = Instant.now();
      List<Timeline.Series> series = new ArrayList<>();
      for (String region : List.of(PRIMARY, SECONDARY)) {
        Map<String, String> by = application.acknowledged();
        List<Instant> acks = application.acknowledgedAt().entrySet().stream().filter(e -> region.equals(by.get(e.getKey())))
            .map(Map.Entry::getValue).toList();
        series.add(Timeline.rate("application records acknowledged, " + region, "records per second", acks, drillStart, drillEnd,
            Duration.ofSeconds(1)));
        series.add(Timeline.rate("records delivered to the application, " + region, "records per second", application.delivered().stream()
            .filter(x -> x.region().equals(region)).map(RegionAwareService.Delivery::at).toList(), drillStart, drillEnd, Duration.ofSeconds(1)));
      }
      series.addAll(lag.series());
      Timeline timeline = new Timeline(series, markers.stream().sorted(java.util.Comparator.comparing(Timeline.Marker::at)).toList());
      Duration endToEnd = m.firstDeliveryAfterOutage == null ? null : Duration.between(injected, m.firstDeliveryAfterOutage);
      return Runbooks.withDecision(report, d, injected).withTimeline(timeline)
          .withRpo(m.rpoSpan, m.changeEventsLost + m.appRecordsLost)
          .withNote("injected: %s's Connect worker, Flink cluster and Kafka cluster stopped at %s with rows being inserted (%d so far) and the application running; PostgreSQL stayed up"
              .formatted(PRIMARY, injected, traffic.inserted()))
          .withNote("failover policy: primary unreachable for %s (the DR guide's 2 minutes, shortened for the drill)".formatted(UNREACHABLE_FOR))
          .withNote(endToEnd == null ? "end-to-end RTO not measured" : "end-to-end RTO (outage to the first row inserted after it delivered in %s): %s, of which %s the policy's threshold"
              .formatted(SECONDARY, RunbookReport.human(endToEnd), RunbookReport.human(UNREACHABLE_FOR)))
          .withNote(m.failbackTook == null ? "failback not measured" : ("failback: reverse replication, Debezium and the routing job back in %s, the"
              + " application back, the first row captured there again delivered %s after it began").formatted(PRIMARY, RunbookReport.human(m.failbackTook)))
          .withNote("pipeline checkpoint age at the outage: " + (m.checkpointAge == null ? "none" : RunbookReport.human(m.checkpointAge)))
          .withNote("RPO by content: " + m.rpoDetail)
          .withNote("delivered more than once to the application: %d (records in flight at a switch, and the diverged tail read again); rows routed more than once: %d"
              .formatted(m.consumerDuplicates, m.routedTwice))
          .withNote("records read by the application, by region and topic: " + deliveredByTopic(application))
          .withNote("alerts raised: " + alerts.stream().map(AlertSink.Alert::title).toList());
    } finally {
      io.streamdr.testkit.TempDirs.delete(backupDir);
      if (stack.primary().kafka().isDown()) {
        stack.primary().kafka().restart();
      }
    }
  }

  /** Waits until MirrorMaker 2 has copied every record of {@code topics} from {@code source} to the other region. */
  private void awaitReplicated(String sourceRegion, Map<String, Object> source, Map<String, Object> target, List<String> topics) {
    try (MirrorMakerReplicationProbe probe = MirrorMakerReplicationProbe.builder(sourceRegion, source, target)
        .naming(ReplicationNaming.prefixed(sourceRegion))
        .topics(topics)
        .timeout(Duration.ofSeconds(10))
        .build()) {
      MirrorMakerReplicationProbe.ReplicationLag lag = probe.awaitCaughtUp(Duration.ofSeconds(90));
      if (lag.totalRecords() > 0 || !lag.missingTopics().isEmpty()) {
        throw new IllegalStateException("replication from %s not caught up within 90 s: %d record(s) behind, no copy of %s".formatted(
            sourceRegion, lag.totalRecords(), lag.missingTopics()));
      }
    }
  }

  /** The connector the returning worker resumed from its config topic, once it lists it. */
  private static ConnectorInfo awaitListed(ConnectRestAdmin connect) {
    DrillSupport.await("the Debezium connector listed by " + PRIMARY + "'s Connect worker again", Duration.ofSeconds(60), () -> {
      try {
        return connect.connectors().contains(EmbeddedRegionPair.CONNECTOR);
      } catch (RuntimeException e) {
        return false;
      }
    });
    return connect.describe(EmbeddedRegionPair.CONNECTOR);
  }

  /** What never reached the application: rows and acknowledged records, with where each was acknowledged. */
  private String undelivered(RegionAwareService application, Set<Long> rows, List<String> filtered) {
    Set<Long> missingRows = new java.util.TreeSet<>(rows);
    missingRows.removeAll(deliveredRows(application, filtered));
    Set<String> values = new HashSet<>();
    application.delivered().forEach(d -> values.add(d.value()));
    Map<String, String> acked = application.acknowledged();
    Map<String, Instant> at = application.acknowledgedAt();
    List<String> missingAcked = acked.keySet().stream().filter(v -> !values.contains(v)).sorted()
        .map(v -> v + " (acknowledged by " + acked.get(v) + " at " + at.get(v) + ")").toList();
    Set<String> lost = acked.keySet().stream().filter(v -> !values.contains(v)).limit(5).collect(java.util.stream.Collectors.toSet());
    List<String> where = new ArrayList<>();
    if (!lost.isEmpty()) { // where each is, in both regions, to compare with the consumer's positions in the log
      String app = EmbeddedRegionPair.APP_TOPIC;
      java.util.function.BiConsumer<String, List<String>> find = (region, topics) -> {
        try {
          DrillSupport.readAll(region.equals(PRIMARY) ? stack.primary() : stack.secondary(), topics, r -> {
            if (lost.contains(r.value())) {
              where.add("%s in %s %s-%d@%d (timestamp %d)".formatted(r.value(), region, r.topic(), r.partition(), r.offset(), r.timestamp()));
            }
          });
        } catch (RuntimeException e) {
          where.add("could not read " + region + ": " + e.getMessage());
        }
      };
      find.accept(SECONDARY, List.of(app, stack.remoteTopic(app)));
      find.accept(PRIMARY, List.of(app, stack.reverseRemoteTopic(app)));
    }
    Map<String, Long> byTopic = deliveredByTopic(application);
    return "%d row(s) never delivered %s; %d acknowledged record(s) never delivered %s%s; delivered by region and topic: %s".formatted(
        missingRows.size(), missingRows.stream().limit(20).toList(), missingAcked.size(), missingAcked.stream().limit(20).toList(),
        where.isEmpty() ? "" : "; found at " + where, byTopic);
  }

  /** How many records the application read, by region and topic. */
  /**
   * How many of {@code values} the application read from {@code topic} (or its copy) both while consuming in the
   * primary and while consuming in the secondary.
   */
  static long readInBoth(List<RegionAwareService.Delivery> delivered, String topic, Set<String> values) {
    Set<String> inPrimary = new HashSet<>();
    Set<String> inSecondary = new HashSet<>();
    for (RegionAwareService.Delivery d : delivered) {
      if (d.topic().endsWith(topic) && values.contains(d.value())) {
        (d.region().equals(PRIMARY) ? inPrimary : inSecondary).add(d.value());
      }
    }
    inPrimary.retainAll(inSecondary);
    return inPrimary.size();
  }

  /**
   * The recovery point: from the first record lost (acknowledged by the primary, absent from the secondary) to the
   * moment the primary was down. Records acknowledged while it was going down count, so the span is never negative.
   */
  static Duration rpoSpan(DivergedTail.Report lost, Instant primaryDown) {
    return lost.firstWritten().map(t -> Duration.between(t, primaryDown)).filter(d -> !d.isNegative()).orElse(Duration.ZERO);
  }

  /** What was lost, for the report, in the tail report's own words, and where the backups keep it. */
  static String lost(DivergedTail.Report lost, BackupKey keptAs) {
    return " (%s; kept in the backups as %s)".formatted(lost, keptAs);
  }

  private static Map<String, Long> deliveredByTopic(RegionAwareService application) {
    Map<String, Long> byTopic = new java.util.TreeMap<>();
    application.delivered().forEach(d -> byTopic.merge(d.region() + " " + d.topic(), 1L, Long::sum));
    return byTopic;
  }

  private static Map<String, Object> idempotent(Map<String, Object> config) {
    Map<String, Object> c = new HashMap<>(config);
    c.put("enable.idempotence", true);
    c.put("acks", "all");
    return c;
  }

  /** Rows whose change event is in more than one of {@code topics}, or twice in one. */
  private static long routedTwice(EmbeddedRegionPair.RegionStack region, List<String> topics) {
    Map<Long, Integer> routed = new HashMap<>();
    DrillSupport.readAll(region, topics).forEach(v -> routed.merge(DrillSupport.rowId(v), 1, Integer::sum));
    return routed.values().stream().filter(n -> n > 1).count();
  }

  /** The first delivery, from {@code region}'s own filtered topics, of a row inserted after {@code lastRow}. */
  private static RegionAwareService.Delivery firstRoutedIn(RegionAwareService application, String region, long lastRow, List<String> filtered) {
    return application.delivered().stream().filter(d -> d.region().equals(region) && filtered.contains(d.topic())
        && DrillSupport.rowId(d.value()) > lastRow).findFirst().orElse(null);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /** The first delivery of a filtered change event about a row inserted after {@code lastRowBeforeOutage}, read in the secondary. */
  private static RegionAwareService.Delivery firstAfter(RegionAwareService application, long lastRowBeforeOutage, List<String> filtered) {
    return application.delivered().stream().filter(d -> d.region().equals(SECONDARY) && filtered.stream().anyMatch(f -> d.topic().endsWith(f))
        && DrillSupport.rowId(d.value()) > lastRowBeforeOutage).findFirst().orElse(null);
  }

  private static Set<Long> deliveredRows(RegionAwareService application, List<String> filtered) {
    Set<Long> rows = new HashSet<>();
    application.delivered().stream().filter(d -> filtered.stream().anyMatch(f -> d.topic().endsWith(f)))
        .forEach(d -> rows.add(DrillSupport.rowId(d.value())));
    return rows;
  }

  private long lastRowId() {
    Set<Long> ids = rowIds();
    return ids.stream().mapToLong(Long::longValue).max().orElse(0);
  }

  /**
   * A value the application read in {@code region}, as text: a change event decoded against that region's Schema
   * Registry. Like a registry-aware deserializer, it waits while the registry lacks the event's schema (between the
   * switch and the restore of the checkpoint's schemas there), up to a minute.
   */
  private String valueText(String region, byte[] value) {
    io.streamdr.testkit.flink.ChangeEventText events = (region.equals(PRIMARY) ? stack.primary() : stack.secondary()).changeEvents();
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      try {
        return events.of(value);
      } catch (IllegalStateException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
      }
    }
  }

  /** Restores the schemas the checkpoint names into the secondary's registry, with their ids. */
  private String restoreSchemas(FileSystemBackupTarget backups, PipelineCheckpoint c) {
    if (c.schemas().isEmpty()) {
      return "the checkpoint names no schema snapshot (the stack runs without Schema Registries): nothing to restore";
    }
    io.streamdr.kafka.schema.SchemaSnapshot snapshot = io.streamdr.kafka.schema.SchemaBackup.read(backups, c.schemas().get());
    var report = io.streamdr.kafka.schema.SchemaBackup.restore(snapshot, RestEndpoint.of(stack.secondary().registry().orElseThrow().url().toString()));
    return "schema snapshot %s: %d version(s) registered with their ids in %s's registry, %d already there; the replicated change events decode there"
        .formatted(snapshot.id(), report.restored(), SECONDARY, snapshot.versions() - report.restored());
  }

  /** What the secondary's registry registered while it was active, restored into the primary's with the ids. */
  private String schemasBack(FileSystemBackupTarget backups) {
    if (stack.secondary().registry().isEmpty()) {
      return "no Schema Registries in the stack: nothing to bring back";
    }
    io.streamdr.kafka.schema.SchemaSnapshot snapshot = io.streamdr.kafka.schema.SchemaBackup.of(
        RestEndpoint.of(stack.secondary().registry().get().url().toString()), backups).take("failback-" + SECONDARY + "-"
        + Instant.now().toEpochMilli());
    var report = io.streamdr.kafka.schema.SchemaBackup.restore(snapshot, RestEndpoint.of(stack.primary().registry().orElseThrow().url().toString()));
    return "snapshot %s of %s's registry: %d version(s) registered in %s's with their ids, %d already there".formatted(snapshot.id(), SECONDARY,
        report.restored(), PRIMARY, snapshot.versions() - report.restored());
  }

  /** The restore options of the takeover, with Debezium's converter pointed at the secondary's registry where there is one. */
  private ConnectorSnapshots.RestoreOptions.Builder inSecondary(ConnectorSnapshots.RestoreOptions.Builder options) {
    stack.secondary().registry().ifPresent(r -> options.override("value.converter.apicurio.registry.url", r.apicurioUrl().toString()));
    return options;
  }

  /** The rows of the business table whose events the routing job routes (every type the traffic inserts). */
  private Set<Long> rowIds() {
    return DrillSupport.rowIds(stack, "event_type in ('loan', 'service', 'car')");
  }
}
