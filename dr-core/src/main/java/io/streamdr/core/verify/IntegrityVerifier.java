package io.streamdr.core.verify;

/**
 * Proves (or disproves) that a target holds exactly the source's records: nothing lost, reordered, altered or
 * duplicated. Thread-safe; blocks until both sides are read.
 */
public interface IntegrityVerifier {
  IntegrityReport verify(VerificationRequest request);
}
