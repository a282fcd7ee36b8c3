/**
 * Implementation details shared by StreamDR's own modules. Not an API: anything here may change in any
 * release.
 */
package io.streamdr.core.internal;
