package io.streamdr.core.backup;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.ResourceType;
import java.util.Arrays;
import java.util.List;

/**
 * The name of one object in a {@link BackupTarget}: a relative, slash-separated path such as
 * {@code topics/orders/2026-11-24T00:00Z/p-0003.seg}.
 *
 * <p>Keys never escape the target's root: absolute paths, backslashes, control characters and the segments
 * {@code .} and {@code ..} are rejected, as are empty segments. The first segment {@code .streamdr} is reserved.
 */
public record BackupKey(String value) implements Comparable<BackupKey> {
  /** Reserved first segment under which targets may keep their own bookkeeping. */
  public static final String RESERVED_PREFIX = ".streamdr";
  private static final int MAX_LENGTH = 1024;

  public BackupKey {
    if (value == null || value.isBlank()) {
      throw new InvalidRequestException(ResourceType.BACKUP_KEY, String.valueOf(value), "Backup key must not be blank");
    }
    if (value.length() > MAX_LENGTH) {
      throw invalid(value, "is longer than " + MAX_LENGTH + " characters");
    }
    if (value.startsWith("/")) {
      throw invalid(value, "is absolute; use a path relative to the backup target's root");
    }
    if (value.indexOf('\\') >= 0) {
      throw invalid(value, "contains a backslash; separate segments with '/'");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw invalid(value, "contains a control character at index " + i);
      }
    }
    String[] segments = value.split("/", -1);
    for (String segment : segments) {
      if (segment.isEmpty()) {
        throw invalid(value, "has an empty segment ('//' or a trailing '/')");
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw invalid(value, "contains '" + segment + "'; keys cannot leave the backup target's root");
      }
    }
    if (segments[0].equals(RESERVED_PREFIX)) {
      throw invalid(value, "starts with the reserved segment '" + RESERVED_PREFIX + "'");
    }
  }

  private static InvalidRequestException invalid(String value, String why) {
    return new InvalidRequestException(ResourceType.BACKUP_KEY, value, "Backup key '%s' %s".formatted(value, why));
  }

  /** Joins segments with '/': {@code BackupKey.of("topics", "orders", "manifest.json")}. */
  public static BackupKey of(String first, String... more) {
    if (more.length == 0) {
      return new BackupKey(first);
    }
    return new BackupKey(first + "/" + String.join("/", more));
  }

  /** This key with a child segment (or relative path) appended. */
  public BackupKey resolve(String child) {
    return new BackupKey(value + "/" + child);
  }

  /** The segments of the key, in order. */
  public List<String> segments() {
    return Arrays.asList(value.split("/"));
  }

  /** The last segment. */
  public String name() {
    int slash = value.lastIndexOf('/');
    return slash < 0 ? value : value.substring(slash + 1);
  }

  @Override
  public int compareTo(BackupKey other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
