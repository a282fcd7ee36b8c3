package io.streamdr.testkit;

import io.streamdr.testkit.flink.ChangeEventText;
import io.streamdr.testkit.flink.RoutingJob;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flink 2.3 MiniCluster in this JVM with its REST API (and jar upload) on a loopback ephemeral port, checkpoints
 * and default savepoints in a temporary directory. Runs the DR guide's {@link RoutingJob} from a JobGraph or as an
 * uploadable jar, so the real REST restore path can be exercised.
 */
public final class EmbeddedFlink extends EmbeddedComponent {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedFlink.class);
  private final int slots;
  private final Map<String, String> extra;
  private Path dir;
  private MiniCluster cluster;
  private URI restUrl;

  private EmbeddedFlink(int slots, Map<String, String> extra) {
    this.slots = slots;
    this.extra = Map.copyOf(extra);
  }

  /** A MiniCluster with one task manager of 4 slots. */
  public static EmbeddedFlink create() {
    return new EmbeddedFlink(4, Map.of());
  }

  /** The same with extra Flink configuration. */
  public static EmbeddedFlink create(Map<String, String> configuration) {
    return new EmbeddedFlink(4, configuration);
  }

  @Override
  protected String name() {
    return "Flink MiniCluster";
  }

  @Override
  protected void doStart() throws Exception {
    long t0 = System.nanoTime();
    dir = TempDirs.create("flink");
    Map<String, String> conf = new HashMap<>();
    conf.put("rest.bind-address", "127.0.0.1");
    conf.put("rest.address", "127.0.0.1");
    conf.put("rest.bind-port", "0");
    conf.put("execution.checkpointing.dir", checkpointDir().toUri().toString());
    conf.put("execution.checkpointing.savepoint-dir", savepointDir().toUri().toString());
    conf.put("execution.checkpointing.num-retained", "3");
    // a cancelled or failed job leaves its checkpoints to restore from, as a DR setup should
    conf.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
    conf.put("web.submit.enable", "true");
    conf.put("web.upload.dir", dir.resolve("upload").toString());
    conf.put("restart-strategy.type", "fixed-delay");
    conf.put("restart-strategy.fixed-delay.attempts", "1000");
    conf.put("restart-strategy.fixed-delay.delay", "500 ms");
    conf.putAll(extra);
    Files.createDirectories(dir.resolve("upload"));
    cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
        .setConfiguration(Configuration.fromMap(conf)).setNumTaskManagers(1).setNumSlotsPerTaskManager(slots).build());
    cluster.start();
    restUrl = URI.create(cluster.getRestAddress().get().toString().replaceAll("/$", ""));
    LOG.info("Flink MiniCluster REST at {} in {} ms", restUrl, (System.nanoTime() - t0) / 1_000_000);
  }

  @Override
  protected void doClose() throws Exception {
    if (cluster != null) {
      // cancel what still runs (or restarts) first: closing under a restart loop can otherwise wait forever
      try {
        for (var job : cluster.listJobs().get(10, TimeUnit.SECONDS)) {
          if (!job.getJobState().isGloballyTerminalState()) {
            cluster.cancelJob(job.getJobId()).get(10, TimeUnit.SECONDS);
          }
        }
      } catch (Exception e) {
        LOG.warn("Could not cancel running jobs before closing the MiniCluster: {}", e.toString());
      }
      try {
        cluster.closeAsync().get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        LOG.warn("Flink MiniCluster did not close within 30 s; leaving its threads to the JVM's exit");
      }
    }
    TempDirs.delete(dir);
  }

  /** Base URL of the REST API, e.g. {@code http://127.0.0.1:37123}. */
  public URI restUrl() {
    requireStarted();
    return restUrl;
  }

  /**
   * A new cluster with this one's configuration, listening on this one's REST port: the Flink cluster of a region
   * that comes back after this one was closed. Without high availability it comes back without jobs. Not started.
   */
  public EmbeddedFlink again() {
    if (restUrl == null) {
      throw new IllegalStateException("Flink MiniCluster never started; there is nothing to bring back");
    }
    Map<String, String> conf = new HashMap<>(extra);
    conf.put("rest.bind-port", String.valueOf(restUrl.getPort()));
    return new EmbeddedFlink(slots, conf);
  }

  /** The MiniCluster, for direct control in tests. */
  public MiniCluster miniCluster() {
    requireStarted();
    return cluster;
  }

  public Path checkpointDir() {
    return dir.resolve("checkpoints");
  }

  /** The default savepoint directory. */
  public Path savepointDir() {
    return dir.resolve("savepoints");
  }

  /** Submits a job graph and returns its id. */
  public JobID submit(JobGraph graph) {
    try {
      return miniCluster().submitJob(graph).get().getJobID();
    } catch (Exception e) {
      throw new IllegalStateException("Could not submit job '" + graph.getName() + "': " + e.getMessage(), e);
    }
  }

  /** Submits the routing job reading from {@code bootstrap}. */
  public JobID submitRoutingJob(String bootstrap) {
    return submit(routingJobGraph(bootstrap, "routing"));
  }

  /** The routing job, reading change events as {@code events} renders them (Avro against a region's registry, say). */
  public JobID submitRoutingJob(String bootstrap, ChangeEventText events) {
    return submit(routingJobGraph(bootstrap, "routing", events));
  }

  /** The routing job as a JobGraph. */
  public static JobGraph routingJobGraph(String bootstrap, String name) {
    return routingJobGraph(bootstrap, name, ChangeEventText.json());
  }

  /** The routing job as a JobGraph, reading change events as {@code events} renders them. */
  public static JobGraph routingJobGraph(String bootstrap, String name, ChangeEventText events) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    RoutingJob.define(env, bootstrap, List.of(RoutingJob.SOURCE_TOPIC), List.of(), events);
    StreamGraph graph = env.getStreamGraph();
    graph.setJobName(name);
    return graph.getJobGraph();
  }

  /**
   * Submits the routing job of a region taking over: it reads {@code sourceTopics} and routes nothing already in
   * {@code routedElsewhere} (see {@link RoutingJob#define(StreamExecutionEnvironment, String, List, List)}).
   */
  public JobID submitTakeoverRoutingJob(String bootstrap, List<String> sourceTopics, List<String> routedElsewhere) {
    return submitTakeoverRoutingJob(bootstrap, sourceTopics, routedElsewhere, ChangeEventText.json());
  }

  /** The same, reading change events as {@code events} renders them (Avro against the taking-over region's registry). */
  public JobID submitTakeoverRoutingJob(String bootstrap, List<String> sourceTopics, List<String> routedElsewhere, ChangeEventText events) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    RoutingJob.define(env, bootstrap, sourceTopics, routedElsewhere, events);
    StreamGraph graph = env.getStreamGraph();
    graph.setJobName("routing");
    return submit(graph.getJobGraph());
  }

  /** The running (or starting) job of that name, if any: a restored job has a new id. */
  public java.util.Optional<JobID> runningJob(String name) {
    try {
      return miniCluster().listJobs().get(30, TimeUnit.SECONDS).stream()
          .filter(j -> j.getJobName().equals(name) && !j.getJobState().isGloballyTerminalState())
          .map(org.apache.flink.runtime.client.JobStatusMessage::getJobId).findFirst();
    } catch (Exception e) {
      throw new IllegalStateException("Could not list the jobs of the Flink MiniCluster: " + e.getMessage(), e);
    }
  }

  /** Submits a {@link io.streamdr.testkit.flink.FailOnDemandJob} that fails while {@code marker} exists. */
  public JobID submitFailOnDemandJob(Path marker) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    io.streamdr.testkit.flink.FailOnDemandJob.define(env, marker);
    StreamGraph graph = env.getStreamGraph();
    graph.setJobName("fail-on-demand");
    return submit(graph.getJobGraph());
  }

  /** Status of a job. */
  public JobStatus status(JobID job) {
    try {
      return miniCluster().getJobStatus(job).get();
    } catch (Exception e) {
      throw new IllegalStateException("Could not read status of job " + job + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes a jar holding the routing job (entry class {@link RoutingJob}) for {@code POST /jars/upload}. The job's
   * dependencies (Flink's Kafka connector) come from the cluster's classpath.
   */
  public static Path writeRoutingJobJar(Path dir) {
    Path jar = dir.resolve("routing-job.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, RoutingJob.class.getName());
    try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
      Deque<Class<?>> todo = new ArrayDeque<>();
      todo.add(RoutingJob.class);
      while (!todo.isEmpty()) {
        Class<?> c = todo.poll();
        addClass(out, c.getName());
        for (Class<?> nested : c.getDeclaredClasses()) {
          todo.add(nested);
        }
        for (int i = 1; addClass(out, c.getName() + "$" + i); i++) {
          // anonymous classes
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("Could not write routing job jar to " + jar, e);
    }
    return jar;
  }

  private static boolean addClass(JarOutputStream out, String className) throws IOException {
    String resource = className.replace('.', '/') + ".class";
    try (InputStream in = RoutingJob.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        return false;
      }
      out.putNextEntry(new JarEntry(resource));
      in.transferTo(out);
      out.closeEntry();
      return true;
    }
  }
}
