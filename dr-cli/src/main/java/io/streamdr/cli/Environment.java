package io.streamdr.cli;

import java.util.Map;

/**
 * The environment the commands read ({@code ${VAR}} in streamdr.yaml, {@code --secret KEY=ENV_VAR}, passwords):
 * the process's, or the one {@link StreamDr#execute(java.io.PrintWriter, java.io.PrintWriter, Map, String...)} was
 * given by a tool that embeds the CLI.
 */
final class Environment {
  private static final ThreadLocal<Map<String, String>> GIVEN = new ThreadLocal<>();

  private Environment() {}

  static Map<String, String> get() {
    Map<String, String> given = GIVEN.get();
    return given != null ? given : System.getenv();
  }

  static void use(Map<String, String> env) {
    GIVEN.set(env == null ? null : Map.copyOf(env));
  }
}
