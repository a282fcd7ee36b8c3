package io.streamdr.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code streamdr.yaml} the CLI tests use: two regions, identity replication, a file store and backup directory in {@code dir}. */
public final class TwoRegionConfig {
  private TwoRegionConfig() {}

  /** Writes it as {@code dir/name} and returns its path. */
  public static String write(Path dir, String name, String eastBootstrap, String westBootstrap) throws IOException {
    return write(dir, name, eastBootstrap, westBootstrap, "");
  }

  /** The same, with {@code more} (further top-level YAML, such as an {@code agent:} section) appended. */
  public static String write(Path dir, String name, String eastBootstrap, String westBootstrap, String more) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, """
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: "%s"}
          - {name: us-west-2, bootstrap: "%s"}
        replication: identity
        activeRegion: {store: file, path: "%s"}
        backups: {directory: "%s"}
        """.formatted(eastBootstrap, westBootstrap, dir.resolve("active-region.json"), dir.resolve("backups")) + more);
    return f.toString();
  }
}
