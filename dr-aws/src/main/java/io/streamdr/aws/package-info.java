/**
 * AWS adapters: an S3 {@link io.streamdr.core.backup.BackupTarget} (any S3-compatible store), an S3
 * {@link io.streamdr.core.region.ActiveRegionStore} with conditional writes, and a Route 53 DNS switch.
 */
package io.streamdr.aws;
