/**
 * Replication between regions: Confluent Cluster Linking's REST API (links, mirror topics, promotion) and a
 * probe of MirrorMaker 2's lag and checkpoints.
 */
package io.streamdr.kafka.replication;
