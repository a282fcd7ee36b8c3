package io.streamdr.core;

import io.streamdr.core.savepoint.JobRef;

/**
 * A savepoint could not be taken. StreamDR never falls back silently to an older checkpoint: the caller decides.
 */
public class SavepointFailedException extends DrException {
  public SavepointFailedException(JobRef job, String triggerId, String cause) {
    super(ResourceType.JOB, job.id(),
        "Savepoint %s of job %s failed: %s; no savepoint was taken — fix the cause and trigger again, or choose an existing savepoint explicitly"
            .formatted(triggerId, job.id(), cause), null, false);
  }
}
