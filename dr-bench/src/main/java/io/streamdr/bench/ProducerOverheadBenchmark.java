package io.streamdr.bench;

import io.streamdr.core.fake.InMemoryActiveRegionStore;
import io.streamdr.core.region.DefaultRegionRouter;
import io.streamdr.core.region.Region;
import io.streamdr.core.region.RegionTopology;
import io.streamdr.kafka.region.RegionAwareProducer;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The cost of {@link RegionAwareProducer} on the send path, against a plain {@link KafkaProducer} measured in the same
 * run on one embedded broker: both send the same small records (100 B, where per-record overhead weighs most) with
 * {@code acks=all} and idempotence, and the methods alternate round by round (the machines are noisy). Reports, per
 * method, the median throughput until flush and the median CPU time the sending thread spent per {@code send()}, and
 * the ratios.
 *
 * <p>Usage: {@code java -Xms2g -Xmx2g -XX:+UseParallelGC -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.ProducerOverheadBenchmark [records, default 1000000] [rounds, default 9]}
 */
public final class ProducerOverheadBenchmark {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private record Run(double recordsPerSecond, double cpuNanosPerSend) {}

  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 9;
    try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().name("bench").build()) {
      kafka.start();
      kafka.createTopic("overhead", 6, 1, Map.of());
      Map<String, Object> config = new HashMap<>(kafka.clientConfig());
      config.put("acks", "all");
      config.put("enable.idempotence", true);
      config.put("linger.ms", 5);
      RegionTopology topology = RegionTopology.of(Region.of("us-east-1", kafka.bootstrapServers()),
          Region.of("us-west-2", kafka.bootstrapServers()));
      DefaultRegionRouter router = new DefaultRegionRouter(topology, new InMemoryActiveRegionStore());
      byte[][] keys = new byte[1024][];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = ("key-" + i).getBytes();
      }
      byte[] value = new byte[100];
      Map<String, List<Run>> runs = new LinkedHashMap<>();
      // warm-up: both paths compiled by the JIT before anything is measured
      for (int i = 0; i < 2; i++) {
        runOnce(new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()), keys, value, records / 2);
        runOnce(RegionAwareProducer.<byte[], byte[]>builder(router, config)
            .serializers(ByteArraySerializer::new, ByteArraySerializer::new).build(), keys, value, records / 2);
      }
      for (int round = 0; round < rounds; round++) {
        // alternate which goes first, so a slow moment of the machine does not always hit the same method
        List<String> order = round % 2 == 0 ? List.of("plain", "region-aware") : List.of("region-aware", "plain");
        for (String method : order) {
          Producer<byte[], byte[]> producer = method.equals("plain")
              ? new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())
              : RegionAwareProducer.<byte[], byte[]>builder(router, config)
                  .serializers(ByteArraySerializer::new, ByteArraySerializer::new).build();
          runs.computeIfAbsent(method, k -> new ArrayList<>()).add(runOnce(producer, keys, value, records));
        }
      }
      Run plain = median(runs.get("plain"));
      Run aware = median(runs.get("region-aware"));
      System.out.printf(Locale.ROOT, "%n== %,d records of 100 B per run, %d rounds, medians%n", records, rounds);
      System.out.printf(Locale.ROOT, "| producer | records/s | CPU ns per send() |%n|---|---:|---:|%n");
      System.out.printf(Locale.ROOT, "| plain KafkaProducer | %,.0f | %.0f |%n", plain.recordsPerSecond(), plain.cpuNanosPerSend());
      System.out.printf(Locale.ROOT, "| RegionAwareProducer | %,.0f | %.0f |%n", aware.recordsPerSecond(), aware.cpuNanosPerSend());
      System.out.printf(Locale.ROOT, "throughput ratio (region-aware / plain): %.3f%n", aware.recordsPerSecond() / plain.recordsPerSecond());
      System.out.printf(Locale.ROOT, "send-path CPU ratio (region-aware / plain): %.3f%n", aware.cpuNanosPerSend() / plain.cpuNanosPerSend());
      runs.forEach((m, list) -> System.out.printf(Locale.ROOT, "rounds %s: %s%n", m, list.stream()
          .map(r -> String.format(Locale.ROOT, "%.0f rec/s %.0f ns", r.recordsPerSecond(), r.cpuNanosPerSend())).toList()));
    }
  }

  private static Run runOnce(Producer<byte[], byte[]> producer, byte[][] keys, byte[] value, int records) {
    java.util.concurrent.atomic.LongAdder acked = new java.util.concurrent.atomic.LongAdder();
    java.util.concurrent.atomic.AtomicReference<Exception> failure = new java.util.concurrent.atomic.AtomicReference<>();
    org.apache.kafka.clients.producer.Callback callback = (md, e) -> {
      if (e == null) {
        acked.increment();
      } else {
        failure.compareAndSet(null, e);
      }
    };
    try (producer) {
      long cpu0 = THREADS.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      for (int i = 0; i < records; i++) {
        producer.send(new ProducerRecord<>("overhead", keys[i & 1023], value), callback);
      }
      long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
      producer.flush();
      long elapsed = System.nanoTime() - t0;
      if (acked.sum() != records) {
        throw new IllegalStateException("%s: only %d of %d records acknowledged; first failure: %s"
            .formatted(producer, acked.sum(), records, failure.get()));
      }
      return new Run(records / (elapsed / 1e9), cpu / (double) records);
    }
  }

  private static Run median(List<Run> runs) {
    List<Double> rate = runs.stream().map(Run::recordsPerSecond).sorted().toList();
    List<Double> cpu = runs.stream().map(Run::cpuNanosPerSend).sorted().toList();
    return new Run(rate.get(rate.size() / 2), cpu.get(cpu.size() / 2));
  }
}
