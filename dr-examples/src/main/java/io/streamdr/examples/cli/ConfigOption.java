package io.streamdr.examples.cli;

import io.streamdr.examples.config.StreamDrConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --config} option shared by the commands that work on real clusters. */
final class ConfigOption {
  @Option(names = {"-c", "--config"}, defaultValue = "streamdr.yaml", paramLabel = "FILE",
      description = "The configuration file: regions, Kafka clusters, active-region store, backups (default ${DEFAULT-VALUE}).")
  Path file;

  StreamDrConfig load() {
    return StreamDrConfig.load(file, System.getenv());
  }
}
