package io.streamdr.core.verify;

import io.streamdr.core.internal.Checks;

/** How a replicated topic is named in the target cluster. */
@FunctionalInterface
public interface ReplicationNaming {
  String targetTopic(String sourceTopic);

  /** Same name (Confluent cluster links, MirrorMaker 2 with IdentityReplicationPolicy). */
  static ReplicationNaming identity() {
    return t -> t;
  }

  /** MirrorMaker 2's DefaultReplicationPolicy: {@code <sourceAlias>.<topic>}, e.g. {@code us-east-1.orders}. */
  static ReplicationNaming prefixed(String sourceAlias) {
    Checks.requireNonBlank(sourceAlias, "source cluster alias");
    return t -> sourceAlias + "." + t;
  }
}
