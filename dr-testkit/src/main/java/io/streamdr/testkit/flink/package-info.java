/**
 * Flink jobs the embedded stack runs: the SQL routing job of the CDC pipeline, and a job that fails on demand.
 */
package io.streamdr.testkit.flink;
