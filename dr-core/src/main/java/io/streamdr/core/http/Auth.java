package io.streamdr.core.http;

import io.streamdr.core.http.RestEndpoint;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** How a {@link RestEndpoint} authenticates. Implementations never reveal secrets in {@code toString}. */
public interface Auth {
  /** The headers that carry the credentials, added to every request. */
  Map<String, String> headers();

  /** The secret strings this auth sends, so that they can be redacted from anything echoed back. */
  default List<String> secrets() {
    return List.of();
  }

  /** No authentication. */
  static Auth none() {
    return new Auth() {
      @Override
      public Map<String, String> headers() {
        return Map.of();
      }

      @Override
      public String toString() {
        return "Auth[none]";
      }
    };
  }

  /** HTTP basic auth (Confluent Cloud API key and secret, Schema Registry user info, Connect basic auth). */
  static Auth basic(String user, Secret password) {
    String header = "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password.reveal()).getBytes(StandardCharsets.UTF_8));
    return new Auth() {
      @Override
      public Map<String, String> headers() {
        return Map.of("Authorization", header);
      }

      @Override
      public List<String> secrets() {
        return List.of(password.reveal(), header.substring("Basic ".length()));
      }

      @Override
      public String toString() {
        return "Auth[basic user=" + user + ", password=****]";
      }
    };
  }

  /** A bearer token. */
  static Auth bearer(Secret token) {
    return new Auth() {
      @Override
      public Map<String, String> headers() {
        return Map.of("Authorization", "Bearer " + token.reveal());
      }

      @Override
      public List<String> secrets() {
        return List.of(token.reveal());
      }

      @Override
      public String toString() {
        return "Auth[bearer ****]";
      }
    };
  }
}
