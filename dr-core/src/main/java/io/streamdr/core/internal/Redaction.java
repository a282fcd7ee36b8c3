package io.streamdr.core.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Keeps secrets out of logs, messages and {@code toString}. Not API. */
public final class Redaction {
  public static final String MASK = "[redacted]";
  private static final Pattern SECRET_KEY = Pattern.compile(
      "(?i).*(password|passwd|secret|token|api[._-]?key|credential|private[._-]?key|sasl\\.jaas\\.config|basic\\.auth\\.user\\.info|authorization).*");
  private static final Pattern JSON_SECRET = Pattern.compile(
      "(?i)(\"[^\"]*(?:password|passwd|secret|token|api[._-]?key|credential|private[._-]?key|sasl\\.jaas\\.config|authorization)[^\"]*\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern EXTERNAL_REF = Pattern.compile("^\\$\\{[^}]+}$");

  private Redaction() {}

  /** Whether a configuration key names a secret (password, token, API key, JAAS config…). */
  public static boolean isSecretKey(String key) {
    return key != null && SECRET_KEY.matcher(key).matches();
  }

  /** Whether a value is an externalized reference such as {@code ${file:/secrets.properties:password}}. */
  public static boolean isExternalReference(String value) {
    return value != null && EXTERNAL_REF.matcher(value.trim()).matches();
  }

  /** A copy of the map whose secret values are masked; externalized {@code ${...}} references are kept. */
  public static Map<String, String> redact(Map<String, String> config) {
    Map<String, String> out = new LinkedHashMap<>();
    config.forEach((k, v) -> out.put(k, isSecretKey(k) && !isExternalReference(v) ? MASK : v));
    return out;
  }

  /** Masks the values of JSON string fields whose names look like secrets, and the given literal secrets. */
  public static String redactText(String text, Iterable<String> literalSecrets) {
    if (text == null) {
      return "";
    }
    String out = JSON_SECRET.matcher(text).replaceAll("$1\"" + MASK + "\"");
    for (String secret : literalSecrets) {
      if (secret != null && secret.length() >= 4) {
        out = out.replace(secret, MASK);
      }
    }
    return out;
  }

  /** The URL without user info, query string or fragment, for messages and logs. */
  public static String safeUrl(String url) {
    if (url == null) {
      return "";
    }
    try {
      URI u = URI.create(url);
      if (u.getHost() == null) {
        return url.replaceAll("[?#].*$", "");
      }
      return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null).toString();
    } catch (IllegalArgumentException | URISyntaxException e) {
      return url.replaceAll("//[^/@]*@", "//").replaceAll("[?#].*$", "");
    }
  }
}
