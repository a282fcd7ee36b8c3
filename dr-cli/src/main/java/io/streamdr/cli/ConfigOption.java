package io.streamdr.cli;

import io.streamdr.cli.config.StreamDrConfig;
import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.ResourceType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The {@code --config} option shared by the commands that work on real clusters. Without it, the configuration is
 * looked for in {@code $STREAMDR_CONFIG}, then {@code ./streamdr.yaml}, then {@code ~/.config/streamdr/streamdr.yaml}.
 */
final class ConfigOption {
  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "The configuration file: regions, Kafka clusters, active-region store, backups (default: $STREAMDR_CONFIG,"
          + " then ./streamdr.yaml, then ~/.config/streamdr/streamdr.yaml).")
  Path file;

  StreamDrConfig load() {
    Map<String, String> env = Environment.get();
    return StreamDrConfig.load(resolve(file, env, Path.of(""), Path.of(System.getProperty("user.home"))), env);
  }

  /** The file to read: the one named, else the first that exists of the places looked in, in order. */
  static Path resolve(Path named, Map<String, String> env, Path workingDir, Path home) {
    if (named != null) {
      return named;
    }
    List<Path> candidates = new ArrayList<>();
    String fromEnv = env.get("STREAMDR_CONFIG");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv); // named by the environment: used, or reported missing, as if given with --config
    }
    candidates.add(workingDir.resolve("streamdr.yaml"));
    candidates.add(home.resolve(".config").resolve("streamdr").resolve("streamdr.yaml"));
    for (Path p : candidates) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new InvalidRequestException(ResourceType.CONFIG, "streamdr.yaml", ("No configuration file: looked for %s; pass one with --config FILE "
        + "or set STREAMDR_CONFIG").formatted(candidates.stream().map(Path::toString).toList()));
  }
}
