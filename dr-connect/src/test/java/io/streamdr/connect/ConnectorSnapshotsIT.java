package io.streamdr.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.connect.ConnectorInfo;
import io.streamdr.core.health.HealthSignal;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.http.Secret;
import io.streamdr.testkit.EmbeddedConnect;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Moves a Debezium connector between two Connect clusters through a backup, losing and repeating no row. */
class ConnectorSnapshotsIT {
  @RegisterExtension @Order(1)
  static final EmbeddedPostgres PG = EmbeddedPostgres.create();

  @RegisterExtension @Order(2)
  static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().name("connector-backup-it").build();

  @RegisterExtension @Order(3)
  static final EmbeddedConnect CONNECT_A = EmbeddedConnect.on(KAFKA, "connect-a");

  @RegisterExtension @Order(4)
  static final EmbeddedConnect CONNECT_B = EmbeddedConnect.on(KAFKA, "connect-b");

  @TempDir Path dir;

  private static final Pattern ID = Pattern.compile("\"after\":\\{\"id\":(\\d+)");

  private static List<Integer> capturedIds(int atLeast) {
    return KAFKA.read("cdc.public.accounts", atLeast, Duration.ofSeconds(60)).stream().map(r -> {
      Matcher m = ID.matcher(r.value());
      return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }).toList();
  }

  private static HealthSignal awaitSlot(ReplicationSlotCheck check, HealthSignal.Status status) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HealthSignal s = check.probe();
    while (s.status() != status && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
      s = check.probe();
    }
    return s;
  }

  private static void insert(int from, int to) {
    for (int i = from; i < to; i++) {
      PG.execute("insert into accounts (id, owner) values (" + i + ", 'owner-" + i + "')");
    }
  }

  @Test
  void a_debezium_connector_moves_to_another_connect_cluster_and_continues_without_gap_or_repeat() {
    PG.execute("create table accounts (id int primary key, owner text)");
    insert(1, 6); // captured by the initial snapshot
    var slotCheck = new ReplicationSlotCheck(PG.dataSource(), "accounts_slot");
    assertThat(slotCheck.probe().status()).isEqualTo(HealthSignal.Status.FAILED); // no slot yet
    assertThat(slotCheck.probe().detail()).contains("accounts_slot").contains("does not exist");
    assertThat(slotCheck.resumability().probe().status()).as("a missing slot cannot be resumed from").isEqualTo(HealthSignal.Status.FAILED);

    RestEndpoint restA = RestEndpoint.of(CONNECT_A.restUrl().toString());
    RestEndpoint restB = RestEndpoint.of(CONNECT_B.restUrl().toString());
    ConnectRestAdmin a = new ConnectRestAdmin(restA);
    ConnectRestAdmin b = new ConnectRestAdmin(restB);
    PG.registerDebezium(CONNECT_A, "accounts-cdc", PG.debeziumConfig("accounts_slot", "cdc", "public.accounts"),
        Duration.ofSeconds(90));
    insert(6, 11); // streamed
    assertThat(capturedIds(10)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    HealthSignal active = slotCheck.probe();
    assertThat(active.status()).isEqualTo(HealthSignal.Status.HEALTHY);
    assertThat(active.detail()).contains("pgoutput");

    // back up (stopping first, so the offsets are exactly where the connector stopped), then remove it from A
    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    ConnectorSnapshot snapshot = ConnectorSnapshots.builder(a, target, CONNECT_A.restUrl().toString()).stopFirst(true)
        .build().take("migration");
    assertThat(snapshot.connector("accounts-cdc").offsets().isEmpty()).isFalse();
    assertThat(snapshot.connector("accounts-cdc").redactedKeys()).contains("database.password");
    a.delete("accounts-cdc");
    assertThat(a.connectors()).doesNotContain("accounts-cdc");
    // with no connector streaming, the slot is inactive and retains WAL: a failure naming the slot
    HealthSignal inactive = awaitSlot(slotCheck, HealthSignal.Status.FAILED);
    assertThat(inactive.detail()).contains("accounts_slot").contains("inactive");
    HealthSignal resumable = slotCheck.resumability().probe();
    assertThat(resumable.status()).as("an inactive slot keeps the position a restarted connector resumes from").isEqualTo(HealthSignal.Status.HEALTHY);
    assertThat(resumable.detail()).contains("accounts_slot").contains("exists (inactive)");

    // rows written while no connector runs wait in the replication slot
    insert(11, 16);
    ConnectorSnapshot read = ConnectorSnapshots.read(target, "migration");
    List<ConnectorSnapshots.Outcome> outcomes = ConnectorSnapshots.restore(read, b, ConnectorSnapshots.RestoreOptions.builder()
        .secret("database.password", Secret.of(PG.password())).build());
    assertThat(outcomes).singleElement().satisfies(o -> assertThat(o.restored()).as(o.detail()).isTrue());
    ConnectorInfo onB = b.awaitState("accounts-cdc", ConnectorInfo::fullyRunning, Duration.ofSeconds(60));
    assertThat(awaitSlot(slotCheck, HealthSignal.Status.HEALTHY).healthy()).isTrue();
    assertThat(onB.config()).containsEntry("slot.name", "accounts_slot");
    insert(16, 21);
    List<Integer> ids = capturedIds(20);
    assertThat(ids).as("every row exactly once, in order").containsExactlyElementsOf(
        java.util.stream.IntStream.rangeClosed(1, 20).boxed().toList());
    assertThat(b.offsets("accounts-cdc").isEmpty()).isFalse();
  }

  @Test
  void a_restore_interrupted_after_creating_the_connector_is_completed_without_gap_or_repeat() {
    PG.execute("create table invoices (id int primary key, owner text)");
    java.util.function.IntConsumer insertInvoice = id -> PG.execute("insert into invoices (id, owner) values (" + id + ", 'o')");
    java.util.stream.IntStream.range(1, 6).forEach(insertInvoice);
    RestEndpoint restA = RestEndpoint.of(CONNECT_A.restUrl().toString());
    RestEndpoint restB = RestEndpoint.of(CONNECT_B.restUrl().toString());
    ConnectRestAdmin a = new ConnectRestAdmin(restA);
    ConnectRestAdmin b = new ConnectRestAdmin(restB);
    PG.registerDebezium(CONNECT_A, "invoices-cdc", PG.debeziumConfig("invoices_slot", "inv", "public.invoices"), Duration.ofSeconds(90));
    java.util.stream.IntStream.range(6, 11).forEach(insertInvoice);
    java.util.function.IntFunction<List<Integer>> captured = atLeast -> KAFKA.read("inv.public.invoices", atLeast, Duration.ofSeconds(60))
        .stream().map(r -> {
          Matcher m = ID.matcher(r.value());
          return m.find() ? Integer.parseInt(m.group(1)) : -1;
        }).toList();
    assertThat(captured.apply(10)).hasSize(10);
    FileSystemBackupTarget target = new FileSystemBackupTarget(dir);
    ConnectorSnapshots.builder(a, target, CONNECT_A.restUrl().toString()).stopFirst(true).build().take("interrupted");
    a.delete("invoices-cdc");
    ConnectorSnapshot read = ConnectorSnapshots.read(target, "interrupted");

    // the interrupted restore got as far as creating the connector STOPPED, without its offsets
    Map<String, String> config = new java.util.HashMap<>(read.connector("invoices-cdc").config());
    config.put("database.password", PG.password());
    b.apply(new io.streamdr.core.connect.ConnectorSpec("invoices-cdc", config,
        java.util.Optional.of(io.streamdr.core.connect.ConnectorState.STOPPED)));
    b.awaitState("invoices-cdc", i -> i.state() == io.streamdr.core.connect.ConnectorState.STOPPED, Duration.ofSeconds(30));
    java.util.stream.IntStream.range(11, 16).forEach(insertInvoice);

    ConnectorSnapshots.RestoreOptions.Builder options = ConnectorSnapshots.RestoreOptions.builder()
        .secret("database.password", Secret.of(PG.password()));
    assertThat(ConnectorSnapshots.restore(read, b, options.build())).singleElement().satisfies(o -> {
      assertThat(o.restored()).isFalse();
      assertThat(o.detail()).contains("already exists");
    });
    assertThat(ConnectorSnapshots.restore(read, b, options.completeInterrupted(true).build())).singleElement().satisfies(o -> {
      assertThat(o.restored()).as(o.detail()).isTrue();
      assertThat(o.detail()).contains("into the STOPPED connector the interrupted run created");
    });
    b.awaitState("invoices-cdc", ConnectorInfo::fullyRunning, Duration.ofSeconds(60));
    java.util.stream.IntStream.range(16, 21).forEach(insertInvoice);
    assertThat(captured.apply(20)).as("every row exactly once, in order")
        .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 20).boxed().toList());
    assertThat(ConnectorSnapshots.restore(read, b, options.build())).singleElement()
        .satisfies(o -> assertThat(o.detail()).contains("already RUNNING from the interrupted run, left as it is"));
    b.delete("invoices-cdc");

    // a connector of that name that the restore did not create (another configuration) is never taken for its own
    Map<String, String> foreign = new java.util.HashMap<>(config);
    foreign.put("slot.name", "someone_elses_slot");
    b.apply(new io.streamdr.core.connect.ConnectorSpec("invoices-cdc", foreign,
        java.util.Optional.of(io.streamdr.core.connect.ConnectorState.STOPPED)));
    b.awaitState("invoices-cdc", i -> i.state() == io.streamdr.core.connect.ConnectorState.STOPPED, Duration.ofSeconds(30));
    assertThat(ConnectorSnapshots.restore(read, b, options.build())).singleElement().satisfies(o -> {
      assertThat(o.restored()).isFalse();
      assertThat(o.detail()).contains("with another configuration, so it is not the interrupted restore's");
    });
    assertThat(b.describe("invoices-cdc").config()).containsEntry("slot.name", "someone_elses_slot");
    b.delete("invoices-cdc");
  }
}
