/**
 * The agent: a long-running service that runs the DR guide's schedule (backups and their pruning, savepoints,
 * pipeline checkpoints, connector snapshots, drills) from cron expressions, watches health for automated failover,
 * and serves Prometheus metrics and a health endpoint.
 */
package io.streamdr.cli.agent;
