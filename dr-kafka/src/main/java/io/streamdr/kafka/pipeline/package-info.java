/**
 * The whole pipeline's recovery point: a {@link io.streamdr.kafka.pipeline.PipelineCheckpoint} of consumer group
 * offsets, connector offsets and the Flink recovery point taken together, and the
 * {@link io.streamdr.kafka.pipeline.DivergedTail} a failback must carry back: records acknowledged in the secondary
 * that replication has not copied to the primary.
 */
package io.streamdr.kafka.pipeline;
