/**
 * Progress of long operations (backup, restore, verification): records and bytes done against the known total,
 * reported to a {@link io.streamdr.core.progress.ProgressListener} at most every 250 ms and once at the end; a
 * listener that throws never fails the operation.
 */
package io.streamdr.core.progress;
