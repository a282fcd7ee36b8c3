package io.streamdr.examples.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * Every library jar names its module for users on the module path. Runs after the jars are built (Failsafe), on the
 * jars the build put on this module's classpath.
 */
class ModuleNamesIT {
  @Test
  void every_library_jar_carries_its_automatic_module_name() throws Exception {
    Map<Class<?>, String> expected = Map.of(
        io.streamdr.core.DrException.class, "io.streamdr.core",
        io.streamdr.kafka.backup.TopicBackup.class, "io.streamdr.kafka",
        io.streamdr.flink.FlinkRestSavepointClient.class, "io.streamdr.flink",
        io.streamdr.connect.ConnectRestAdmin.class, "io.streamdr.connect",
        io.streamdr.aws.S3BackupTarget.class, "io.streamdr.aws",
        io.streamdr.testkit.EmbeddedKafkaCluster.class, "io.streamdr.testkit",
        io.streamdr.testing.BackupTargetContract.class, "io.streamdr.testing",
        io.streamdr.cli.StreamDr.class, "io.streamdr.cli");
    for (Map.Entry<Class<?>, String> e : expected.entrySet()) {
      Path jar = Path.of(e.getKey().getProtectionDomain().getCodeSource().getLocation().toURI());
      assertThat(jar.toString()).as("%s comes from a built jar", e.getKey().getSimpleName()).endsWith(".jar");
      try (JarFile j = new JarFile(jar.toFile())) {
        assertThat(j.getManifest().getMainAttributes().getValue("Automatic-Module-Name")).as(jar.toString()).isEqualTo(e.getValue());
      }
    }
  }

  @Test
  void the_bom_manages_every_library_module_at_this_version() throws Exception {
    String bom = java.nio.file.Files.readString(Path.of("..", "streamdr-bom", "pom.xml"));
    String parent = java.nio.file.Files.readString(Path.of("..", "pom.xml"));
    for (String module : java.util.List.of("core", "testing", "kafka", "flink", "connect", "aws", "testkit", "cli")) {
      assertThat(parent).contains("<module>dr-" + module + "</module>");
      assertThat(java.nio.file.Files.readString(Path.of("..", "dr-" + module, "pom.xml")))
          .contains("<artifactId>streamdr-" + module + "</artifactId>");
      assertThat(bom).contains("<artifactId>streamdr-" + module + "</artifactId><version>${project.version}</version>");
    }
    String version = parent.substring(parent.indexOf("<version>") + 9, parent.indexOf("</version>"));
    assertThat(bom).contains("<artifactId>streamdr-bom</artifactId>\n  <version>" + version + "</version>");
  }
}
