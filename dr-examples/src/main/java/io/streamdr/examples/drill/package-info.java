/**
 * The four drills of the DR guide on the embedded stack (connector failure, Flink job failure, broker failure,
 * region failure and failback), each measuring its RTO and RPO.
 */
package io.streamdr.examples.drill;
