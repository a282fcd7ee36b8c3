package io.streamdr.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.AbstractConfiguration;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * A drill's full log, beside its reports: StreamDR at INFO (DEBUG with {@code --verbose}) and every component's
 * warnings and errors, including the stack traces of the failures the drill injects, which the console leaves out.
 * The console keeps exactly what it showed before. Written only under the CLI's own log configuration (named
 * {@code streamdr}); a configuration the user named decides for itself.
 */
final class DrillLog implements AutoCloseable {
  private static final String NAME = "streamdr-drill-log";

  private record Saved(LoggerConfig logger, Level level, boolean additive, List<String> added) {}

  private final Path file;
  private final Configuration config;
  private final FileAppender appender;
  private final List<Saved> saved = new ArrayList<>();

  private final boolean componentsToFileOnly;

  private DrillLog(Path file, Configuration config, FileAppender appender, boolean componentsToFileOnly) {
    this.componentsToFileOnly = componentsToFileOnly;
    this.file = file;
    this.config = config;
    this.appender = appender;
  }

  /** Starts writing {@code file}, or nothing when the log configuration is not the CLI's. */
  static Optional<DrillLog> open(Path file) {
    return open(file, false);
  }

  /**
   * As {@link #open(Path)}; with {@code componentsToFileOnly}, the console leaves out every component's log line,
   * errors included, and StreamDR's below WARN, for the embedded drill: it narrates on the console itself, and its
   * components fail because the drill makes them fail.
   */
  static synchronized Optional<DrillLog> open(Path file, boolean componentsToFileOnly) {
    if (!(LogManager.getContext(false) instanceof LoggerContext ctx) || !"streamdr".equals(ctx.getConfiguration().getName())) {
      return Optional.empty();
    }
    Configuration config = ctx.getConfiguration();
    FileAppender appender = FileAppender.newBuilder().setName(NAME).withFileName(file.toAbsolutePath().toString()).withAppend(false)
        .setLayout(PatternLayout.newBuilder().withConfiguration(config).withPattern("%d{ISO8601} %-5p [%t] %c - %m%n").build())
        .setConfiguration(config).build();
    appender.start();
    config.addAppender(appender);
    DrillLog log = new DrillLog(file, config, appender, componentsToFileOnly);
    LoggerConfig root = config.getRootLogger();
    Map<String, Appender> rootAppenders = Map.copyOf(root.getAppenders());
    for (LoggerConfig logger : config.getLoggers().values()) {
      if (logger != root) {
        // what reached the root's appenders through additivity now goes to them directly, at this logger's level
        log.redirect(logger, rootAppenders);
      }
    }
    log.redirect(root, rootAppenders);
    ctx.updateLoggers();
    return Optional.of(log);
  }

  private void redirect(LoggerConfig logger, Map<String, Appender> consoles) {
    Level console = logger.getLevel();
    List<String> added = new ArrayList<>();
    boolean root = logger == config.getRootLogger();
    // the embedded drill narrates on the console itself: StreamDR's own INFO lines go to the file, its warnings stay
    Level toConsole = !componentsToFileOnly ? console : logger.getName().startsWith("io.streamdr") ? lessVerbose(console, Level.WARN) : Level.OFF;
    consoles.forEach((name, a) -> {
      if (root) {
        logger.removeAppender(name);
      }
      logger.addAppender(a, toConsole, null);
      added.add(name);
    });
    Level toFile = logger.getName().startsWith("io.streamdr") ? moreVerbose(console, Level.INFO) : Level.WARN;
    logger.addAppender(appender, toFile, null);
    added.add(NAME);
    saved.add(new Saved(logger, console, logger.isAdditive(), added));
    logger.setAdditive(false);
    logger.setLevel(moreVerbose(console, toFile));
  }

  private static Level lessVerbose(Level a, Level b) {
    return a.isMoreSpecificThan(b) ? a : b;
  }

  private static Level moreVerbose(Level a, Level b) {
    return a.isMoreSpecificThan(b) ? b : a;
  }

  Path file() {
    return file;
  }

  @Override
  public synchronized void close() {
    LoggerConfig root = config.getRootLogger();
    for (Saved s : saved) {
      s.added().forEach(s.logger()::removeAppender);
      if (s.logger() == root) {
        s.added().stream().filter(n -> !n.equals(NAME)).forEach(n -> root.addAppender(config.getAppender(n), null, null));
      }
      s.logger().setAdditive(s.additive());
      s.logger().setLevel(s.level());
    }
    if (config instanceof AbstractConfiguration c) {
      c.removeAppender(NAME);
    }
    appender.stop();
    ((LoggerContext) LogManager.getContext(false)).updateLoggers();
  }
}
