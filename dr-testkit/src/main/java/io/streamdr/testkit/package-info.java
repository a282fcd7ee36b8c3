/**
 * Real components embedded in one JVM for integration tests and drills: Kafka clusters, MirrorMaker 2, Kafka
 * Connect with Debezium, PostgreSQL, Flink, an S3-compatible server, a fault proxy, and two regions wired together.
 * Test infrastructure only: never a dependency of the library modules.
 */
package io.streamdr.testkit;
