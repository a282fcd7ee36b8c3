/**
 * Examples of embedding the library: a service with region-aware clients, and a runbook composed from the
 * library's interfaces.
 */
package io.streamdr.examples.embedding;
