package io.streamdr.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.streamdr.aws.S3BackupTarget;
import io.streamdr.connect.ConfluentCloudConnectorAdmin;
import io.streamdr.connect.ConnectRestAdmin;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.connect.ConnectorAdmin;
import io.streamdr.core.http.Auth;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.Secret;
import io.streamdr.core.region.ActiveRegionStore;
import io.streamdr.core.region.FileActiveRegionStore;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.verify.ReplicationNaming;
import io.streamdr.flink.ConfluentCloudStatementClient;
import io.streamdr.flink.FlinkRestSavepointClient;
import io.streamdr.kafka.region.KafkaActiveRegionStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code streamdr} configuration file (YAML): the regions and their Kafka clusters, which region is primary, how
 * replicated topics are named, where the active region is recorded and where backups live.
 *
 * <pre>{@code
 * primary: us-east-1
 * regions:
 *   - name: us-east-1
 *     bootstrap: east-kafka:9092
 *     properties:                        # Kafka client settings of this region
 *       security.protocol: SASL_SSL
 *       sasl.jaas.config: ${EAST_JAAS}   # ${VAR} is read from the environment
 *     flink: http://east-flink:8081      # Flink REST, for savepoint (optional)
 *     connect: http://east-connect:8083  # Kafka Connect REST, for connectors (optional)
 *   - name: us-west-2
 *     bootstrap: west-kafka:9092
 *     flink: http://west-flink:8081
 *     flinkJob:                          # started by 'failover --pipeline' when this region takes over (optional)
 *       jar: /opt/jobs/routing.jar       # or jarId: an uploaded jar's id
 *       entryClass: com.example.RoutingJob
 *       args: [--bootstrap, west-kafka:9092]
 *       parallelism: 2
 *       fromRecoveryPoint: false         # true: restore the checkpoint's savepoint (readable by this region's Flink)
 * replication: prefixed                  # MirrorMaker 2's <region>.<topic>; or identity (cluster links)
 * activeRegion:
 *   store: file                          # or kafka (a compacted topic, home in one region, copied to the others)
 *   path: /var/lib/streamdr/active-region.json
 * backups:
 *   directory: /var/backups/streamdr     # or s3: {bucket: dr-backups, prefix: streamdr/, region: us-west-2}
 * }</pre>
 *
 * <p>Every problem is reported with the key it concerns (for example {@code regions[1].bootstrap}) and what is
 * expected; unknown keys are refused, so a typo is not silently ignored. Values from the environment never appear in
 * messages or {@link #toString()}.
 */
public final class StreamDrConfig {
  private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
  private final Path file;
  private final RegionTopology topology;
  private final String replication;
  private final Map<String, String> activeRegion;
  private final Path backupDirectory;
  private final Map<String, String> s3;
  private final Map<String, CloudRegion> cloud;
  private final AgentConfig agent;
  private final Map<String, FlinkJob> flinkJobs;
  private final Map<String, ClusterLinkConfig> clusterLinks;
  private final DnsConfig dns;
  private final Map<String, Auth> registryAuth;
  private BackupTarget backups; // one per configuration: an S3 target holds a client

  private StreamDrConfig(Path file, RegionTopology topology, String replication, Map<String, String> activeRegion,
      Path backupDirectory, Map<String, String> s3, Map<String, CloudRegion> cloud, AgentConfig agent, Map<String, FlinkJob> flinkJobs,
      Map<String, ClusterLinkConfig> clusterLinks, DnsConfig dns, Map<String, Auth> registryAuth) {
    this.file = file;
    this.registryAuth = registryAuth;
    this.flinkJobs = flinkJobs;
    this.clusterLinks = clusterLinks;
    this.dns = dns;
    this.agent = agent;
    this.topology = topology;
    this.replication = replication;
    this.activeRegion = activeRegion;
    this.backupDirectory = backupDirectory;
    this.s3 = s3;
    this.cloud = cloud;
  }

  /** Reads and validates a configuration file; {@code env} resolves {@code ${VAR}} references. */
  public static StreamDrConfig load(Path file, Map<String, String> env) {
    JsonNode root;
    try {
      // a key given twice is an error, not "the last one wins"
      root = new ObjectMapper(new YAMLFactory()).enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new InvalidRequestException(ResourceType.CONFIG, file.toString(),
          "Configuration file %s does not exist; pass one with --config FILE".formatted(file));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      var at = e.getLocation();
      String where = at == null ? "" : " at line %d, column %d".formatted(at.getLineNr(), at.getColumnNr());
      String what = e.getOriginalMessage().lines().findFirst().orElse("").replace("Duplicate field", "Duplicate key");
      throw new InvalidRequestException(ResourceType.CONFIG, file.toString(), "Configuration file %s is not valid YAML%s: %s"
          .formatted(file, where, what));
    } catch (IOException e) {
      throw new InvalidRequestException(ResourceType.CONFIG, file.toString(), "Configuration file %s could not be read: %s"
          .formatted(file, e.getMessage()));
    }
    Reader r = new Reader(file, env);
    if (root == null || !root.isObject()) {
      throw r.error("", "the file must be a YAML mapping with 'regions' and 'primary'");
    }
    r.allowed(root, "", Set.of("regions", "primary", "replication", "activeRegion", "backups", "agent", "dns"));
    JsonNode regionsNode = root.path("regions");
    if (!regionsNode.isArray() || regionsNode.size() < 2) {
      throw r.error("regions", "list at least two regions, each with 'name' and 'bootstrap'");
    }
    List<Region> regions = new ArrayList<>();
    Map<String, CloudRegion> cloud = new LinkedHashMap<>();
    Map<String, FlinkJob> flinkJobs = new LinkedHashMap<>();
    Map<String, ClusterLinkConfig> clusterLinks = new LinkedHashMap<>();
    Map<String, Auth> registryAuth = new LinkedHashMap<>();
    for (int i = 0; i < regionsNode.size(); i++) {
      String at = "regions[" + i + "]";
      JsonNode n = regionsNode.get(i);
      r.allowed(n, at, Set.of("name", "bootstrap", "properties", "flink", "connect", "confluentCloud", "flinkJob", "clusterLink",
          "schemaRegistry"));
      Map<String, String> props = new LinkedHashMap<>();
      JsonNode p = n.path("properties");
      if (!p.isMissingNode()) {
        if (!p.isObject()) {
          throw r.error(at + ".properties", "must be a mapping of Kafka client settings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          props.put(e.getKey(), r.string(e.getValue(), at + ".properties." + e.getKey()));
        }
      }
      Region region = Region.of(r.required(n, at, "name"), r.required(n, at, "bootstrap")).withClientProperties(props);
      if (n.has("flink")) {
        region = region.withFlinkRest(r.url(n.get("flink"), at + ".flink"));
      }
      if (n.has("connect")) {
        region = region.withConnectRest(r.url(n.get("connect"), at + ".connect"));
      }
      if (n.has("schemaRegistry")) {
        JsonNode sr = n.get("schemaRegistry");
        String srAt = at + ".schemaRegistry";
        if (sr.isObject()) {
          r.allowed(sr, srAt, Set.of("url", "apiKey", "apiSecret"));
          region = region.withSchemaRegistry(r.urlOf(r.required(sr, srAt, "url"), srAt + ".url"));
          if (sr.has("apiKey") != sr.has("apiSecret")) {
            throw r.error(srAt + (sr.has("apiKey") ? ".apiSecret" : ".apiKey"), "give both 'apiKey' and 'apiSecret' (basic auth), or neither");
          }
          if (sr.has("apiKey")) {
            registryAuth.put(region.name(), Auth.basic(r.required(sr, srAt, "apiKey"), Secret.of(r.required(sr, srAt, "apiSecret"))));
          }
        } else {
          region = region.withSchemaRegistry(r.url(sr, srAt));
        }
      }
      regions.add(region);
      if (n.has("clusterLink")) {
        clusterLinks.put(region.name(), ClusterLinkConfig.read(r, n.get("clusterLink"), at + ".clusterLink"));
      }
      if (n.has("flinkJob")) {
        if (!n.has("flink")) {
          throw r.error(at + ".flinkJob", "needs the region's Flink REST endpoint in '" + at + ".flink'");
        }
        flinkJobs.put(region.name(), FlinkJob.read(r, n.get("flinkJob"), at + ".flinkJob", file));
      }
      if (n.has("confluentCloud")) {
        cloud.put(region.name(), CloudRegion.read(r, n.get("confluentCloud"), at + ".confluentCloud", n.has("flink"), n.has("connect")));
      }
    }
    String primary = r.required(root, "", "primary");
    RegionTopology topology;
    try {
      topology = new RegionTopology(regions, primary);
    } catch (RuntimeException e) {
      throw r.error("primary", e.getMessage());
    }
    String replication = root.has("replication") ? r.string(root.get("replication"), "replication") : "prefixed";
    if (!Set.of("prefixed", "identity").contains(replication)) {
      throw r.error("replication", "must be 'prefixed' (MirrorMaker 2's <region>.<topic>) or 'identity' (cluster links), was '" + replication + "'");
    }
    Map<String, String> active = new LinkedHashMap<>();
    JsonNode a = root.path("activeRegion");
    if (!a.isMissingNode()) {
      r.allowed(a, "activeRegion", Set.of("store", "path", "home", "topic"));
      a.fields().forEachRemaining(e -> active.put(e.getKey(), r.string(e.getValue(), "activeRegion." + e.getKey())));
      String store = active.getOrDefault("store", "");
      if (store.equals("file") && !active.containsKey("path")) {
        throw r.error("activeRegion.path", "is required with store 'file'");
      }
      if (store.equals("kafka")) {
        String home = active.getOrDefault("home", "");
        if (topology.regions().stream().noneMatch(x -> x.name().equals(home))) {
          throw r.error("activeRegion.home", "must name one of the regions " + topology.regions().stream().map(Region::name).toList());
        }
      } else if (!store.equals("file")) {
        throw r.error("activeRegion.store", "must be 'file' or 'kafka'");
      }
    }
    Path backups = null;
    Map<String, String> s3 = Map.of();
    JsonNode b = root.path("backups");
    if (!b.isMissingNode()) {
      r.allowed(b, "backups", Set.of("directory", "s3"));
      if (b.has("directory") == b.has("s3")) {
        throw r.error("backups", "needs exactly one of 'directory' (a file system) or 's3' (a bucket)");
      }
      if (b.has("directory")) {
        backups = Path.of(r.required(b, "backups", "directory"));
      } else {
        JsonNode s = b.get("s3");
        r.allowed(s, "backups.s3", Set.of("bucket", "prefix", "region", "endpoint"));
        Map<String, String> m = new LinkedHashMap<>();
        m.put("bucket", r.required(s, "backups.s3", "bucket"));
        for (String k : List.of("prefix", "region")) {
          if (s.has(k)) {
            m.put(k, r.string(s.get(k), "backups.s3." + k));
          }
        }
        if (s.has("endpoint")) {
          m.put("endpoint", r.url(s.get("endpoint"), "backups.s3.endpoint").toString());
        }
        s3 = Map.copyOf(m);
      }
    }
    Set<String> names = new java.util.HashSet<>();
    regions.forEach(x -> names.add(x.name()));
    AgentConfig agent = root.has("agent") ? AgentConfig.read(r, root.get("agent"), names::contains) : null;
    if (agent != null) {
      for (int j = 0; j < agent.jobs().size(); j++) {
        if (agent.jobs().get(j).task() instanceof AgentConfig.Schemas s) {
          // a job without a region snapshots whichever region is active: each needs a registry
          List<Region> needing = new ArrayList<>(s.region().map(n -> regions.stream().filter(x -> x.name().equals(n)).toList()).orElse(regions));
          s.into().flatMap(n -> regions.stream().filter(x -> x.name().equals(n)).findFirst()).filter(x -> !needing.contains(x)).ifPresent(needing::add);
          for (Region x : needing) {
            if (x.schemaRegistryUrl().isEmpty()) {
              throw r.error("agent.jobs[%d].schemas".formatted(j), "needs a Schema Registry in region %s: add 'schemaRegistry: URL' to regions[%d]"
                  .formatted(x.name(), regions.indexOf(x)));
            }
          }
        }
      }
    }
    DnsConfig dns = root.has("dns") ? DnsConfig.read(r, root.get("dns"), "dns", names::contains) : null;
    return new StreamDrConfig(file, topology, replication, Map.copyOf(active), backups, s3, Map.copyOf(cloud), agent,
        Map.copyOf(flinkJobs), Map.copyOf(clusterLinks), dns, Map.copyOf(registryAuth));
  }

  /**
   * The Flink job a region starts when it takes over ({@code regions[].flinkJob}).
   *
   * @param spec              the job: its jar (a file, uploaded, or an uploaded jar's id), entry class, arguments
   * @param fromRecoveryPoint whether it restores the pipeline checkpoint's savepoint or retained checkpoint (whose
   *                          path this region's Flink must be able to read); otherwise it starts without state
   */
  public record FlinkJob(io.streamdr.core.savepoint.JobSpec spec, boolean fromRecoveryPoint) {
    static FlinkJob read(Reader r, JsonNode n, String at, Path configFile) {
      if (!n.isObject()) {
        throw r.error(at, "must be a mapping with 'jar' (or 'jarId'), 'entryClass' and 'args'");
      }
      r.allowed(n, at, Set.of("name", "jar", "jarId", "entryClass", "args", "parallelism", "fromRecoveryPoint", "allowNonRestoredState"));
      if (n.has("jar") == n.has("jarId")) {
        throw r.error(at, "needs exactly one of 'jar' (a jar file to upload) or 'jarId' (a jar already uploaded)");
      }
      var b = io.streamdr.core.savepoint.JobSpec.builder(n.has("name") ? r.string(n.get("name"), at + ".name") : "takeover");
      if (n.has("jar")) {
        Path jar = Path.of(r.string(n.get("jar"), at + ".jar"));
        Path resolved = jar.isAbsolute() || configFile.getParent() == null ? jar : configFile.getParent().resolve(jar);
        if (!Files.isRegularFile(resolved)) {
          throw r.error(at + ".jar", "no jar file at " + resolved);
        }
        b.jarFile(resolved);
      } else {
        b.jarId(r.string(n.get("jarId"), at + ".jarId"));
      }
      if (n.has("entryClass")) {
        b.entryClass(r.string(n.get("entryClass"), at + ".entryClass"));
      }
      JsonNode args = n.path("args");
      if (!args.isMissingNode()) {
        if (!args.isArray()) {
          throw r.error(at + ".args", "must be a list of the job's arguments, e.g. [--bootstrap, west-kafka:9092]");
        }
        List<String> list = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
          list.add(r.string(args.get(i), at + ".args[" + i + "]"));
        }
        b.arguments(list);
      }
      if (n.has("parallelism")) {
        if (!n.get("parallelism").canConvertToInt() || n.get("parallelism").asInt() < 1) {
          throw r.error(at + ".parallelism", "must be a whole number of at least 1");
        }
        b.parallelism(n.get("parallelism").asInt());
      }
      boolean allow = n.has("allowNonRestoredState") && flag(r, n.get("allowNonRestoredState"), at + ".allowNonRestoredState");
      b.allowNonRestoredState(allow);
      return new FlinkJob(b.build(), n.has("fromRecoveryPoint") && flag(r, n.get("fromRecoveryPoint"), at + ".fromRecoveryPoint"));
    }

    private static boolean flag(Reader r, JsonNode v, String at) {
      if (!v.isBoolean()) {
        throw r.error(at, "must be true or false");
      }
      return v.asBoolean();
    }
  }

  /** The Flink job {@code region} starts when it takes over, if {@code regions[].flinkJob} says one. */
  public java.util.Optional<FlinkJob> flinkJob(String region) {
    return java.util.Optional.ofNullable(flinkJobs.get(region(region).name()));
  }

  /** The cluster link mirroring the other region's topics into {@code region}'s cluster ({@code regions[].clusterLink}). */
  public java.util.Optional<ClusterLinkConfig> clusterLink(String region) {
    return java.util.Optional.ofNullable(clusterLinks.get(region(region).name()));
  }

  /**
   * Whether the file describes a pipeline to move with the active region: a Connect cluster in some region
   * (self-managed or Confluent Cloud), a {@code flinkJob}, a {@code clusterLink} or {@code dns}. Then {@code failover}
   * and {@code failback} run the pipeline runbooks; otherwise there is only the active region to switch.
   */
  public boolean describesPipeline() {
    return !flinkJobs.isEmpty() || !clusterLinks.isEmpty() || dns != null
        || topology.regions().stream().anyMatch(r -> hasConnect(r.name()));
  }

  /** Whether the file names a Connect cluster for the region: {@code regions[].connect} or {@code confluentCloud.connect}. */
  public boolean hasConnect(String regionName) {
    Region r = region(regionName);
    CloudRegion c = cloud.get(r.name());
    return r.connectRestUrl().isPresent() || c != null && c.connect != null;
  }

  /** The DNS record switched with the active region ({@code dns:}), if configured. */
  public java.util.Optional<DnsConfig> dns() {
    return java.util.Optional.ofNullable(dns);
  }

  /** The Flink REST client of a region ({@code regions[].flink}). */
  public FlinkRestSavepointClient flinkRest(String regionName) {
    return new FlinkRestSavepointClient(RestEndpoint.of(flinkUrl(regionName).toString()));
  }

  /** The {@code agent:} section. @throws InvalidRequestException if the file has none */
  public AgentConfig agent() {
    if (agent == null) {
      throw new InvalidRequestException(ResourceType.CONFIG, "agent", ("%s has no 'agent' section; add one with its failover mode and jobs,"
          + " e.g. 'agent: {failover: {mode: alert}, jobs: []}' (see docs/agent.md)").formatted(file));
    }
    return agent;
  }

  /** The file this configuration was read from. */
  public Path file() {
    return file;
  }

  public RegionTopology topology() {
    return topology;
  }

  /** The region with that name, or the primary when {@code name} is null (a command's optional --region). */
  public Region regionOrPrimary(String name) {
    return name == null ? topology.primaryRegion() : region(name);
  }

  /** The region with that name. */
  public Region region(String name) {
    try {
      return topology.region(name);
    } catch (RuntimeException e) {
      throw new InvalidRequestException(ResourceType.REGION, name, "Region '%s' is not in %s; regions: %s".formatted(name, file,
          topology.regions().stream().map(Region::name).toList()));
    }
  }

  /**
   * The savepoint client of a region: Confluent Cloud Flink statements if {@code confluentCloud.flink} is configured,
   * the Flink REST API of {@code flink} otherwise.
   */
  public SavepointClient savepoints(String regionName) {
    CloudRegion c = cloud.get(region(regionName).name());
    if (c != null && c.flink != null) {
      return ConfluentCloudStatementClient.builder(RestEndpoint.builder(c.flink.get("endpoint")).auth(Auth.basic(c.flink.get("apiKey"),
          c.flinkSecret)).build(), c.flink.get("organization"), c.environment, c.flink.get("computePool"), c.flink.get("principal")).build();
    }
    return new FlinkRestSavepointClient(RestEndpoint.of(flinkUrl(regionName).toString()));
  }

  /**
   * The connector admin of a region: Confluent Cloud's Connect API if {@code confluentCloud.connect} is configured,
   * the Kafka Connect REST API of {@code connect} otherwise.
   */
  public ConnectorAdmin connectors(String regionName) {
    CloudRegion c = cloud.get(region(regionName).name());
    if (c != null && c.connect != null) {
      return new ConfluentCloudConnectorAdmin(RestEndpoint.builder(c.connect.get("endpoint")).auth(Auth.basic(c.connect.get("apiKey"),
          c.connectSecret)).build(), c.environment, c.connect.get("cluster"));
    }
    return new ConnectRestAdmin(RestEndpoint.of(connectUrl(regionName).toString()));
  }

  /** The Flink REST URL of a region. @throws InvalidRequestException naming the key if the file has none */
  public URI flinkUrl(String regionName) {
    return region(regionName).flinkRestUrl().orElseThrow(() -> missing(regionName, "flink", "http://flink-jobmanager:8081"));
  }

  /** The Kafka Connect REST URL of a region. @throws InvalidRequestException naming the key if the file has none */
  public URI connectUrl(String regionName) {
    return region(regionName).connectRestUrl().orElseThrow(() -> missing(regionName, "connect", "http://connect:8083"));
  }

  /**
   * The Schema Registry of a region ({@code regions[].schemaRegistry}: a URL, or {@code url} with {@code apiKey} and
   * {@code apiSecret}). @throws InvalidRequestException naming the key if the file has none
   */
  public RestEndpoint schemaRegistry(String regionName) {
    Region r = region(regionName);
    URI url = r.schemaRegistryUrl().orElseThrow(() -> {
      int i = topology.regions().indexOf(r);
      return new InvalidRequestException(ResourceType.CONFIG_KEY, "regions[%d].schemaRegistry".formatted(i),
          "%s: 'regions[%d].schemaRegistry' is required for --schemas (region %s); add e.g. 'schemaRegistry: http://schema-registry:8081', or a mapping with url, apiKey and apiSecret"
              .formatted(file, i, regionName));
    });
    return RestEndpoint.builder(url.toString()).auth(registryAuth.getOrDefault(r.name(), Auth.none())).build();
  }

  private InvalidRequestException missing(String regionName, String key, String example) {
    int i = topology.regions().indexOf(region(regionName));
    return new InvalidRequestException(ResourceType.CONFIG_KEY, "regions[%d].%s".formatted(i, key),
        "%s: 'regions[%d].%s' is required for this command (region %s); add e.g. '%s: %s', or 'confluentCloud.%s' for Confluent Cloud"
            .formatted(file, i, key, regionName, key, example, key));
  }

  /** Kafka client configuration per region name, for verifiers. */
  public Map<String, Map<String, Object>> clusters() {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    topology.regions().forEach(r -> out.put(r.name(), r.kafkaClientConfig()));
    return out;
  }

  /** How a topic of region {@code source} is named in the other regions. */
  public ReplicationNaming naming(String source) {
    return replication.equals("identity") ? ReplicationNaming.identity() : ReplicationNaming.prefixed(source);
  }

  /** The active-region store. @throws InvalidRequestException if the file names none */
  public ActiveRegionStore activeRegionStore() {
    String store = activeRegion.get("store");
    if (store == null) {
      throw new InvalidRequestException(ResourceType.CONFIG, "activeRegion",
          "%s has no 'activeRegion' section; add one with store 'file' (and path) or 'kafka' (and home)".formatted(file));
    }
    if (store.equals("file")) {
      return new FileActiveRegionStore(Path.of(activeRegion.get("path")));
    }
    KafkaActiveRegionStore.Builder b = KafkaActiveRegionStore.builder(region(activeRegion.get("home")))
        .copiesIn(topology.regions().toArray(Region[]::new));
    if (activeRegion.containsKey("topic")) {
      b.topic(activeRegion.get("topic"));
    }
    return b.build();
  }

  /**
   * Where backups live: a directory, or an S3 bucket (credentials from the AWS default chain: environment, profile,
   * instance role; an {@code endpoint} for S3-compatible servers, addressed path-style).
   *
   * @throws InvalidRequestException if the file names none
   */
  public synchronized BackupTarget backups() {
    if (backups == null) {
      backups = openBackups();
    }
    return backups;
  }

  private BackupTarget openBackups() {
    if (backupDirectory != null) {
      return new FileSystemBackupTarget(backupDirectory);
    }
    if (s3.isEmpty()) {
      throw new InvalidRequestException(ResourceType.CONFIG, "backups",
          "%s has no 'backups' section; add 'backups: {directory: /path}' or 'backups: {s3: {bucket: name}}'".formatted(file));
    }
    S3BackupTarget.Builder target = S3BackupTarget.builder(S3BackupTarget.defaultClient(java.util.Optional.ofNullable(s3.get("region")),
        java.util.Optional.ofNullable(s3.get("endpoint")).map(URI::create)), s3.get("bucket"));
    if (s3.containsKey("prefix")) {
      target.prefix(s3.get("prefix"));
    }
    return target.build();
  }

  @Override
  public String toString() {
    return "StreamDrConfig[" + file + ", regions=" + topology.regions().stream().map(Region::name).toList()
        + ", primary=" + topology.primary() + ", replication=" + replication + "]";
  }

  /** A region's Confluent Cloud ids and API keys; the secrets are held as {@link Secret}s, never printed. */
  private static final class CloudRegion {
    final String environment;
    final Map<String, String> flink;
    final Secret flinkSecret;
    final Map<String, String> connect;
    final Secret connectSecret;

    private CloudRegion(String environment, Map<String, String> flink, Secret flinkSecret, Map<String, String> connect,
        Secret connectSecret) {
      this.environment = environment;
      this.flink = flink;
      this.flinkSecret = flinkSecret;
      this.connect = connect;
      this.connectSecret = connectSecret;
    }

    static CloudRegion read(Reader r, JsonNode n, String at, boolean hasFlinkUrl, boolean hasConnectUrl) {
      r.allowed(n, at, Set.of("environment", "flink", "connect"));
      String environment = r.required(n, at, "environment");
      Map<String, String> flink = null;
      Secret flinkSecret = null;
      if (n.has("flink")) {
        if (hasFlinkUrl) {
          throw r.error(at + ".flink", "conflicts with the region's 'flink' URL; keep one of them");
        }
        JsonNode f = n.get("flink");
        r.allowed(f, at + ".flink", Set.of("endpoint", "organization", "computePool", "principal", "apiKey", "apiSecret"));
        flink = new LinkedHashMap<>();
        flink.put("endpoint", r.urlOf(r.required(f, at + ".flink", "endpoint"), at + ".flink.endpoint").toString());
        for (String k : List.of("organization", "computePool", "principal", "apiKey")) {
          flink.put(k, r.required(f, at + ".flink", k));
        }
        flinkSecret = Secret.of(r.required(f, at + ".flink", "apiSecret"));
      }
      Map<String, String> connect = null;
      Secret connectSecret = null;
      if (n.has("connect")) {
        if (hasConnectUrl) {
          throw r.error(at + ".connect", "conflicts with the region's 'connect' URL; keep one of them");
        }
        JsonNode c = n.get("connect");
        r.allowed(c, at + ".connect", Set.of("endpoint", "cluster", "apiKey", "apiSecret"));
        connect = new LinkedHashMap<>();
        connect.put("endpoint", c.has("endpoint") ? r.url(c.get("endpoint"), at + ".connect.endpoint").toString() : "https://api.confluent.cloud");
        connect.put("cluster", r.required(c, at + ".connect", "cluster"));
        connect.put("apiKey", r.required(c, at + ".connect", "apiKey"));
        connectSecret = Secret.of(r.required(c, at + ".connect", "apiSecret"));
      }
      return new CloudRegion(environment, flink, flinkSecret, connect, connectSecret);
    }
  }

  /** Reads values, resolving ${VAR}, and names the key in every error. */
  record Reader(Path file, Map<String, String> env) {
    InvalidRequestException error(String key, String problem) {
      return new InvalidRequestException(ResourceType.CONFIG_KEY, key.isEmpty() ? file.toString() : key,
          "%s: %s %s".formatted(file, key.isEmpty() ? "" : "'" + key + "'", problem).replace(":  ", ": "));
    }

    void allowed(JsonNode node, String at, Set<String> keys) {
      if (!node.isObject()) {
        throw error(at, "must be a mapping");
      }
      node.fieldNames().forEachRemaining(k -> {
        if (!keys.contains(k)) {
          throw error(at.isEmpty() ? k : at + "." + k, "is not a known key; known here: " + new java.util.TreeSet<>(keys));
        }
      });
    }

    String required(JsonNode node, String at, String key) {
      String path = at.isEmpty() ? key : at + "." + key;
      JsonNode v = node.get(key);
      if (v == null || v.isNull() || (v.isTextual() && v.asText().isBlank())) {
        throw error(path, "is required");
      }
      return string(v, path);
    }

    URI url(JsonNode v, String path) {
      return urlOf(string(v, path), path);
    }

    URI urlOf(String text, String path) {
      try {
        URI uri = new URI(text);
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
          throw error(path, "must be an http(s) URL such as http://flink-jobmanager:8081");
        }
        return uri;
      } catch (java.net.URISyntaxException e) {
        throw error(path, "is not a valid URL: " + e.getReason());
      }
    }

    String string(JsonNode v, String path) {
      if (!v.isValueNode()) {
        throw error(path, "must be a single value");
      }
      Matcher m = ENV.matcher(v.asText());
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String value = env.get(m.group(1));
        if (value == null) {
          throw error(path, "refers to ${%s}, which is not set in the environment".formatted(m.group(1)));
        }
        m.appendReplacement(out, Matcher.quoteReplacement(value));
      }
      m.appendTail(out);
      return out.toString();
    }
  }
}
