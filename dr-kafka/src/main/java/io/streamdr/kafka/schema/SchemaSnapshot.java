package io.streamdr.kafka.schema;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a {@link SchemaBackup} holds of one registry: every subject with every version, each with the schema id records
 * carry, its type, text and references, and the compatibility set on the subject; the registry's global
 * compatibility and mode where it has them.
 *
 * @param id            the snapshot's id in the backup target
 * @param createdAt     when it was taken
 * @param source        the registry's address, without credentials
 * @param compatibility the registry's global compatibility level, if it reports one
 * @param mode          the registry's global mode (READWRITE, READONLY, IMPORT), if it has modes
 * @param subjects      the subjects, by name
 */
public record SchemaSnapshot(String id, Instant createdAt, String source, Optional<String> compatibility,
    Optional<String> mode, List<Subject> subjects) {
  static final String FORMAT = "streamdr-schema-snapshot";
  static final int VERSION = 1;

  public SchemaSnapshot {
    subjects = List.copyOf(subjects);
  }

  /** Whether {@code other} holds the same subjects, versions, ids, schemas, compatibility and mode (whatever its id and time). */
  public boolean sameSchemasAs(SchemaSnapshot other) {
    return subjects.equals(other.subjects) && compatibility.equals(other.compatibility) && mode.equals(other.mode);
  }

  /** The number of schema versions, over every subject. */
  public int versions() {
    return subjects.stream().mapToInt(s -> s.versions().size()).sum();
  }

  /**
   * One subject.
   *
   * @param name          e.g. {@code orders-value}
   * @param compatibility the compatibility level set on the subject, if any
   * @param versions      every version, oldest first
   */
  public record Subject(String name, Optional<String> compatibility, List<Version> versions) {
    public Subject {
      versions = List.copyOf(versions);
    }
  }

  /**
   * One version of a subject.
   *
   * @param version    the subject's version number
   * @param id         the schema id that records serialized with it carry
   * @param schemaType AVRO, JSON or PROTOBUF
   * @param schema     the schema text, as the registry returned it
   * @param references the schemas it references, by name, subject and version
   */
  public record Version(int version, int id, String schemaType, String schema, List<Reference> references) {
    public Version {
      references = List.copyOf(references);
    }
  }

  /** A reference of one schema to another. */
  public record Reference(String name, String subject, int version) {}
}
