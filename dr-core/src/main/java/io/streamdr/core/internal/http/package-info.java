/**
 * JSON over HTTP for StreamDR's REST adapters (okhttp and Jackson), built from a public
 * {@link io.streamdr.core.http.RestEndpoint}. Not an API: anything here may change in any release.
 */
package io.streamdr.core.internal.http;
