package io.streamdr.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamdr.cli.TimeConverters;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code agent:} section of {@code streamdr.yaml}: what {@code streamdr agent} watches, when it fails over, and
 * what it runs on a schedule.
 *
 * <pre>{@code
 * agent:
 *   port: 9464                     # /metrics (Prometheus) and /health
 *   failover:
 *     mode: auto                   # auto: switch (and take over the connectors); alert: only alert; off
 *     interval: 30s                # the DR guide's triggers are the defaults below
 *     unreachableFor: 2m
 *     minBrokerHealth: 0.5
 *     expectedBrokers: 3
 *     maxJobFailures: 3
 *     maxConsumerLag: 10000
 *     lagGroups: [orders-app]      # consumer lag of these groups in the active region
 *     flinkJob: 5f8a…              # failures of this Flink job
 *     connectors: [pg-source]      # connector and task states
 *     replicatedTopics: [raw-business-events]   # replication lag to the other region, in records and seconds
 *     pipeline: true               # mode auto: after switching, start the connectors from the newest pipeline checkpoint
 *     slot: {name: dbz_slot, databaseUrl: "jdbc:postgresql://db:5432/app", databaseUser: debezium}   # fenced first
 *     secrets: {database.password: PG_PASSWORD}   # redacted settings, from the environment
 *   webhooks: [https://hooks.example.com/streamdr]
 *   jobs:                          # cron in UTC: minute hour day-of-month month day-of-week
 *     - {name: incremental, cron: "0 0,6,12,18 * * *", backup: {topics: [orders], type: incremental}}
 *     - {name: full, cron: "0 2 * * *", backup: {topics: [orders], type: full}}
 *     - {name: prune, cron: "30 3 * * *", prune: {incrementalMaxAge: 30d, fullMaxAge: 365d}}
 *     - {name: checkpoint, cron: "* * * * *", checkpoint: {groups: [orders-app]}}
 *     - {name: connectors, cron: "0 *&#47;6 * * *", connectors: {}}
 *     - {name: savepoint, cron: "0 *&#47;6 * * *", savepoint: {job: 5f8a…, targetDir: "s3://dr/savepoints"}}
 *     - {name: game-day, cron: "0 10 * * 3", drill: {topics: [orders]}}
 * }</pre>
 *
 * @param port     the HTTP port of /metrics and /health (0 picks a free one, printed at start)
 * @param owner    this agent's name in leases (default: host name and process id)
 * @param failover the failover loop
 * @param webhooks where alerts are posted, besides the log
 * @param jobs     the scheduled jobs
 */
public record AgentConfig(int port, Optional<String> owner, Failover failover, List<URI> webhooks, List<Job> jobs) {

  /** How the agent watches the active region and what it does on a breach. */
  public enum Mode { AUTO, ALERT, OFF }

  /**
   * The failover loop's probes and thresholds.
   *
   * @param mode            what to do on a breach held past its threshold
   * @param interval        how often to probe
   * @param unreachableFor  how long the active region's Kafka must be unreachable
   * @param minBrokerHealth the fraction of expected brokers below which the cluster is unhealthy
   * @param expectedBrokers brokers the active region's cluster should have
   * @param maxJobFailures  Flink job failures in 5 minutes above which it fails over
   * @param maxConsumerLag  consumer lag above which it fails over
   * @param sustainFor      how long the last three must hold
   * @param lagGroups       groups whose lag is probed
   * @param flinkJob        the Flink job whose failures are probed
   * @param connectors      the connectors whose states are probed
   * @param replicated      topics whose replication to the other region is measured (records and seconds behind)
   * @param pipeline        in mode auto, whether to take over the connectors from the newest pipeline checkpoint
   * @param slot            Debezium's replication slot, fenced and aligned to before the takeover (see
   *                        {@code streamdr failover --pipeline --slot})
   * @param secrets         redacted connector settings and the environment variables that hold them
   */
  public record Failover(Mode mode, Duration interval, Duration unreachableFor, double minBrokerHealth, int expectedBrokers,
      int maxJobFailures, long maxConsumerLag, Duration sustainFor, List<String> lagGroups, Optional<String> flinkJob,
      List<String> connectors, List<String> replicated, boolean pipeline, Optional<Slot> slot, java.util.Map<String, String> secrets) {}

  /**
   * A replication slot in a PostgreSQL database.
   *
   * @param passwordEnv the environment variable holding {@code user}'s password
   */
  public record Slot(String name, String databaseUrl, Optional<String> user, String passwordEnv) {}

  /** What a scheduled job does. */
  public sealed interface Task permits Backup, Prune, Checkpoint, Connectors, Schemas, Savepoint, Drill {
    /** The kind, as written in the file and exported as a metric tag. */
    String kind();
  }

  /** Back up topics; an incremental continues the newest backup of the same topics, or is a full one if there is none. */
  public record Backup(Optional<String> region, List<String> topics, Optional<String> pattern, List<String> groups, boolean incremental)
      implements Task {
    public String kind() {
      return "backup";
    }
  }

  /** Delete backups past their retention. */
  public record Prune(Duration incrementalMaxAge, Duration fullMaxAge) implements Task {
    public String kind() {
      return "prune";
    }
  }

  /**
   * Capture a pipeline checkpoint of the active region (or the one named); with {@code schemas}, a snapshot of the
   * region's Schema Registry where it has one.
   */
  public record Checkpoint(Optional<String> region, List<String> groups, Optional<String> job, boolean connectors, boolean schemas)
      implements Task {
    public String kind() {
      return "checkpoint";
    }
  }

  /** Snapshot the connectors of the active region (or the one named). */
  public record Connectors(Optional<String> region) implements Task {
    public String kind() {
      return "connectors";
    }
  }

  /**
   * Snapshot the Schema Registry of the active region (or the one named): every subject and version with its id; with
   * {@code into}, also restore the snapshot into that region's registry with its ids (kept in sync ahead of a
   * failover), except when the snapshotted region is that region.
   */
  public record Schemas(Optional<String> region, Optional<String> into) implements Task {
    public String kind() {
      return "schemas";
    }
  }

  /**
   * Take a savepoint of a Flink job, keep at most {@code keep} no older than {@code maxAge} (older ones disposed), and
   * copy each ({@code file:} locations) into the backups.
   */
  public record Savepoint(Optional<String> region, String job, Optional<String> targetDir, Duration timeout, int keep, Duration maxAge,
      boolean copy) implements Task {
    public String kind() {
      return "savepoint";
    }
  }

  /** A planned game-day drill against the real clusters: fail over to the secondary, verify {@code topics}, fail back. */
  public record Drill(List<String> topics) implements Task {
    public String kind() {
      return "drill";
    }
  }

  /**
   * One scheduled job.
   *
   * @param name  its name: in leases, logs and metrics
   * @param cron  when, as a Unix cron expression in UTC
   * @param lease how long a run may take before another agent may take its slot over
   * @param task  what it does
   */
  public record Job(String name, String cron, Duration lease, Task task) {}

  private static final Set<String> KINDS = Set.of("backup", "prune", "checkpoint", "connectors", "schemas", "savepoint", "drill");

  static AgentConfig read(StreamDrConfig.Reader r, JsonNode n, java.util.function.Predicate<String> isRegion) {
    r.allowed(n, "agent", Set.of("port", "owner", "failover", "webhooks", "jobs"));
    int port = n.has("port") ? integer(r, n.get("port"), "agent.port", 0, 65535) : 9464;
    Optional<String> owner = n.has("owner") ? Optional.of(r.required(n, "agent", "owner")) : Optional.empty();
    Failover failover = failover(r, n.path("failover"));
    List<URI> webhooks = new ArrayList<>();
    JsonNode w = n.path("webhooks");
    for (int i = 0; i < w.size(); i++) {
      webhooks.add(r.url(w.get(i), "agent.webhooks[" + i + "]"));
    }
    List<Job> jobs = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    JsonNode j = n.path("jobs");
    if (!j.isMissingNode() && !j.isArray()) {
      throw r.error("agent.jobs", "must be a list of jobs, each with 'name', 'cron' and one of " + new java.util.TreeSet<>(KINDS));
    }
    for (int i = 0; i < j.size(); i++) {
      String at = "agent.jobs[" + i + "]";
      JsonNode job = j.get(i);
      Set<String> keys = new LinkedHashSet<>(List.of("name", "cron", "lease"));
      keys.addAll(KINDS);
      r.allowed(job, at, keys);
      String name = r.required(job, at, "name");
      if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
        throw r.error(at + ".name", "must be letters, digits, '.', '_' or '-' (it names the job's leases), was '" + name + "'");
      }
      if (!names.add(name)) {
        throw r.error(at + ".name", "'" + name + "' is the name of another job; give each job its own");
      }
      String cron = r.required(job, at, "cron");
      io.streamdr.cli.agent.CronSchedule.problem(cron).ifPresent(problem -> {
        throw r.error(at + ".cron", problem);
      });
      List<String> kinds = KINDS.stream().filter(job::has).sorted().toList();
      if (kinds.size() != 1) {
        throw r.error(at, "needs exactly one of " + new java.util.TreeSet<>(KINDS) + (kinds.isEmpty() ? "" : ", has " + kinds));
      }
      String kind = kinds.get(0);
      JsonNode t = job.get(kind);
      String tat = at + "." + kind;
      Task task = switch (kind) {
        case "backup" -> {
          r.allowed(t, tat, Set.of("region", "topics", "pattern", "groups", "type"));
          List<String> topics = strings(r, t.path("topics"), tat + ".topics");
          Optional<String> pattern = optional(r, t, tat, "pattern");
          if (topics.isEmpty() && pattern.isEmpty()) {
            throw r.error(tat, "needs 'topics' or 'pattern'");
          }
          String type = t.has("type") ? r.string(t.get("type"), tat + ".type") : "full";
          if (!Set.of("full", "incremental").contains(type)) {
            throw r.error(tat + ".type", "must be 'full' or 'incremental', was '" + type + "'");
          }
          if (type.equals("incremental") && topics.isEmpty()) {
            throw r.error(tat + ".topics", "is required for an incremental backup: it continues the newest backup of the same topics");
          }
          yield new Backup(region(r, t, tat, isRegion), topics, pattern, strings(r, t.path("groups"), tat + ".groups"), type.equals("incremental"));
        }
        case "prune" -> {
          r.allowed(t, tat, Set.of("incrementalMaxAge", "fullMaxAge"));
          yield new Prune(duration(r, t, tat, "incrementalMaxAge", Duration.ofDays(30)), duration(r, t, tat, "fullMaxAge", Duration.ofDays(365)));
        }
        case "checkpoint" -> {
          r.allowed(t, tat, Set.of("region", "groups", "job", "connectors", "schemas"));
          yield new Checkpoint(region(r, t, tat, isRegion), strings(r, t.path("groups"), tat + ".groups"), optional(r, t, tat, "job"),
              !t.has("connectors") || bool(r, t.get("connectors"), tat + ".connectors"),
              !t.has("schemas") || bool(r, t.get("schemas"), tat + ".schemas"));
        }
        case "connectors" -> {
          r.allowed(t, tat, Set.of("region"));
          yield new Connectors(region(r, t, tat, isRegion));
        }
        case "schemas" -> {
          r.allowed(t, tat, Set.of("region", "into"));
          Optional<String> region = region(r, t, tat, isRegion);
          Optional<String> into = optional(r, t, tat, "into");
          into.filter(x -> !isRegion.test(x)).ifPresent(x -> {
            throw r.error(tat + ".into", "names no region of this file: '" + x + "' (the region whose registry is kept in sync, e.g. the secondary)");
          });
          if (into.isPresent() && into.equals(region)) {
            throw r.error(tat + ".into", "is the region it snapshots; name the other region, or leave 'into' out");
          }
          yield new Schemas(region, into);
        }
        case "drill" -> {
          r.allowed(t, tat, Set.of("topics"));
          List<String> topics = strings(r, t.path("topics"), tat + ".topics");
          if (topics.isEmpty()) {
            throw r.error(tat + ".topics", "names the primary's topics the drill verifies in the secondary, e.g. [orders]");
          }
          yield new Drill(topics);
        }
        default -> {
          r.allowed(t, tat, Set.of("region", "job", "targetDir", "timeout", "keep", "maxAge", "copy"));
          yield new Savepoint(region(r, t, tat, isRegion), r.required(t, tat, "job"), optional(r, t, tat, "targetDir"),
              duration(r, t, tat, "timeout", Duration.ofMinutes(10)), t.has("keep") ? integer(r, t.get("keep"), tat + ".keep", 1, 10_000) : 28,
              duration(r, t, tat, "maxAge", Duration.ofDays(7)), !t.has("copy") || bool(r, t.get("copy"), tat + ".copy"));
        }
      };
      jobs.add(new Job(name, cron, duration(r, job, at, "lease", Duration.ofHours(1)), task));
    }
    return new AgentConfig(port, owner, failover, List.copyOf(webhooks), List.copyOf(jobs));
  }

  private static Failover failover(StreamDrConfig.Reader r, JsonNode f) {
    String at = "agent.failover";
    if (!f.isMissingNode()) {
      r.allowed(f, at, Set.of("mode", "interval", "unreachableFor", "minBrokerHealth", "expectedBrokers", "maxJobFailures",
          "maxConsumerLag", "sustainFor", "lagGroups", "flinkJob", "connectors", "replicatedTopics", "pipeline", "slot", "secrets"));
    }
    // YAML 1.1 reads an unquoted off as the boolean false
    String mode = !f.has("mode") ? "alert" : f.get("mode").isBoolean() && !f.get("mode").asBoolean() ? "off" : r.string(f.get("mode"), at + ".mode");
    if (!Set.of("auto", "alert", "off").contains(mode)) {
      throw r.error(at + ".mode", "must be 'auto' (fail over), 'alert' (only alert; a person runs streamdr failover) or 'off', was '" + mode + "'");
    }
    double health = f.has("minBrokerHealth") ? number(r, f.get("minBrokerHealth"), at + ".minBrokerHealth") : 0.5;
    if (health < 0 || health > 1) {
      throw r.error(at + ".minBrokerHealth", "must be a fraction between 0 and 1, was " + health);
    }
    return new Failover(Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT)), duration(r, f, at, "interval", Duration.ofSeconds(30)),
        duration(r, f, at, "unreachableFor", Duration.ofMinutes(2)), health,
        f.has("expectedBrokers") ? integer(r, f.get("expectedBrokers"), at + ".expectedBrokers", 1, 10_000) : 1,
        f.has("maxJobFailures") ? integer(r, f.get("maxJobFailures"), at + ".maxJobFailures", 0, 1_000_000) : 3,
        f.has("maxConsumerLag") ? (long) number(r, f.get("maxConsumerLag"), at + ".maxConsumerLag") : 10_000,
        duration(r, f, at, "sustainFor", Duration.ofSeconds(30)), strings(r, f.path("lagGroups"), at + ".lagGroups"),
        optional(r, f, at, "flinkJob"), strings(r, f.path("connectors"), at + ".connectors"),
        strings(r, f.path("replicatedTopics"), at + ".replicatedTopics"), f.has("pipeline") && bool(r, f.get("pipeline"), at + ".pipeline"),
        slot(r, f.path("slot"), at + ".slot"), secrets(r, f.path("secrets"), at + ".secrets"));
  }

  private static Optional<Slot> slot(StreamDrConfig.Reader r, JsonNode n, String at) {
    if (n.isMissingNode()) {
      return Optional.empty();
    }
    r.allowed(n, at, Set.of("name", "databaseUrl", "databaseUser", "passwordEnv"));
    String url = r.required(n, at, "databaseUrl");
    if (!url.startsWith("jdbc:postgresql:")) {
      throw r.error(at + ".databaseUrl", "must be a PostgreSQL JDBC URL such as jdbc:postgresql://db:5432/app");
    }
    return Optional.of(new Slot(r.required(n, at, "name"), url, optional(r, n, at, "databaseUser"),
        n.has("passwordEnv") ? r.required(n, at, "passwordEnv") : "PGPASSWORD"));
  }

  private static java.util.Map<String, String> secrets(StreamDrConfig.Reader r, JsonNode n, String at) {
    if (n.isMissingNode()) {
      return java.util.Map.of();
    }
    if (!n.isObject()) {
      throw r.error(at, "must map each redacted connector setting to the environment variable holding it, e.g. {database.password: PG_PASSWORD}");
    }
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    n.fields().forEachRemaining(e -> out.put(e.getKey(), r.string(e.getValue(), at + "." + e.getKey())));
    return java.util.Map.copyOf(out);
  }

  private static Optional<String> region(StreamDrConfig.Reader r, JsonNode n, String at, java.util.function.Predicate<String> isRegion) {
    Optional<String> region = optional(r, n, at, "region");
    region.filter(x -> !isRegion.test(x)).ifPresent(x -> {
      throw r.error(at + ".region", "names no region of this file: '" + x + "' (leave it out to use the active region)");
    });
    return region;
  }

  private static Optional<String> optional(StreamDrConfig.Reader r, JsonNode n, String at, String key) {
    return n.has(key) ? Optional.of(r.required(n, at, key)) : Optional.empty();
  }

  /** {@code n.key} as a duration such as 30s or 5m, or {@code fallback} when the key is absent. */
  static Duration duration(StreamDrConfig.Reader r, JsonNode n, String at, String key, Duration fallback) {
    if (!n.has(key)) {
      return fallback;
    }
    String text = r.string(n.get(key), at + "." + key);
    try {
      Duration d = TimeConverters.parse(text);
      if (d.isNegative() || d.isZero()) {
        throw r.error(at + "." + key, "must be longer than zero, was " + text);
      }
      return d;
    } catch (picocli.CommandLine.TypeConversionException e) {
      throw r.error(at + "." + key, e.getMessage());
    }
  }

  private static List<String> strings(StreamDrConfig.Reader r, JsonNode n, String at) {
    if (n.isMissingNode()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw r.error(at, "must be a list, e.g. [a, b]");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n.size(); i++) {
      out.add(r.string(n.get(i), at + "[" + i + "]"));
    }
    return List.copyOf(out);
  }

  private static int integer(StreamDrConfig.Reader r, JsonNode n, String at, int min, int max) {
    double v = number(r, n, at);
    if (v != Math.rint(v) || v < min || v > max) {
      throw r.error(at, "must be a whole number from %d to %d, was %s".formatted(min, max, n.asText()));
    }
    return (int) v;
  }

  private static double number(StreamDrConfig.Reader r, JsonNode n, String at) {
    String text = r.string(n, at);
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw r.error(at, "must be a number, was '" + text + "'");
    }
  }

  private static boolean bool(StreamDrConfig.Reader r, JsonNode n, String at) {
    String text = r.string(n, at);
    if (!Set.of("true", "false").contains(text)) {
      throw r.error(at, "must be true or false, was '" + text + "'");
    }
    return Boolean.parseBoolean(text);
  }
}
