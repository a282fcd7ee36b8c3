package io.streamdr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.kafka.backup.BackupCatalog;
import io.streamdr.kafka.verify.BackupIntegrityVerifier;
import io.streamdr.kafka.verify.KafkaIntegrityVerifier;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Killed processes: {@code streamdr backup} and {@code streamdr restore}, each a process of its own, killed with
 * SIGKILL at seeded random moments ({@code -Dstreamdr.kills}, default 12 each, 50 in the long-faults profile; seed {@code -Dstreamdr.kills.seed},
 * default 42) and run again: every result verified identical to the source, no record twice, no temporary file left.
 */
class KilledProcessesIT {
  @RegisterExtension
  static final EmbeddedKafkaCluster EAST = EmbeddedKafkaCluster.builder().name("us-east-1").build();
  @RegisterExtension
  static final EmbeddedKafkaCluster WEST = EmbeddedKafkaCluster.builder().name("us-west-2").build();
  private static final int RECORDS = 60_000;
  private static final int KILLS = Integer.getInteger("streamdr.kills", 12);
  private static final long SEED = Long.getLong("streamdr.kills.seed", 42);
  @TempDir static Path dir;
  static String config;

  @BeforeAll
  static void data() throws Exception {
    EAST.createTopic("orders", 6, 1, Map.of("retention.ms", "-1"));
    Random r = new Random(7);
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(EAST.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < RECORDS; i++) {
        byte[] value = new byte[200 + r.nextInt(400)];
        r.nextBytes(value);
        p.send(new ProducerRecord<>("orders", i % 6, 1_700_000_000_000L + i, ("k" + i).getBytes(), value));
      }
    }
    config = TwoRegionConfig.write(dir, "streamdr.yaml", EAST.bootstrapServers(), WEST.bootstrapServers());
  }

  /** Starts {@code streamdr args} and kills it after {@code millis}; returns whether it was still running then. */
  private static boolean killedAfter(long millis, String... args) throws Exception {
    Process p = start(args);
    boolean finished = p.waitFor(millis, TimeUnit.MILLISECONDS);
    if (!finished) {
      p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    return !finished;
  }

  private static Process start(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp",
        System.getProperty("java.class.path"), StreamDr.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
  }

  private static int run(String... args) throws Exception {
    Process p = start(args);
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    return p.exitValue();
  }

  private static List<String> temporaryFiles() throws Exception {
    Path tmp = dir.resolve("backups").resolve(".streamdr").resolve("tmp");
    if (!Files.exists(tmp)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(tmp)) {
      return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".part")).toList();
    }
  }

  @Test
  void a_backup_killed_at_any_moment_completes_on_the_rerun_identical_to_the_source() throws Exception {
    Random moments = new Random(SEED);
    int cut = 0;
    for (int i = 0; i < KILLS; i++) {
      String id = "killed-" + i;
      long at = 200 + moments.nextInt(2_800); // from JVM start to the end of the backup
      cut += killedAfter(at, "backup", "-c", config, "--topics", "orders", "--id", id) ? 1 : 0;
      assertThat(run("backup", "-c", config, "--topics", "orders", "--id", id)).as("rerun of %s killed after %d ms", id, at).isZero();
      FileSystemBackupTarget backups = new FileSystemBackupTarget(dir.resolve("backups"));
      assertThat(new BackupCatalog(backups).verify(id).ok()).as(id).isTrue();
      BackupIntegrityVerifier verifier = new BackupIntegrityVerifier(backups, Map.of("us-east-1", EAST.clientConfig()));
      IntegrityReport report = verifier.verify(verifier.requestFor(id, "us-east-1").build());
      assertThat(report.verdict()).as("%s killed after %d ms: %s", id, at, report.toText()).isEqualTo(IntegrityReport.Verdict.PASSED);
      assertThat(report.partitions().stream().mapToLong(p -> p.sourceRecords()).sum()).isEqualTo(RECORDS);
      assertThat(temporaryFiles()).as("temporary files after the rerun of %s", id).isEmpty();
    }
    System.out.printf("killed backups: %d of %d were killed while running (the others had finished)%n", cut, KILLS);
    assertThat(cut).as("kills that landed while the backup ran").isGreaterThanOrEqualTo(KILLS / 2);
  }

  @Test
  void a_restore_killed_at_any_moment_completes_on_the_rerun_without_a_duplicate() throws Exception {
    assertThat(run("backup", "-c", config, "--topics", "orders", "--id", "source")).isZero();
    Random moments = new Random(SEED + 1);
    int cut = 0;
    for (int i = 0; i < KILLS; i++) {
      String target = "restored-" + i;
      long at = 200 + moments.nextInt(3_300);
      cut += killedAfter(at, "restore", "-c", config, "--backup", "source", "--region", "us-west-2", "--rename", "orders=" + target) ? 1 : 0;
      assertThat(run("restore", "-c", config, "--backup", "source", "--region", "us-west-2", "--rename", "orders=" + target))
          .as("rerun of the restore into %s killed after %d ms", target, at).isZero();
      IntegrityReport report = new KafkaIntegrityVerifier(Map.of("us-east-1", EAST.clientConfig(), "us-west-2", WEST.clientConfig()))
          .verify(VerificationRequest.builder("us-east-1", "us-west-2").topics("orders").naming(t -> target).build());
      assertThat(report.verdict()).as("%s killed after %d ms: %s", target, at, report.toText()).isEqualTo(IntegrityReport.Verdict.PASSED);
      assertThat(report.partitions().stream().mapToLong(p -> p.targetRecords()).sum()).as("records in %s", target).isEqualTo(RECORDS);
      assertThat(temporaryFiles()).isEmpty();
    }
    System.out.printf("killed restores: %d of %d were killed while running (the others had finished)%n", cut, KILLS);
    assertThat(cut).as("kills that landed while the restore ran").isGreaterThanOrEqualTo(KILLS / 2);
  }
}
