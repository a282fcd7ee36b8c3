/**
 * Kafka client helpers shared by StreamDR's modules. Not an API: anything here may change in any release.
 */
package io.streamdr.kafka.internal;
