/**
 * Benchmarks that print StreamDR's speed and cost as ratios against baselines measured in the same run (the bare
 * consumer and producer, kcat). Results and commands are in {@code docs/benchmarks.md}.
 */
package io.streamdr.bench;
