package io.streamdr.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

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
