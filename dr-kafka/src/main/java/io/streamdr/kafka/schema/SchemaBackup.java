package io.streamdr.kafka.schema;

import static io.streamdr.kafka.schema.RegistryCalls.encode;
import static io.streamdr.kafka.schema.RegistryCalls.find;
import static io.streamdr.kafka.schema.RegistryCalls.subjectPath;
import static io.streamdr.kafka.schema.RegistryCalls.subjects;
import static io.streamdr.kafka.schema.RegistryCalls.versions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamdr.core.BackupCorruptedException;
import io.streamdr.core.ConflictException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.OperationFailedException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.backup.BackupKey;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.internal.Checks;
import io.streamdr.core.internal.Json;
import io.streamdr.core.internal.Sha256;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestRequest;
import io.streamdr.kafka.schema.SchemaSnapshot.Reference;
import io.streamdr.kafka.schema.SchemaSnapshot.Subject;
import io.streamdr.kafka.schema.SchemaSnapshot.Version;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Backs up a Schema Registry (Confluent's REST API, or one speaking it: Apicurio's {@code /apis/ccompat/v7}) and
 * restores it into another with the same schema ids, so records serialized against one decode against the other.
 *
 * <p>A snapshot holds every subject, every version with its id, type, text and references, the compatibility set on
 * each subject and the registry's global compatibility and mode, as one JSON object in a {@link BackupTarget} under
 * {@code schemas/<id>/snapshot.json}, checksummed (SHA-256 of its subjects).
 *
 * <p>A restore checks the whole target registry first and writes nothing if any backed-up id is used there for
 * another schema, or a subject's version holds another id. It then registers what is missing, oldest id first (a
 * schema after those it references), with
 * the id and version given where the registry has IMPORT mode (set on each subject it writes, then set back). A
 * registry without modes assigns ids itself: the restore then goes ahead only into an empty registry and when the
 * backed-up ids run 1, 2, 3… without a gap, so that the registry assigns them again, and checks every id it is given.
 * Running a restore again restores nothing more.
 *
 * <pre>{@code
 * SchemaBackup east = SchemaBackup.of(RestEndpoint.of("https://sr-east:8081"), target);
 * SchemaSnapshot snapshot = east.take("2026-12-02T06");
 * SchemaBackup.restore(SchemaBackup.read(target, "2026-12-02T06"), RestEndpoint.of("https://sr-west:8081"));
 * }</pre>
 */
public final class SchemaBackup {
  private final RestEndpoint endpoint;
  private final RestClient registry;
  private final BackupTarget target;
  private final Clock clock;

  private SchemaBackup(RestEndpoint registry, BackupTarget target, Clock clock) {
    this.endpoint = Checks.requireNonNull(registry, "registry");
    this.registry = RestClient.of(registry);
    this.target = Checks.requireNonNull(target, "backup target");
    this.clock = Checks.requireNonNull(clock, "clock");
  }

  /** Backs up the registry at {@code registry} into {@code target}. */
  public static SchemaBackup of(RestEndpoint registry, BackupTarget target) {
    return of(registry, target, Clock.systemUTC());
  }

  /** As {@link #of(RestEndpoint, BackupTarget)}, dating snapshots by {@code clock}. */
  public static SchemaBackup of(RestEndpoint registry, BackupTarget target, Clock clock) {
    return new SchemaBackup(registry, target, clock);
  }

  /** Where the snapshot {@code snapshotId} is kept in a backup target. */
  public static BackupKey key(String snapshotId) {
    return BackupKey.of("schemas", Checks.requireNonBlank(snapshotId, "schema snapshot id"), "snapshot.json");
  }

  /**
   * Reads every subject and version of the registry and writes them as the snapshot {@code snapshotId}: {@link #keep}
   * of {@link #capture}.
   *
   * @throws ConflictException if a snapshot of that id exists (snapshots are never overwritten)
   */
  public SchemaSnapshot take(String snapshotId) {
    return keep(capture(snapshotId));
  }

  /** Reads every subject and version of the registry as the snapshot {@code snapshotId}, writing nothing. */
  public SchemaSnapshot capture(String snapshotId) {
    key(snapshotId); // a usable id, before any call
    List<Subject> subjects = new ArrayList<>();
    for (String name : subjects(registry)) {
      List<Version> versions = new ArrayList<>();
      for (int v : versions(registry, name)) {
        versions.add(version(RegistryCalls.version(registry, name, v)));
      }
      subjects.add(new Subject(name, level(registry, "/config/" + encode(name)), versions));
    }
    return new SchemaSnapshot(snapshotId, clock.instant(), endpoint.baseUrl(), level(registry, "/config"),
        mode(registry, "/mode"), subjects);
  }

  /**
   * Writes a snapshot {@link #capture} read into the backup target, checksummed.
   *
   * @throws ConflictException if a snapshot of that id exists (snapshots are never overwritten)
   */
  public SchemaSnapshot keep(SchemaSnapshot snapshot) {
    BackupKey key = key(Checks.requireNonNull(snapshot, "schema snapshot").id());
    if (!target.createIfAbsent(key, serialize(snapshot))) {
      throw new ConflictException(ResourceType.BACKUP, key.value(),
          "A schema snapshot '%s' exists already; take this one under another id".formatted(snapshot.id()));
    }
    return snapshot;
  }

  /** Reads a snapshot and verifies its format, version and checksum. */
  public static SchemaSnapshot read(BackupTarget target, String snapshotId) {
    BackupKey key = key(snapshotId);
    if (!target.exists(key)) {
      throw new NotFoundException(ResourceType.BACKUP, snapshotId,
          "No schema snapshot '%s' in %s (no %s); take one with SchemaBackup.take".formatted(snapshotId, target, key));
    }
    byte[] bytes = target.readAll(key);
    try {
      JsonNode root = Json.MAPPER.readTree(bytes);
      if (!SchemaSnapshot.FORMAT.equals(root.path("format").asText())) {
        throw new BackupCorruptedException(key.value(), "'%s' is not a schema snapshot (format '%s')".formatted(key, root.path("format").asText()));
      }
      if (root.path("version").asInt() > SchemaSnapshot.VERSION) {
        throw new BackupCorruptedException(key.value(), "Schema snapshot '%s' has format version %d; this library reads up to %d — upgrade StreamDR"
            .formatted(key, root.path("version").asInt(), SchemaSnapshot.VERSION));
      }
      JsonNode subjects = root.path("subjects");
      String recorded = root.path("sha256").asText();
      String actual = Sha256.hex(Json.MAPPER.writeValueAsBytes(subjects));
      if (!actual.equals(recorded)) {
        throw new BackupCorruptedException(key.value(),
            "Schema snapshot '%s' fails its checksum (recorded %s, computed %s); it was altered or truncated — use another snapshot"
                .formatted(key, recorded, actual));
      }
      List<Subject> out = new ArrayList<>();
      for (JsonNode s : subjects) {
        List<Version> versions = new ArrayList<>();
        for (JsonNode v : s.path("versions")) {
          versions.add(version(v));
        }
        out.add(new Subject(s.path("subject").asText(), text(s, "compatibility"), versions));
      }
      return new SchemaSnapshot(root.path("id").asText(), Instant.parse(root.path("createdAt").asText()),
          root.path("source").asText(), text(root, "compatibility"), text(root, "mode"), out);
    } catch (IOException e) {
      throw new BackupCorruptedException(key.value(), "Schema snapshot '%s' is not valid JSON: %s".formatted(key, e.getMessage()), e);
    }
  }

  /** What a restore did with one schema version. */
  public record Outcome(String subject, int version, int id, boolean restored, String detail) {}

  /**
   * What a restore did.
   *
   * @param target     the registry restored into, without credentials
   * @param importMode whether the registry took the ids it was given (IMPORT mode)
   * @param outcomes   one per backed-up version, oldest id first
   */
  public record RestoreReport(String target, boolean importMode, List<Outcome> outcomes) {
    public RestoreReport {
      outcomes = List.copyOf(outcomes);
    }

    /** The number of versions this restore registered (the rest were there already). */
    public long restored() {
      return outcomes.stream().filter(Outcome::restored).count();
    }
  }

  /**
   * Restores {@code snapshot} into the registry at {@code into}, keeping every schema id.
   *
   * @throws ConflictException if the target uses a backed-up id for another schema, or holds a backed-up subject's
   *     version under another id; or has no IMPORT mode and the ids cannot be assigned again (nothing is written)
   * @throws OperationFailedException if the registry assigned an id other than the backed-up one
   */
  public static RestoreReport restore(SchemaSnapshot snapshot, RestEndpoint into) {
    Checks.requireNonNull(snapshot, "schema snapshot");
    RestClient registry = RestClient.of(Checks.requireNonNull(into, "target registry"));
    List<Pending> all = new ArrayList<>();
    for (Subject s : snapshot.subjects()) {
      for (Version v : s.versions()) {
        all.add(new Pending(s, v));
      }
    }
    all.sort(Comparator.comparingInt((Pending p) -> p.version().id()).thenComparing(p -> p.subject().name())
        .thenComparingInt(p -> p.version().version()));
    all = referencesFirst(all);

    List<String> conflicts = new ArrayList<>();
    Set<Pending> present = new LinkedHashSet<>();
    for (Pending p : all) {
      Optional<JsonNode> byId = find(registry, "/schemas/ids/" + p.version().id());
      if (byId.isPresent() && !sameSchema(byId.get(), p.version())) {
        conflicts.add("id %d is another schema there than %s version %d's".formatted(p.version().id(), p.subject().name(),
            p.version().version()));
        continue;
      }
      Optional<JsonNode> atVersion = find(registry, subjectPath(p.subject().name()) + "/versions/" + p.version().version());
      if (atVersion.isPresent()) {
        int id = atVersion.get().path("id").asInt();
        if (id != p.version().id() || !sameSchema(atVersion.get(), p.version())) {
          conflicts.add("%s version %d holds id %d there, id %d in the backup".formatted(p.subject().name(),
              p.version().version(), id, p.version().id()));
        } else {
          present.add(p);
        }
      }
    }
    if (!conflicts.isEmpty()) {
      throw new ConflictException(ResourceType.SCHEMA_ID, conflicts.get(0),
          "Schema snapshot '%s' cannot be restored into %s with its ids: %s%s; nothing was written. Restore into an empty registry, or delete those subjects there"
              .formatted(snapshot.id(), registry.baseUrl(), String.join("; ", conflicts.subList(0, Math.min(5, conflicts.size()))),
                  conflicts.size() > 5 ? " (and %d more)".formatted(conflicts.size() - 5) : ""));
    }
    boolean importMode = mode(registry, "/mode").isPresent();
    if (!importMode && present.size() < all.size()) {
      requireAssignable(snapshot, registry, all, present);
    }

    Map<String, Optional<String>> modesToRestore = new LinkedHashMap<>();
    List<Outcome> outcomes = new ArrayList<>();
    try {
      for (Pending p : all) {
        String subject = p.subject().name();
        Version v = p.version();
        if (present.contains(p)) {
          outcomes.add(new Outcome(subject, v.version(), v.id(), false, "already there with id %d".formatted(v.id())));
          continue;
        }
        ObjectNode body = Json.MAPPER.createObjectNode().put("schema", v.schema());
        if (!v.schemaType().equals("AVRO")) {
          body.put("schemaType", v.schemaType());
        }
        ArrayNode refs = body.putArray("references");
        v.references().forEach(r -> refs.addObject().put("name", r.name()).put("subject", r.subject()).put("version", r.version()));
        if (importMode) {
          if (!modesToRestore.containsKey(subject)) {
            modesToRestore.put(subject, mode(registry, "/mode/" + encode(subject)));
            registry.execute(RestRequest.put("/mode/" + encode(subject)).query("force", "true")
                .json(Map.of("mode", "IMPORT")).build());
          }
          body.put("id", v.id()).put("version", v.version());
        }
        int assigned = registry.execute(RestRequest.post(subjectPath(subject) + "/versions").json(body).idempotent(true).build())
            .body().path("id").asInt();
        if (assigned != v.id()) {
          throw new OperationFailedException(ResourceType.SCHEMA_ID, String.valueOf(v.id()),
              "%s assigned id %d to %s version %d, which the backup holds as id %d; records written against the backup's ids would not decode there. Restore into an empty registry or one with IMPORT mode"
                  .formatted(registry.baseUrl(), assigned, subject, v.version(), v.id()), null, false);
        }
        outcomes.add(new Outcome(subject, v.version(), v.id(), true, "registered with id %d".formatted(v.id())));
      }
      for (Subject s : snapshot.subjects()) {
        s.compatibility().ifPresent(level -> registry.put("/config/" + encode(s.name()), Map.of("compatibility", level)));
      }
    } catch (RuntimeException e) {
      try {
        setModesBack(registry, modesToRestore);
      } catch (RuntimeException again) {
        e.addSuppressed(again); // the restore's own failure is the one to report
      }
      throw e;
    }
    setModesBack(registry, modesToRestore);
    return new RestoreReport(registry.baseUrl(), importMode, outcomes);
  }

  private record Pending(Subject subject, Version version) {}

  /** Each subject put in IMPORT mode back in the mode it had (its own, or the registry's when it had none). */
  private static void setModesBack(RestClient registry, Map<String, Optional<String>> before) {
    before.forEach((subject, mode) -> {
      if (mode.isPresent() && !mode.get().equals("IMPORT")) {
        registry.put("/mode/" + encode(subject), Map.of("mode", mode.get()));
      } else {
        registry.execute(RestRequest.delete("/mode/" + encode(subject)).accept(404).build());
      }
    });
  }

  /**
   * The versions in the given (oldest id first) order, except that a schema comes after the schemas it references:
   * a registry refuses a reference to a version it does not hold yet.
   */
  private static List<Pending> referencesFirst(List<Pending> byId) {
    Map<String, Pending> byName = new LinkedHashMap<>();
    byId.forEach(p -> byName.put(p.subject().name() + "\u0000" + p.version().version(), p));
    Set<Pending> placed = new LinkedHashSet<>();
    for (Pending p : byId) {
      place(p, byName, placed, new LinkedHashSet<>());
    }
    return List.copyOf(placed);
  }

  private static void place(Pending p, Map<String, Pending> byName, Set<Pending> placed, Set<Pending> visiting) {
    if (placed.contains(p) || !visiting.add(p)) {
      return; // placed already, or a cycle (which no registry accepts): leave it in id order
    }
    for (Reference r : p.version().references()) {
      Pending referenced = byName.get(r.subject() + "\u0000" + r.version());
      if (referenced != null) {
        place(referenced, byName, placed, visiting);
      }
    }
    placed.add(p);
  }

  /**
   * Without IMPORT mode a registry numbers new schemas itself, 1, 2, 3… from empty: the backed-up ids come back only
   * when they run without a gap and the target holds nothing but the lowest of them (none, or what an interrupted
   * restore registered).
   */
  private static void requireAssignable(SchemaSnapshot snapshot, RestClient registry, List<Pending> all, Set<Pending> present) {
    TreeSet<Integer> ids = new TreeSet<>();
    all.forEach(p -> ids.add(p.version().id()));
    TreeSet<Integer> presentIds = new TreeSet<>();
    present.forEach(p -> presentIds.add(p.version().id()));
    boolean dense = ids.first() == 1 && ids.last() == ids.size();
    boolean prefix = presentIds.isEmpty() || (presentIds.last() == presentIds.size()
        && all.stream().filter(p -> p.version().id() <= presentIds.last()).allMatch(present::contains));
    Set<String> foreign = new TreeSet<>();
    for (String subject : subjects(registry)) {
      Set<Integer> backedUp = new TreeSet<>();
      present.stream().filter(p -> p.subject().name().equals(subject)).forEach(p -> backedUp.add(p.version().version()));
      if (!backedUp.equals(new TreeSet<>(versions(registry, subject)))) {
        foreign.add(subject);
      }
    }
    if (!dense || !prefix || !foreign.isEmpty()) {
      throw new ConflictException(ResourceType.SCHEMA_ID, registry.baseUrl(),
          ("%s has no IMPORT mode, so it assigns schema ids itself; snapshot '%s' keeps its ids there only when restored into an empty "
              + "registry (or one holding only what an interrupted restore of it registered) and its ids run 1..N without a gap "
              + "(%s). Nothing was written. Restore into an empty registry, or into one with IMPORT mode (Confluent Schema Registry)")
              .formatted(registry.baseUrl(), snapshot.id(), !foreign.isEmpty()
                  ? "the registry holds other schemas, under " + String.join(", ", List.copyOf(foreign).subList(0, Math.min(5, foreign.size())))
                  : !dense ? "the ids run %d..%d with gaps".formatted(ids.first(), ids.last())
                  : "what is there is not the lowest ids of the snapshot"));
    }
  }

  private static boolean sameSchema(JsonNode registered, Version v) {
    return registered.path("schema").asText().equals(v.schema())
        && registered.path("schemaType").asText("AVRO").equals(v.schemaType());
  }

  private static Version version(JsonNode v) {
    List<Reference> refs = new ArrayList<>();
    v.path("references").forEach(r -> refs.add(new Reference(r.path("name").asText(), r.path("subject").asText(), r.path("version").asInt())));
    return new Version(v.path("version").asInt(), v.path("id").asInt(), v.path("schemaType").asText("AVRO"),
        v.path("schema").asText(), refs);
  }

  private static byte[] serialize(SchemaSnapshot s) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("format", SchemaSnapshot.FORMAT).put("version", SchemaSnapshot.VERSION).put("id", s.id())
        .put("createdAt", s.createdAt().toString()).put("source", s.source());
    s.compatibility().ifPresent(c -> root.put("compatibility", c));
    s.mode().ifPresent(m -> root.put("mode", m));
    ArrayNode subjects = root.putArray("subjects");
    for (Subject subject : s.subjects()) {
      ObjectNode o = subjects.addObject().put("subject", subject.name());
      subject.compatibility().ifPresent(c -> o.put("compatibility", c));
      ArrayNode versions = o.putArray("versions");
      for (Version v : subject.versions()) {
        ObjectNode vo = versions.addObject().put("version", v.version()).put("id", v.id()).put("schemaType", v.schemaType())
            .put("schema", v.schema());
        ArrayNode refs = vo.putArray("references");
        v.references().forEach(r -> refs.addObject().put("name", r.name()).put("subject", r.subject()).put("version", r.version()));
      }
    }
    try {
      root.put("sha256", Sha256.hex(Json.MAPPER.writeValueAsBytes(subjects)));
      return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("Schema snapshot could not be serialized", e);
    }
  }

  /** A compatibility level, where the registry has one set ({@code compatibilityLevel} in its answer). */
  private static Optional<String> level(RestClient registry, String path) {
    return find(registry, path).map(b -> b.path("compatibilityLevel").asText(b.path("compatibility").asText(""))).filter(l -> !l.isEmpty());
  }

  /** A mode, where the registry has modes (Apicurio's compatibility API has none: 404). */
  private static Optional<String> mode(RestClient registry, String path) {
    return find(registry, path).map(b -> b.path("mode").asText("")).filter(m -> !m.isEmpty());
  }

  private static Optional<String> text(JsonNode node, String field) {
    return node.hasNonNull(field) ? Optional.of(node.get(field).asText()) : Optional.empty();
  }
}
