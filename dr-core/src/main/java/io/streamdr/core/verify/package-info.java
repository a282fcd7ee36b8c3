/**
 * Verification that a copy holds exactly the source's records: the
 * {@link io.streamdr.core.verify.IntegrityVerifier} interface, record fingerprints, the per-partition comparison (record
 * by record, or latest value per key for compacted topics) and a report that names every missing, extra, reordered
 * or changed record. It never reports PASSED about a copy that differs.
 */
package io.streamdr.core.verify;
