package io.streamdr.core;

/**
 * The kinds of resource a {@link DrException} can name. {@link #toString()} is the word a user reads in a message
 * ("consumer group", "topic"), so a tool can both switch on the constant and print it.
 */
public enum ResourceType {
  ACTIVE_REGION("active region"),
  BACKUP("backup"),
  BACKUP_KEY("backup key"),
  BACKUP_TARGET("backup target"),
  BUCKET("bucket"),
  CLUSTER("cluster"),
  CLUSTER_LINK("cluster link"),
  COMPONENT("component"),
  CONFIG("config"),
  CONFIG_KEY("config key"),
  CONNECTOR("connector"),
  CONSUMER_GROUP("consumer group"),
  DNS_CHANGE("DNS change"),
  DNS_RECORD("DNS record"),
  DRILL("drill"),
  ENDPOINT("endpoint"),
  ENVIRONMENT_VARIABLE("environment variable"),
  HOSTED_ZONE("hosted zone"),
  JAR("jar"),
  JOB("job"),
  LSN("LSN"),
  MIRROR_TOPIC("mirror topic"),
  PIPELINE_CHECKPOINT("pipeline checkpoint"),
  REGION("region"),
  REPLICATION("replication"),
  REPLICATION_SLOT("replication slot"),
  SAVEPOINT("savepoint"),
  SAVEPOINT_TRIGGER("savepoint trigger id"),
  SCHEMA_ID("schema id"),
  SCHEMA_SUBJECT("schema subject"),
  /** A numeric or named option of a builder or command, such as a replication factor or a parallelism. */
  SETTING("setting"),
  STATEMENT("statement"),
  TASK("task"),
  TOPIC("topic"),
  TOPIC_PATTERN("topic pattern");

  private final String label;

  ResourceType(String label) {
    this.label = label;
  }

  @Override
  public String toString() {
    return label;
  }
}
