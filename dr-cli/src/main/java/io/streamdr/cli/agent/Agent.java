package io.streamdr.cli.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.streamdr.cli.Takeover;
import io.streamdr.cli.config.AgentConfig;
import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.connect.ConnectorHealthProbe;
import io.streamdr.connect.ConnectorSnapshot;
import io.streamdr.connect.ConnectorSnapshots;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.failover.AlertSink;
import io.streamdr.core.failover.FailoverMonitor;
import io.streamdr.core.failover.FailoverPolicy;
import io.streamdr.core.failover.WebhookAlertSink;
import io.streamdr.core.health.HealthProbe;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.Secret;
import io.streamdr.core.internal.Json;
import io.streamdr.core.metrics.StreamDrMeters;
import io.streamdr.core.region.ActiveRegionStore;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.flink.FlinkJobHealthProbe;
import io.streamdr.kafka.health.ConsumerLagProbe;
import io.streamdr.kafka.health.KafkaHealthProbe;
import io.streamdr.kafka.metrics.KafkaMeters;
import io.streamdr.kafka.pipeline.PipelineCheckpoint;
import io.streamdr.kafka.replication.MirrorMakerReplicationProbe;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code streamdr agent}: the DR guide's automation as one long-running process. It watches the active region with
 * the configured probes and the guide's failover triggers (switching in mode {@code auto}, only alerting in mode
 * {@code alert}), runs the scheduled jobs once per slot (see {@link JobScheduler}), and serves {@code /metrics}
 * (Prometheus) and {@code /health} (JSON, 200 or 503). Its events go to {@code out}, one line each.
 *
 * <p>{@link #close()} stops taking new work, lets a running job finish (up to the grace period; a backup cut short
 * resumes under the same id when its slot is taken over) and reports what it left.
 */
public final class Agent implements AutoCloseable {
  /** {@code streamdr.agent.job.runs}: runs by job, kind and outcome. */
  public static final String JOB_RUNS = "streamdr.agent.job.runs";
  public static final String JOB_DURATION = "streamdr.agent.job.duration";
  public static final String JOB_LAST_SUCCESS = "streamdr.agent.job.last.success";
  public static final String UP = "streamdr.agent.up";

  private final StreamDrConfig cfg;
  private final AgentConfig agent;
  private final Clock clock;
  private final PrintWriter out;
  private final Duration grace;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final StreamDrMeters meters = new StreamDrMeters(registry);
  private final KafkaMeters kafkaMeters;
  private final BackupTarget backups;
  private final ActiveRegionStore store;
  private final DefaultRegionRouter router;
  private final Map<String, List<HealthProbe>> probes = new ConcurrentHashMap<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final FailoverMonitor monitor;
  private final JobScheduler scheduler;
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "streamdr-agent-tick"));
  private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "streamdr-agent-failover"));
  private final ExecutorService jobs = Executors.newSingleThreadExecutor(r -> daemon(r, "streamdr-agent-jobs"));
  private final AtomicReference<Future<?>> running = new AtomicReference<>();
  private final AtomicReference<FailoverMonitor.Decision> handled = new AtomicReference<>();
  private final AtomicReference<FailoverMonitor.Decision> lastDecision = new AtomicReference<>();
  private final String owner;
  private HttpServer server;
  private volatile boolean closing;

  public Agent(StreamDrConfig cfg, Clock clock, PrintWriter out, Duration grace) {
    this.cfg = cfg;
    this.agent = cfg.agent();
    this.clock = clock;
    this.out = out;
    this.grace = grace;
    this.owner = agent.owner().orElseGet(() -> ProcessHandle.current().pid() + "@" + host());
    this.kafkaMeters = new KafkaMeters(registry, clock);
    this.backups = cfg.backups();
    this.store = cfg.activeRegionStore();
    this.router = new DefaultRegionRouter(cfg.topology(), store, clock);
    meters.router(router, cfg.topology());
    io.micrometer.core.instrument.Gauge.builder(UP, () -> 1).strongReference(true).description("1 while the agent runs").register(registry);
    AgentConfig.Failover f = agent.failover();
    FailoverPolicy policy = FailoverPolicy.defaults().toBuilder().unreachableFor(f.unreachableFor()).minBrokerHealth(f.minBrokerHealth())
        .maxJobFailures(f.maxJobFailures()).maxConsumerLag(f.maxConsumerLag()).sustainFor(f.sustainFor()).build();
    List<AlertSink> sinks = new ArrayList<>();
    sinks.add(a -> event("alert %s: %s %s", a.severity(), a.title(), a.details()));
    for (URI hook : agent.webhooks()) {
      String base = hook.getScheme() + "://" + hook.getAuthority();
      String path = (hook.getRawPath() == null || hook.getRawPath().isEmpty() ? "/" : hook.getRawPath())
          + (hook.getRawQuery() == null ? "" : "?" + hook.getRawQuery());
      sinks.add(new WebhookAlertSink(RestEndpoint.of(base), path));
    }
    AlertSink all = meters.alerts(a -> sinks.forEach(s -> s.send(a)));
    this.monitor = FailoverMonitor.builder(router, policy, () -> probesOf(router.active()), this::otherRegion).alerts(all)
        .alertOnly(f.mode() == AgentConfig.Mode.ALERT).executor(watcher).interval(f.interval()).clock(clock)
        .beforeSwitch(this::journal).build();
    AgentJobs work = new AgentJobs(cfg, backups, router, kafkaMeters, job -> meters.progress("backup", job), meters::drill, clock);
    this.scheduler = new JobScheduler(agent.jobs().stream().map(work::job).toList(), backups, owner, clock, this::recordRun);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** Before the monitor switches, records the takeover that follows, so that a restarted agent completes it. */
  private void journal(FailoverMonitor.PlannedSwitch planned) {
    if (!agent.failover().pipeline()) {
      return;
    }
    String checkpoint;
    try {
      checkpoint = Takeover.fromCheckpoint(cfg, planned.from().name()).id();
    } catch (RuntimeException e) {
      checkpoint = "none: " + e.getMessage();
    }
    Takeover.Journal.begin(planned.from().name(), planned.to().name(), planned.epoch(), checkpoint, clock.instant()).write(backups);
  }

  /** Starts watching, scheduling and serving; returns the HTTP port. */
  public int start() throws IOException {
    router.refresh();
    if (agent.failover().pipeline() && agent.failover().mode() == AgentConfig.Mode.AUTO) {
      Takeover.Journal.read(backups, router.active().name())
          .filter(j -> j.epoch() == router.epoch() && !j.completed())
          .ifPresent(j -> daemon(() -> {
            event("completing the pipeline failover %s -> %s that stopped after the switch at epoch %d (started %s)", j.from(), j.to(),
                j.epoch(), j.startedAt());
            takeOver(j, true);
          }, "streamdr-agent-takeover").start());
    }
    probesOf(router.active()); // probes registered before the first scrape
    server = HttpServer.create(new InetSocketAddress(agent.port()), 16);
    server.createContext("/metrics", answering(x -> respond(x, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape())));
    server.createContext("/health", answering(this::health));
    server.setExecutor(Executors.newFixedThreadPool(2, r -> daemon(r, "streamdr-agent-http")));
    server.start();
    int port = server.getAddress().getPort();
    event("agent %s started: active region %s (epoch %d), failover mode %s every %s, %d job(s), /metrics and /health on port %d",
        owner, router.active().name(), router.epoch(), agent.failover().mode().name().toLowerCase(java.util.Locale.ROOT),
        io.streamdr.core.runbook.RunbookReport.human(agent.failover().interval()), scheduler.jobs().size(), port);
    for (JobScheduler.Job j : scheduler.jobs()) {
      event("  job %s (%s): %s, next %s", j.name(), j.kind(), j.schedule(), j.schedule().nextAfter(clock.instant()).map(Instant::toString).orElse("never"));
    }
    if (agent.failover().mode() != AgentConfig.Mode.OFF) {
      monitor.start();
    }
    ticker.scheduleWithFixedDelay(this::tick, 0, 1, TimeUnit.SECONDS);
    return port;
  }

  /** What the agent does every second: follow the store, act on a decision, start due jobs. */
  private void tick() {
    if (closing) {
      return;
    }
    try {
      Region before = router.active();
      router.refresh();
      if (!before.equals(router.active())) {
        event("active region is now %s (epoch %d)", router.active().name(), router.epoch());
      }
      monitor.decision().ifPresent(this::onDecision);
      FailoverMonitor.Decision d = handled.get();
      if (d != null && d.action() != FailoverMonitor.Action.ADVISED && router.active().equals(d.from())) {
        event("failed back to %s: watching it again", router.active().name());
        handled.set(null);
        monitor.reset();
      }
      Future<?> f = running.get();
      if (f == null || f.isDone()) {
        running.set(jobs.submit(() -> {
          try {
            scheduler.runDue();
          } catch (RuntimeException e) {
            event("scheduler error: %s", e.getMessage());
          }
        }));
      }
    } catch (RuntimeException e) {
      event("agent tick failed: %s", e.getMessage());
    }
  }

  private void onDecision(FailoverMonitor.Decision d) {
    if (!handled.compareAndSet(null, d)) {
      return;
    }
    lastDecision.set(d);
    meters.failoverDecision(d);
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("trigger", d.trigger().toString());
    report.put("detail", d.detail());
    report.put("action", d.action());
    report.put("from", d.from().name());
    report.put("to", d.to().name());
    report.put("epoch", d.epoch());
    report.put("detectedAt", d.detectedAt());
    report.put("decidedAt", d.decidedAt());
    report.put("switchedAt", d.switchedAt());
    report.put("detectionToSwitchMillis", d.detectionToSwitch().toMillis());
    report.put("owner", owner);
    String key = "agent/reports/failover-" + d.decidedAt().toEpochMilli() + ".json";
    boolean takeOver = d.action() == FailoverMonitor.Action.SWITCHED && agent.failover().pipeline();
    if (takeOver) {
      report.put("connectors", "being taken over"); // what a stop in the middle of it leaves on record
    }
    writeReport(key, report);
    event("failover %s (%s): %s -> %s at epoch %d, %d ms from detection; report %s", d.action().name().toLowerCase(java.util.Locale.ROOT),
        d.trigger(), d.from().name(), d.to().name(), d.epoch(), d.detectionToSwitch().toMillis(), key);
    if (takeOver) {
      Takeover.Journal journal = Takeover.Journal.read(backups, d.to().name()).filter(j -> j.epoch() == d.epoch())
          .orElseGet(() -> Takeover.Journal.begin(d.from().name(), d.to().name(), d.epoch(), "newest", d.switchedAt()));
      report.put("connectors", takeOver(journal, false));
      writeReport(key, report);
    }
    if (d.action() == FailoverMonitor.Action.ADVISED) {
      // nothing changed: keep watching, and advise again if the breach holds for another threshold
      monitor.reset();
      handled.set(null);
    }
  }

  private void writeReport(String key, Map<String, Object> report) {
    try {
      backups.put(new BackupKey(key), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
    } catch (IOException | RuntimeException e) {
      event("the failover's report could not be written to %s: %s", key, e.getMessage());
    }
  }

  /**
   * Starts the connectors of the region left in the region switched to, from the left region's newest checkpoint;
   * marks the journal complete when every connector started.
   *
   * @param completeInterrupted whether this completes a takeover an earlier agent began and did not finish
   */
  private List<Map<String, Object>> takeOver(Takeover.Journal journal, boolean completeInterrupted) {
    List<Map<String, Object>> out = new ArrayList<>();
    String from = journal.from();
    String to = journal.to();
    try {
      AgentConfig.Failover f = agent.failover();
      boolean all = true;
      if (cfg.clusterLink(to).isPresent()) { // the switch is made: producers are waiting for writable topics
        Takeover.MirrorsOutcome mirrors = Takeover.makeMirrorsWritable(cfg, to);
        out.add(Map.of("mirrors", mirrors.link(), "writable", mirrors.ok(), "detail", mirrors.detail()));
        event("  mirror topics %s", mirrors.detail());
        all &= mirrors.ok();
      }
      PipelineCheckpoint checkpoint = Takeover.checkpoint(cfg, from); // read once, for the connectors and the job
      Takeover.Repointed repointed = Takeover.pointAtRegistry(cfg, Takeover.snapshot(checkpoint), from, to);
      ConnectorSnapshot snapshot = repointed.snapshot();
      if (!repointed.settings().isEmpty()) {
        event("  %s", repointed.detail(to));
      }
      var schemas = Takeover.schemasToRestore(cfg, checkpoint, to);
      if (schemas.isPresent()) { // before the connectors write there
        Takeover.SchemasOutcome restored = Takeover.restoreSchemas(cfg, schemas.get(), to);
        out.add(Map.of("schemas", restored.snapshot(), "restored", restored.ok(), "detail", restored.detail()));
        event("  %s", restored.detail());
        if (!restored.ok()) {
          event("  connectors NOT taken over in %s: the schemas are not in its registry; fix that, then run 'streamdr failover --pipeline --to %s'", to, to);
          return out;
        }
      }
      if (f.slot().isPresent()) {
        AgentConfig.Slot s = f.slot().get();
        Takeover.Aligned aligned = new Takeover.Slot(s.name(), s.databaseUrl(), s.user().orElse(null), s.passwordEnv()).fenceAndAlign(snapshot);
        event("  %s", aligned.detail());
        snapshot = aligned.snapshot();
      }
      ConnectorSnapshots.RestoreOptions.Builder options = ConnectorSnapshots.RestoreOptions.builder().completeInterrupted(completeInterrupted);
      f.secrets().forEach((key, env) -> options.secret(key, Secret.fromEnv(env)));
      for (ConnectorSnapshots.Outcome o : snapshot.connectors().isEmpty() ? List.<ConnectorSnapshots.Outcome>of()
          : ConnectorSnapshots.restore(snapshot, cfg.connectors(to), options.build())) {
        out.add(Map.of("connector", o.connector(), "restored", o.restored(), "detail", o.detail()));
        event("  connector %s %s in %s: %s", o.connector(), o.restored() ? "started" : "NOT started", to, o.detail());
        all &= o.restored();
      }
      if (cfg.flinkJob(to).isPresent()) {
        Takeover.JobOutcome job = Takeover.startJob(cfg, to, checkpoint, journal.flinkJob(), Duration.ofMinutes(2));
        out.add(Map.of("flinkJob", job.job(), "started", job.started(), "detail", job.detail()));
        event("  Flink job %s %s in %s: %s", job.job(), job.started() ? "started" : "NOT started", to, job.detail());
        if (job.started()) {
          journal = journal.withFlinkJob(job.startedAs()).write(backups);
        }
        all &= job.started();
      }
      if (cfg.dns().isPresent()) {
        Takeover.DnsOutcome dns = Takeover.pointDns(cfg, to);
        out.add(Map.of("dns", dns.record(), "switched", dns.ok(), "detail", dns.detail()));
        event("  DNS %s%s", dns.ok() ? "" : "NOT switched: ", dns.detail());
        all &= dns.ok();
      }
      if (all) {
        journal.complete(clock.instant()).write(backups);
      }
    } catch (RuntimeException e) {
      out.add(Map.of("error", String.valueOf(e.getMessage())));
      event("  connectors NOT taken over in %s: %s; restart the agent or run 'streamdr failover --pipeline --to %s' to complete it", to,
          e.getMessage(), to);
    }
    return out;
  }

  private void recordRun(JobScheduler.Run run) {
    Tags tags = Tags.of("job", run.job(), "kind", run.kind());
    Counter.builder(JOB_RUNS).tags(tags.and("outcome", run.ok() ? "ok" : "failed")).register(registry).increment();
    Timer.builder(JOB_DURATION).tags(tags).register(registry).record(run.took());
    if (run.ok()) {
      meters.value(JOB_LAST_SUCCESS, Tags.of("job", run.job()), StreamDrMeters.epochSeconds(run.finishedAt()));
    }
    event("job %s %s for slot %s (attempt %d, %d ms): %s", run.job(), run.ok() ? "done" : "FAILED", run.slot(), run.attempt(),
        run.took().toMillis(), run.detail());
  }

  private Region otherRegion() {
    return cfg.topology().regions().stream().filter(r -> !r.equals(router.active())).findFirst().orElseThrow();
  }

  /** The probes of a region, built once and recorded as metrics. */
  private List<HealthProbe> probesOf(Region region) {
    return probes.computeIfAbsent(region.name(), name -> {
      AgentConfig.Failover f = agent.failover();
      // a probe answers within its interval, but never gives a cluster less than 2 s (nor more than 10 s) to answer
      Duration timeout = f.interval().compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2)
          : f.interval().compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : f.interval();
      List<HealthProbe> list = new ArrayList<>();
      KafkaHealthProbe kafka = KafkaHealthProbe.builder(name, region.kafkaClientConfig())
          .expectedBrokers(f.expectedBrokers())
          .timeout(timeout)
          .clock(clock)
          .build();
      closeables.add(kafka);
      list.add(meters.probe(name + "/kafka", kafka));
      for (String group : f.lagGroups()) {
        ConsumerLagProbe lag = ConsumerLagProbe.builder(group + " in " + name, region.kafkaClientConfig(), group)
            .timeout(timeout)
            .clock(clock)
            .build();
        closeables.add(lag);
        list.add(meters.probe(name + "/lag/" + group, lag));
      }
      f.flinkJob().ifPresent(job -> region.flinkRestUrl().ifPresent(url -> list.add(meters.probe(name + "/flink",
          FlinkJobHealthProbe.withDefaultThresholds(RestEndpoint.of(url.toString()), () -> new JobRef(job))))));
      if (!f.connectors().isEmpty() && region.connectRestUrl().isPresent()) {
        list.add(meters.probe(name + "/connectors", new ConnectorHealthProbe(cfg.connectors(name), f.connectors(), clock)));
      }
      if (!f.replicated().isEmpty()) {
        Region other = cfg.topology().regions().stream().filter(r -> !r.equals(region)).findFirst().orElseThrow();
        MirrorMakerReplicationProbe replication = MirrorMakerReplicationProbe.builder(name, region.kafkaClientConfig(), other.kafkaClientConfig())
            .naming(cfg.naming(name))
            .topics(f.replicated())
            .timeout(timeout)
            .clock(clock)
            .build();
        closeables.add(replication);
        list.add(meters.probe(name + "/replication", replication));
      }
      return List.copyOf(list);
    });
  }

  /**
   * The probes' last states as JSON. The status is the worst of the active region's probes: 200 while it is HEALTHY or
   * DEGRADED (serving, something to look at), 503 when it is FAILED or UNKNOWN.
   */
  private void health(HttpExchange x) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    HealthSignal.Status worst = HealthSignal.Status.HEALTHY;
    List<Map<String, Object>> list = new ArrayList<>();
    String prefix = router.active().name() + "/";
    for (Map.Entry<String, Optional<HealthSignal>> e : meters.lastSignals().entrySet()) {
      Map<String, Object> p = new LinkedHashMap<>();
      HealthSignal.Status status = e.getValue().map(HealthSignal::status).orElse(HealthSignal.Status.UNKNOWN);
      p.put("probe", e.getKey());
      p.put("status", status.name());
      e.getValue().ifPresent(s -> {
        p.put("detail", s.detail());
        p.put("at", s.at().toString());
      });
      if (e.getKey().startsWith(prefix) && status.ordinal() > worst.ordinal()) {
        worst = status;
      }
      list.add(p);
    }
    boolean serving = worst == HealthSignal.Status.HEALTHY || worst == HealthSignal.Status.DEGRADED;
    body.put("status", worst.name());
    body.put("owner", owner);
    body.put("activeRegion", router.active().name());
    body.put("epoch", router.epoch());
    body.put("failoverMode", agent.failover().mode().name().toLowerCase(java.util.Locale.ROOT));
    body.put("decision", Optional.ofNullable(lastDecision.get()).map(d -> Map.of("action", d.action().name(), "trigger", d.trigger().toString(),
        "to", d.to().name(), "at", d.decidedAt().toString())).orElse(null));
    body.put("probes", list);
    List<Map<String, Object>> js = new ArrayList<>();
    for (JobScheduler.Job j : scheduler.jobs()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("job", j.name());
      m.put("kind", j.kind());
      m.put("cron", j.schedule().toString());
      m.put("next", j.schedule().nextAfter(clock.instant()).map(Instant::toString).orElse(null));
      m.put("running", scheduler.running().filter(j.name()::equals).isPresent());
      m.put("last", scheduler.lastRun(j.name()).orElse(null));
      js.add(m);
    }
    body.put("jobs", js);
    respond(x, serving ? 200 : 503, "application/json", Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(body));
  }

  /** The handler, answering 500 with the cause when it fails (the JDK's server would otherwise leave the caller waiting). */
  private com.sun.net.httpserver.HttpHandler answering(com.sun.net.httpserver.HttpHandler handler) {
    return x -> {
      try {
        handler.handle(x);
      } catch (IOException e) {
        throw e;
      } catch (RuntimeException | Error e) {
        event("%s failed: %s", x.getRequestURI().getPath(), e);
        respond(x, 500, "text/plain; charset=utf-8", x.getRequestURI().getPath() + " failed: " + e + "\n");
      }
    };
  }

  private static void respond(HttpExchange x, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", type);
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream o = x.getResponseBody()) {
      o.write(bytes);
    }
  }

  private synchronized void event(String format, Object... args) {
    out.printf("%s %s%n", clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), format.formatted(args));
    out.flush();
  }

  /** The metrics registry, for tests and embedding. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    event("agent %s stopping%s", owner, scheduler.running().map(j -> "; letting job " + j + " finish (up to " + grace + ")").orElse(""));
    closing = true;
    ticker.shutdown();
    try {
      ticker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    monitor.close();
    watcher.shutdownNow();
    jobs.shutdown();
    try {
      if (!jobs.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        event("a job was still running after %s; it was interrupted and its slot is taken over once its lease expires"
            + " (a backup resumes under the same id)", grace);
        jobs.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (server != null) {
      server.stop(0);
    }
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing
      }
    }
    if (store instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing
      }
    }
    event("agent %s stopped", owner);
  }
}
