package io.streamdr.testkit;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Schema Registry speaking the Confluent Schema Registry REST API: Apicurio Registry (its Confluent-compatible API,
 * in-memory storage) in a child JVM on a loopback ephemeral port. Each instance is an empty registry of its own; two
 * make the two regions' registries.
 *
 * <p>The registry is built by the {@code dr-testkit-registry} module of this repository into
 * {@code dr-testkit-registry/target/streamdr-testkit-registry-<version>-runner.jar}; the component finds it from the
 * working directory upwards, or at the path in the system property {@value #JAR_PROPERTY}.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedSchemaRegistry EAST = EmbeddedSchemaRegistry.create("us-east-1");
 * RestEndpoint registry = RestEndpoint.of(EAST.url().toString()); // .../apis/ccompat/v7
 * }</pre>
 */
public final class EmbeddedSchemaRegistry extends EmbeddedComponent {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);
  /** System property naming the registry's runner jar, where it is not found from the working directory. */
  public static final String JAR_PROPERTY = "streamdr.testkit.registry.jar";
  private static final String MODULE = "dr-testkit-registry";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private final String label;
  private Path dir;
  private Process process;
  private int port;

  private EmbeddedSchemaRegistry(String label) {
    this.label = label;
  }

  /** A registry named {@code label} in logs (a region's name, say). */
  public static EmbeddedSchemaRegistry create(String label) {
    return new EmbeddedSchemaRegistry(label);
  }

  @Override
  protected String name() {
    return "Schema Registry " + label;
  }

  @Override
  protected void doStart() throws Exception {
    long t0 = System.nanoTime();
    Path jar = runnerJar();
    dir = TempDirs.create("schema-registry");
    port = freePort();
    Path log = dir.resolve("registry.log");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
        "-Djava.io.tmpdir=" + dir,
        "-jar", jar.toString()));
    process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!answers(url().resolve("subjects"))) {
      if (!process.isAlive()) {
        throw new IllegalStateException("%s exited with %d while starting: %s".formatted(name(), process.exitValue(), tail(log)));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("%s did not answer on %s within %s: %s".formatted(name(), url(), START_TIMEOUT, tail(log)));
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
    LOG.info("{} at {} in {} ms", name(), url(), (System.nanoTime() - t0) / 1_000_000);
  }

  /** The Confluent-compatible API's base URL, e.g. {@code http://127.0.0.1:43123/apis/ccompat/v7/}. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + port + "/apis/ccompat/v7/");
  }

  /**
   * Apicurio's own API, e.g. {@code http://127.0.0.1:43123/apis/registry/v2}: what Apicurio's serializers and
   * deserializers take as {@code apicurio.registry.url} (with {@code apicurio.registry.as-confluent=true} they write
   * Confluent's wire format: a zero byte and the 4-byte schema id the Confluent-compatible API shows).
   */
  public URI apicurioUrl() {
    return URI.create("http://127.0.0.1:" + port + "/apis/registry/v2");
  }

  /**
   * The connector properties that make a Kafka Connect connector write its values in Avro through this registry
   * (Apicurio's {@code AvroConverter}, registering each new schema under {@code <topic>-value}) in Confluent's wire
   * format, the ids being those the Confluent-compatible API shows: what a connector's configuration adds to the
   * worker's converters.
   */
  public java.util.Map<String, String> avroValueConverter() {
    java.util.Map<String, String> c = new java.util.LinkedHashMap<>();
    c.put("value.converter", "io.apicurio.registry.utils.converter.AvroConverter");
    c.put("value.converter.apicurio.registry.url", apicurioUrl().toString());
    c.put("value.converter.apicurio.registry.auto-register", "true");
    c.put("value.converter.apicurio.registry.as-confluent", "true");
    c.put("value.converter.apicurio.registry.use-id", "contentId");
    c.put("value.converter.apicurio.registry.headers.enabled", "false");
    return c;
  }

  /** The registry's own port. */
  public int port() {
    requireStarted();
    return port;
  }

  private static boolean answers(URI uri) {
    try {
      HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(2000);
      try {
        return c.getResponseCode() == 200;
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * The registry's runner jar: {@value #JAR_PROPERTY}; else the module's build output found from the working directory
   * up, or from where this class was loaded up (a build's {@code streamdr.jar} run from anywhere); else the
   * distribution's {@code lib/drill/registry/}, beside the jar this class was loaded from.
   */
  static Path runnerJar() {
    String given = System.getProperty(JAR_PROPERTY);
    if (given != null && !given.isBlank()) {
      Path p = Path.of(given);
      if (!Files.isRegularFile(p)) {
        throw new IllegalStateException("%s=%s is not a file; build the registry with 'mvn -B -q install -DskipTests -pl %s'"
            .formatted(JAR_PROPERTY, given, MODULE));
      }
      return p;
    }
    Optional<Path> loadedFrom = loadedFrom();
    for (Path start : loadedFrom.isPresent() ? List.of(Path.of("").toAbsolutePath(), loadedFrom.get()) : List.of(Path.of("").toAbsolutePath())) {
      for (Path d = start; d != null; d = d.getParent()) {
        Optional<Path> jar = runnerIn(d.resolve(MODULE).resolve("target"));
        if (jar.isPresent()) {
          return jar.get();
        }
      }
    }
    Optional<Path> packaged = loadedFrom.flatMap(d -> runnerIn(d.resolve("registry")));
    if (packaged.isPresent()) {
      return packaged.get();
    }
    throw new IllegalStateException(("No embedded Schema Registry is built: no %s/target/*-runner.jar above %s%s. Build it with "
        + "'mvn -B -q install -DskipTests -pl %s' in the StreamDR checkout, or give its path in -D%s")
        .formatted(MODULE, Path.of("").toAbsolutePath(), loadedFrom.map(d -> " or " + d).orElse(""), MODULE, JAR_PROPERTY));
  }

  /** The directory of the jar (or classes directory) this class was loaded from, where it can be known. */
  private static Optional<Path> loadedFrom() {
    try {
      var source = EmbeddedSchemaRegistry.class.getProtectionDomain().getCodeSource();
      if (source == null) {
        return Optional.empty();
      }
      Path p = Path.of(source.getLocation().toURI()).toAbsolutePath();
      return Optional.ofNullable(Files.isDirectory(p) ? p : p.getParent());
    } catch (java.net.URISyntaxException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<Path> runnerIn(Path target) {
    if (!Files.isDirectory(target)) {
      return Optional.empty();
    }
    try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "streamdr-testkit-registry-*-runner.jar")) {
      for (Path jar : jars) {
        return Optional.of(jar);
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  @Override
  protected void doClose() throws Exception {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (dir != null) {
      TempDirs.delete(dir);
    }
  }
}
