/**
 * The exceptions every StreamDR module throws. {@link io.streamdr.core.DrException} is the unchecked root; each
 * subclass says what went wrong (not found, invalid request, conflict, timeout, unreachable, interrupted, corrupted
 * backup…), names the resource by a {@link io.streamdr.core.ResourceType} and its name, and says whether a retry may
 * succeed. Messages say what to do next and never contain secrets.
 */
package io.streamdr.core;
