package io.streamdr.core.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.streamdr.core.internal.http.RestClient;
import io.streamdr.core.internal.http.RestResponse;

/**
 * A response from {@link RestClient}.
 *
 * @param status HTTP status
 * @param body   parsed JSON body; {@link MissingNode} if the body was empty
 * @param raw    the raw body text
 */
public record RestResponse(int status, JsonNode body, String raw) {
  public boolean isSuccess() {
    return status >= 200 && status < 300;
  }
}
