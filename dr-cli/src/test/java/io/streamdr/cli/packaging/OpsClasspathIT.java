package io.streamdr.cli.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The operator classpath (target/lib, what the distribution's lib/ holds) carries no test infrastructure. Runs after
 * the package phase (Failsafe) and looks inside every jar, so a renamed or shaded jar cannot slip through.
 */
class OpsClasspathIT {
  /** A class path prefix of each piece of test infrastructure, and what it is. */
  private static final Map<String, String> FORBIDDEN = Map.ofEntries(
      Map.entry("kafka/server/", "the Kafka broker"),
      Map.entry("org/apache/kafka/connect/runtime/", "the Connect runtime"),
      Map.entry("org/apache/flink/runtime/", "the Flink runtime"),
      Map.entry("org/apache/kafka/raft/", "the KRaft broker"),
      Map.entry("scala/", "Scala"),
      Map.entry("org/junit/", "JUnit"),
      Map.entry("io/zonky/test/", "embedded PostgreSQL"),
      Map.entry("org/gaul/s3proxy/", "S3Proxy"),
      Map.entry("io/debezium/", "Debezium"),
      Map.entry("io/streamdr/testkit/", "the StreamDR test kit"),
      Map.entry("tools/jackson/", "Jackson 3"));

  @Test
  void the_operator_classpath_holds_no_broker_runtime_junit_or_embedded_database() throws IOException {
    Path lib = Path.of("target", "lib");
    List<Path> jars;
    try (Stream<Path> s = Files.list(lib)) {
      jars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
    }
    assertThat(jars).as("the jars in %s", lib.toAbsolutePath()).hasSizeGreaterThan(10)
        .anyMatch(p -> p.getFileName().toString().startsWith("streamdr-kafka-"))
        .anyMatch(p -> p.getFileName().toString().startsWith("kafka-clients-"));
    List<String> found = new ArrayList<>();
    for (Path jar : jars) {
      try (JarFile j = new JarFile(jar.toFile())) {
        j.stream().map(e -> e.getName()).forEach(name -> FORBIDDEN.forEach((prefix, what) -> {
          if (name.startsWith(prefix) && name.endsWith(".class")) {
            found.add(jar.getFileName() + " holds " + what + " (" + name + ")");
          }
        }));
      }
    }
    assertThat(found.stream().distinct().limit(20).toList()).as("test infrastructure on the operator classpath").isEmpty();
    assertThat(jars).as("one SLF4J binding").filteredOn(p -> p.getFileName().toString().matches("(slf4j-(simple|reload4j)|logback-classic|log4j-slf4j-impl)-.*"))
        .isEmpty();
  }
}
