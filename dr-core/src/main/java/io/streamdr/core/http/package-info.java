/**
 * The one HTTP client the REST adapters share: retries with backoff for idempotent calls only, deadlines,
 * authentication and secrets that are never printed, and errors that name the method and the address without
 * credentials.
 */
package io.streamdr.core.http;
