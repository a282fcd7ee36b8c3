/**
 * How the REST adapters reach their services: a {@link io.streamdr.core.http.RestEndpoint} (base URL, deadline per
 * call, retries with backoff for idempotent calls only), its {@link io.streamdr.core.http.Auth} and
 * {@link io.streamdr.core.http.Secret}s that are never printed. The HTTP client behind it is internal: errors name the
 * method and the address without credentials.
 */
package io.streamdr.core.http;
