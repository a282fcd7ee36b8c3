package io.streamdr.testkit.flink;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The seed's routing job: reads Debezium change events from {@code raw-business-events} and routes each, by its
 * {@code event_type} column, to {@code filtered-<type>-events} (loan, service, car), keeping key and timestamp.
 * Other types are dropped. Checkpoints every second; at-least-once sink (flushed on every checkpoint and savepoint): after a
 * restore from a checkpoint, the events routed between that checkpoint and the failure are routed again. Its
 * exactly-once mode cannot run here: flink-connector-kafka 5.0.0-2.2's transactional producer calls
 * {@code TransactionalRequestResult.await()}, which kafka-clients 4.3 no longer has.
 *
 * <p>Usable as a {@link #define JobGraph} and as a jar entry class for {@code /jars/:id/run} (arguments: bootstrap
 * servers, optionally the source topic).
 */
public final class RoutingJob {
  public static final String SOURCE_TOPIC = "raw-business-events";
  public static final List<String> TYPES = List.of("loan", "service", "car");
  public static final String GROUP_ID = "streamdr-routing";

  private RoutingJob() {}

  /** The filtered topic for an event type. */
  public static String filteredTopic(String type) {
    return "filtered-" + type + "-events";
  }

  /** Adds the routing pipeline to an environment. */
  public static void define(StreamExecutionEnvironment env, String bootstrap, String sourceTopic) {
    env.enableCheckpointing(1000);
    // a cancelled or failed job leaves its newest checkpoints to restore from
    env.getCheckpointConfig().setExternalizedCheckpointRetention(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    env.setParallelism(1);
    KafkaSource<Tuple4<String, byte[], byte[], Long>> source = KafkaSource.<Tuple4<String, byte[], byte[], Long>>builder()
        .setBootstrapServers(bootstrap)
        .setTopics(sourceTopic)
        .setGroupId(GROUP_ID)
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setDeserializer(new Deserializer())
        .setProperty("isolation.level", "read_committed")
        .build();
    KafkaSink<Tuple4<String, byte[], byte[], Long>> sink = KafkaSink.<Tuple4<String, byte[], byte[], Long>>builder()
        .setBootstrapServers(bootstrap)
        .setRecordSerializer(new Serializer())
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .setProperty("enable.idempotence", "true")
        .build();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "raw-business-events").uid("source-raw-business-events")
        .sinkTo(sink).uid("sink-filtered-events");
  }

  public static void main(String[] args) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    define(env, args[0], args.length > 1 ? args[1] : SOURCE_TOPIC);
    env.execute("routing");
  }

  private static final Pattern EVENT_TYPE = Pattern.compile("\"after\":\\{[^}]*\"event_type\":\"([a-z]+)\"");

  /** The event type of a Debezium change event, or null if it has none or an unknown one. */
  static String eventType(byte[] value) {
    if (value == null) {
      return null;
    }
    Matcher m = EVENT_TYPE.matcher(new String(value, StandardCharsets.UTF_8));
    return m.find() && TYPES.contains(m.group(1)) ? m.group(1) : null;
  }

  /** (type, key, value, timestamp) of each routed record; records of no known type are dropped here. */
  static final class Deserializer implements KafkaRecordDeserializationSchema<Tuple4<String, byte[], byte[], Long>> {
    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Tuple4<String, byte[], byte[], Long>> out) {
      String type = eventType(record.value());
      if (type != null) {
        out.collect(Tuple4.of(type, record.key(), record.value(), record.timestamp()));
      }
    }

    @Override
    public TypeInformation<Tuple4<String, byte[], byte[], Long>> getProducedType() {
      return TypeInformation.of(new TypeHint<Tuple4<String, byte[], byte[], Long>>() {});
    }
  }

  /** Writes a routed event to its filtered topic with the original key and timestamp. */
  static final class Serializer implements KafkaRecordSerializationSchema<Tuple4<String, byte[], byte[], Long>> {
    @Override
    public ProducerRecord<byte[], byte[]> serialize(Tuple4<String, byte[], byte[], Long> e, KafkaSinkContext context,
        Long timestamp) {
      return new ProducerRecord<>(filteredTopic(e.f0), null, e.f3, e.f1, e.f2);
    }
  }
}
