package io.streamdr.cli;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code --verbose} and {@code --quiet}, accepted by every command: how much StreamDR logs on standard error, and
 * whether progress lines are shown. Results on standard output are the same either way.
 */
final class Verbosity {
  private static volatile boolean quiet;
  /** The levels before an option changed them, so a new command line in the same JVM starts as configured. */
  private static Level streamdrBefore;
  private static Level rootBefore;

  /** Whether progress lines are left out. */
  static boolean quiet() {
    return quiet;
  }

  /** Undoes what an earlier command line in this JVM set. */
  static synchronized void reset() {
    quiet = false;
    if (streamdrBefore != null) {
      Configurator.setLevel("io.streamdr", streamdrBefore);
      Configurator.setRootLevel(rootBefore);
      streamdrBefore = null;
      rootBefore = null;
    }
  }

  private static synchronized void remember() {
    if (streamdrBefore == null) {
      streamdrBefore = org.apache.logging.log4j.LogManager.getLogger("io.streamdr").getLevel();
      rootBefore = org.apache.logging.log4j.LogManager.getRootLogger().getLevel();
    }
  }

  @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
      description = "Log what StreamDR does in detail (DEBUG) and the warnings of the clients it uses.")
  void verbose(boolean on) {
    if (on) {
      remember();
      Configurator.setLevel("io.streamdr", Level.DEBUG);
      Configurator.setRootLevel(Level.WARN);
    }
  }

  @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
      description = "Print only results and errors: no progress lines, no INFO logs.")
  void quiet(boolean on) {
    quiet = on;
    if (on) {
      remember();
      Configurator.setLevel("io.streamdr", Level.WARN);
    }
  }
}
