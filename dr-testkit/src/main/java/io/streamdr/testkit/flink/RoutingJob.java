package io.streamdr.testkit.flink;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.java.tuple.Tuple7;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * the DR guide's routing job: reads Debezium change events from {@code raw-business-events} and routes each, by its
 * {@code event_type} column, to {@code filtered-<type>-events} (loan, service, car), keeping key and timestamp.
 * Other types are dropped. Checkpoints every second and retains them when cancelled.
 *
 * <p>Its sink routes every event once across failures and restores from a checkpoint or savepoint
 * ({@link ReplaySafeSink}): each routed record carries its source partition and offset in headers; the sink stores
 * the end offsets of the filtered topics with every checkpoint, and a restored sink reads what was written after them
 * and skips those events when the restored source replays them. (Flink's Kafka sink has an exactly-once mode, but
 * flink-connector-kafka 5.0.0-2.2's transactional producer calls {@code TransactionalRequestResult.await()}, which
 * kafka-clients 4.3 no longer has.) The job must be the only writer of the filtered topics.
 *
 * <p>Usable as a {@link #define JobGraph} and as a jar entry class for {@code /jars/:id/run} (arguments: bootstrap
 * servers, optionally the source topic and the Schema Registry URL its Avro change events are decoded against).
 */
public final class RoutingJob {
  public static final String SOURCE_TOPIC = "raw-business-events";
  public static final List<String> TYPES = List.of("loan", "service", "car");
  public static final String GROUP_ID = "streamdr-routing";
  /** Header of a routed record naming the source partition it came from. */
  public static final String SOURCE_PARTITION_HEADER = "streamdr.source.partition";
  /** Header of a routed record naming the source offset it came from. */
  public static final String SOURCE_OFFSET_HEADER = "streamdr.source.offset";
  /** The header naming the source topic of a routed record. */
  public static final String SOURCE_TOPIC_HEADER = "streamdr.source.topic";

  private RoutingJob() {}

  /** The filtered topic for an event type. */
  public static String filteredTopic(String type) {
    return "filtered-" + type + "-events";
  }

  /** Adds the routing pipeline to an environment. */
  public static void define(StreamExecutionEnvironment env, String bootstrap, String sourceTopic) {
    define(env, bootstrap, List.of(sourceTopic), List.of(), ChangeEventText.json());
  }

  /**
   * Adds the routing pipeline reading every topic of {@code sourceTopics} from the earliest offset, for a region that
   * takes over routing: in the secondary, the replicated backlog ({@code us-east-1.raw-business-events}) and the
   * local topic its own Debezium writes. A change already in one of {@code routedElsewhere} (the primary's filtered
   * topics as replicated to this region, read when the sink starts), or routed by this job already, is not routed
   * again, by its {@linkplain #changeId identity} (the LSN Debezium records), so consumers reading both see each change
   * once even when the secondary's Debezium captures again what the primary's had captured.
   */
  public static void define(StreamExecutionEnvironment env, String bootstrap, List<String> sourceTopics, List<String> routedElsewhere) {
    define(env, bootstrap, sourceTopics, routedElsewhere, ChangeEventText.json());
  }

  /**
   * The same, reading the change events as {@code events} renders them: Debezium's JSON, or its Avro decoded against the
   * region's Schema Registry. The routed records keep the bytes they came with (and so their schema ids).
   */
  public static void define(StreamExecutionEnvironment env, String bootstrap, List<String> sourceTopics, List<String> routedElsewhere,
      ChangeEventText events) {
    env.enableCheckpointing(1000);
    // a cancelled or failed job leaves its newest checkpoints to restore from
    env.getCheckpointConfig().setExternalizedCheckpointRetention(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    env.setParallelism(1);
    KafkaSource<Routed> source = KafkaSource.<Routed>builder()
        .setBootstrapServers(bootstrap)
        .setTopics(sourceTopics)
        .setGroupId(GROUP_ID)
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setDeserializer(new Deserializer(events))
        .setProperty("isolation.level", "read_committed")
        .build();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "raw-business-events").uid("source-raw-business-events")
        .sinkTo(new ReplaySafeSink(bootstrap, routedElsewhere, events)).uid("sink-filtered-events");
  }

  public static void main(String[] args) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    define(env, args[0], List.of(args.length > 1 ? args[1] : SOURCE_TOPIC), List.of(),
        args.length > 2 ? ChangeEventText.withRegistry(args[2]) : ChangeEventText.json());
    env.execute("routing");
  }

  /** A routed event: type, key, value, timestamp, source partition, source offset, source topic. */
  public static final class Routed extends Tuple7<String, byte[], byte[], Long, Integer, Long, String> {
    public Routed() {}

    Routed(String type, byte[] key, byte[] value, long timestamp, int partition, long offset, String topic) {
      super(type, key, value, timestamp, partition, offset, topic);
    }

    String sourceId() {
      return f6 + ":" + f4 + ":" + f5;
    }
  }

  // JSON as Debezium's JsonConverter writes it, and Avro's rendering of a record (a space after each colon)
  private static final Pattern EVENT_TYPE = Pattern.compile("\"after\":\\s?\\{[^}]*\"event_type\":\\s?\"([a-z]+)\"");

  private static final Pattern SOURCE_LSN = Pattern.compile("\"source\":\\s?\\{[^}]*\"lsn\":\\s?(\\d+)");

  /**
   * What identifies a change, whoever captured it: the LSN of its WAL record from the Debezium event's source block
   * (a change captured again from the replication slot by another connector carries the same LSN but a new capture
   * time), or the whole value for events without one.
   */
  static String changeId(byte[] value, ChangeEventText events) {
    String v = events.of(value);
    Matcher m = SOURCE_LSN.matcher(v);
    return m.find() ? "lsn:" + m.group(1) : "value:" + v;
  }

  /** The event type of a Debezium change event, or null if it has none or an unknown one. */
  static String eventType(byte[] value, ChangeEventText events) {
    if (value == null) {
      return null;
    }
    Matcher m = EVENT_TYPE.matcher(events.of(value));
    return m.find() && TYPES.contains(m.group(1)) ? m.group(1) : null;
  }

  /** Routed events with their source coordinates; records of no known type are dropped here. */
  static final class Deserializer implements KafkaRecordDeserializationSchema<Routed> {
    private final ChangeEventText events;

    Deserializer(ChangeEventText events) {
      this.events = events;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Routed> out) {
      String type = eventType(record.value(), events);
      if (type != null) {
        out.collect(new Routed(type, record.key(), record.value(), record.timestamp(), record.partition(), record.offset(), record.topic()));
      }
    }

    @Override
    public TypeInformation<Routed> getProducedType() {
      return TypeInformation.of(new TypeHint<Routed>() {});
    }
  }

  /**
   * Writes routed events to their filtered topics (acks=all, idempotent producer, flushed on every checkpoint) and
   * never twice across a restore: its checkpointed state is the end offsets of the filtered topics after the flush.
   */
  static final class ReplaySafeSink implements Sink<Routed>, SupportsWriterState<Routed, Map<TopicPartition, Long>> {
    private final String bootstrap;
    private final List<String> routedElsewhere;
    private final ChangeEventText events;

    ReplaySafeSink(String bootstrap, List<String> routedElsewhere, ChangeEventText events) {
      this.bootstrap = bootstrap;
      this.routedElsewhere = List.copyOf(routedElsewhere);
      this.events = events;
    }

    @Override
    public Writer createWriter(WriterInitContext context) {
      return new Writer(bootstrap, Set.of(), routedElsewhere.isEmpty() ? null : routedValues(bootstrap, routedElsewhere, events), events);
    }

    @Override
    public StatefulSinkWriter<Routed, Map<TopicPartition, Long>> restoreWriter(WriterInitContext context,
        Collection<Map<TopicPartition, Long>> states) throws IOException {
      Map<TopicPartition, Long> from = new HashMap<>();
      states.forEach(from::putAll);
      return new Writer(bootstrap, writtenSince(bootstrap, from), routedElsewhere.isEmpty() ? null
          : routedValues(bootstrap, routedElsewhere, events), events);
    }

    @Override
    public SimpleVersionedSerializer<Map<TopicPartition, Long>> getWriterStateSerializer() {
      return new OffsetsSerializer();
    }

    /** The source coordinates of every record written to the filtered topics at or after {@code from}. */
    static Set<String> writtenSince(String bootstrap, Map<TopicPartition, Long> from) {
      Set<String> written = new HashSet<>();
      readToEnd(bootstrap, from, r -> {
        Header t = r.headers().lastHeader(SOURCE_TOPIC_HEADER);
        Header p = r.headers().lastHeader(SOURCE_PARTITION_HEADER);
        Header o = r.headers().lastHeader(SOURCE_OFFSET_HEADER);
        if (t != null && p != null && o != null) {
          written.add(new String(t.value(), StandardCharsets.UTF_8) + ":" + new String(p.value(), StandardCharsets.US_ASCII) + ":"
              + new String(o.value(), StandardCharsets.US_ASCII));
        }
      });
      return written;
    }

    /** The change identity of every record in {@code topics}, read from their start to their end now. */
    static Set<String> routedValues(String bootstrap, List<String> topics, ChangeEventText events) {
      Set<String> values = new HashSet<>();
      if (topics.isEmpty()) {
        return values;
      }
      Map<TopicPartition, Long> from = new HashMap<>();
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(bootstrap), new ByteArrayDeserializer(),
          new ByteArrayDeserializer())) {
        for (String topic : topics) {
          consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(i -> from.put(new TopicPartition(topic, i.partition()), 0L));
        }
      }
      readToEnd(bootstrap, from, r -> {
        if (r.value() != null) {
          values.add(changeId(r.value(), events));
        }
      });
      return values;
    }

    private static void readToEnd(String bootstrap, Map<TopicPartition, Long> from, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
      if (from.isEmpty()) {
        return;
      }
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(bootstrap), new ByteArrayDeserializer(),
          new ByteArrayDeserializer())) {
        consumer.assign(from.keySet());
        from.forEach(consumer::seek);
        Map<TopicPartition, Long> end = consumer.endOffsets(from.keySet(), Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (from.keySet().stream().anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(30)) < end.get(tp))) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("Could not read " + from.keySet() + " to their end to find events already routed");
          }
          consumer.poll(Duration.ofMillis(200)).forEach(each);
        }
      }
    }

    static Properties consumerConfig(String bootstrap) {
      Properties c = new Properties();
      c.put("bootstrap.servers", bootstrap);
      c.put("enable.auto.commit", "false");
      c.put("client.id", "streamdr-routing-replay-check");
      return c;
    }
  }

  /** The sink's writer; see {@link ReplaySafeSink}. */
  static final class Writer implements StatefulSinkWriter<Routed, Map<TopicPartition, Long>> {
    private final Set<String> alreadyWritten;
    /** Change identities routed by the region taken over from, then by this writer; null when not taking over. */
    private final Set<String> routedElsewhere;
    private final KafkaProducer<byte[], byte[]> producer;
    /** Reads the filtered topics' end offsets at each checkpoint; created once, not per checkpoint. */
    private final KafkaConsumer<byte[], byte[]> offsets;
    private List<TopicPartition> partitions;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final ChangeEventText events;

    Writer(String bootstrap, Set<String> alreadyWritten, Set<String> routedElsewhere, ChangeEventText events) {
      this.alreadyWritten = new HashSet<>(alreadyWritten);
      this.routedElsewhere = routedElsewhere;
      this.events = events;
      Properties p = new Properties();
      p.put("bootstrap.servers", bootstrap);
      p.put("acks", "all");
      p.put("enable.idempotence", "true");
      p.put("client.id", "streamdr-routing-sink");
      this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
      this.offsets = new KafkaConsumer<>(ReplaySafeSink.consumerConfig(bootstrap), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void write(Routed e, Context context) throws IOException {
      rethrow();
      if (!alreadyWritten.isEmpty() && alreadyWritten.remove(e.sourceId())) {
        return; // routed before the failure, after the checkpoint this job was restored from
      }
      if (routedElsewhere != null && !routedElsewhere.add(changeId(e.f2, events))) {
        return; // this change was routed already: by the region taken over from, or captured twice and routed here
      }
      ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(filteredTopic(e.f0), null, e.f3, e.f1, e.f2);
      record.headers().add(SOURCE_PARTITION_HEADER, String.valueOf(e.f4).getBytes(StandardCharsets.US_ASCII));
      record.headers().add(SOURCE_OFFSET_HEADER, String.valueOf(e.f5).getBytes(StandardCharsets.US_ASCII));
      record.headers().add(SOURCE_TOPIC_HEADER, e.f6.getBytes(StandardCharsets.UTF_8));
      producer.send(record, (metadata, ex) -> {
        if (ex != null) {
          failure.compareAndSet(null, ex);
        }
      });
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
      producer.flush();
      rethrow();
    }

    @Override
    public List<Map<TopicPartition, Long>> snapshotState(long checkpointId) throws IOException {
      producer.flush();
      rethrow();
      if (partitions == null) {
        partitions = new ArrayList<>();
        for (String type : TYPES) {
          producer.partitionsFor(filteredTopic(type)).forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
        }
      }
      return List.of(new HashMap<>(offsets.endOffsets(partitions, Duration.ofSeconds(30))));
    }

    private void rethrow() throws IOException {
      Exception e = failure.get();
      if (e != null) {
        throw new IOException("Routing to the filtered topics failed: " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      producer.close(Duration.ofSeconds(30));
      offsets.close();
    }
  }

  /** The sink's state: topic, partition and end offset of every filtered-topic partition. */
  static final class OffsetsSerializer implements SimpleVersionedSerializer<Map<TopicPartition, Long>> {
    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(Map<TopicPartition, Long> offsets) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeInt(offsets.size());
        for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
          out.writeUTF(e.getKey().topic());
          out.writeInt(e.getKey().partition());
          out.writeLong(e.getValue());
        }
      }
      return bytes.toByteArray();
    }

    @Override
    public Map<TopicPartition, Long> deserialize(int version, byte[] serialized) throws IOException {
      if (version != 1) {
        throw new IOException("Unknown routing sink state version " + version);
      }
      Map<TopicPartition, Long> out = new HashMap<>();
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
          out.put(new TopicPartition(in.readUTF(), in.readInt()), in.readLong());
        }
      }
      return out;
    }
  }
}
