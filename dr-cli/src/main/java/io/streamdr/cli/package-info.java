/**
 * The {@code streamdr} command line: backups, restores, verification, failover and failback of the whole
 * pipeline, drills, and the agent, configured by {@code streamdr.yaml}.
 */
package io.streamdr.cli;
