/**
 * The {@code streamdr.yaml} model: regions, clusters, connectors, Flink jobs, backups and the agent's schedule,
 * validated with errors that name the key and what to write.
 */
package io.streamdr.cli.config;
