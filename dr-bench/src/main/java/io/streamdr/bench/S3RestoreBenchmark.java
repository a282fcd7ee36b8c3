package io.streamdr.bench;

import io.streamdr.aws.S3BackupTarget;
import io.streamdr.core.backup.BackupTarget;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import io.streamdr.testkit.EmbeddedS3;
import io.streamdr.testkit.FaultProxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A restore from S3 (S3Proxy, in this process, over loopback) with and without its local copy of the segments it
 * verified: without it every segment is downloaded twice, to verify and then to produce. The baseline is the bare
 * idempotent acks=all producer of BackupBenchmark sending the same records, built before timing, into a topic
 * created before it is timed. One embedded broker; the methods interleaved in every round, the first round a warm-up
 * not counted; CPU accounted as in {@link CpuUse} (S3Proxy's threads count under "other"). Given a bandwidth per
 * connection in MB/s and a one-way latency in ms, the restores reach S3 through a {@link FaultProxy} that imposes them,
 * as a link to a bucket in another region would.
 *
 * <p>Usage: {@code java -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.S3RestoreBenchmark
 * [random|json, default random] [records, default 300000] [rounds, default 5] [MB/s per connection, default none]
 * [one-way latency ms, default 0]}
 */
public final class S3RestoreBenchmark {
  private static final String BARE = "bare producer (topic created before)";

  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    String dataset = args.length > 0 ? args[0] : "random";
    int records = args.length > 1 ? Integer.parseInt(args[1]) : 300_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    double linkMbps = args.length > 3 ? Double.parseDouble(args[3]) : 0;
    long latencyMs = args.length > 4 ? Long.parseLong(args[4]) : 0;
    try (EmbeddedS3 s3 = EmbeddedS3.create(); EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().name("bench").build()) {
      s3.start();
      s3.createBucket("backups");
      kafka.start();
      String topic = "s3-" + dataset;
      kafka.createTopic(topic, BackupBenchmark.PARTITIONS, 1, Map.of("retention.ms", "-1"));
      double mb = BackupBenchmark.produce(kafka, topic, dataset, records) / 1e6;
      BackupManifest backup = TopicBackup.builder(kafka.clientConfig(), S3BackupTarget.builder(s3.client(), "backups").prefix("bench").build())
          .topics(List.of(topic)).build().full("s3");
      FaultProxy link = null;
      S3Client client = s3.client();
      if (linkMbps > 0 || latencyMs > 0) {
        link = FaultProxy.to("s3-link", s3.endpoint().toString()).bandwidth((long) (linkMbps * 1e6)).latency(Duration.ofMillis(latencyMs));
        client = S3Client.builder().endpointOverride(URI.create(link.url(s3.endpoint().toString()))).region(Region.US_EAST_1)
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)))
            .forcePathStyle(true).build();
      }
      BackupTarget target = S3BackupTarget.builder(client, "backups").prefix("bench").build();
      long stored = backup.topics().stream().flatMap(t -> t.partitions().stream()).flatMap(p -> p.segments().stream())
          .mapToLong(BackupManifest.SegmentEntry::bytes).sum();
      Path copies = Files.createTempDirectory("streamdr-s3-restore");
      Map<String, List<CpuUse.Run>> runs = new LinkedHashMap<>();
      for (int round = 0; round <= rounds; round++) {
        List<String> created = new ArrayList<>();
        String bareTopic = topic + "-bare-" + round;
        kafka.createTopic(bareTopic, BackupBenchmark.PARTITIONS, 1, Map.of("retention.ms", "-1"));
        created.add(bareTopic);
        List<ProducerRecord<byte[], byte[]>> pregenerated = BackupBenchmark.generate(bareTopic, dataset, records);
        CpuUse.measure(runs, round, BARE, mb, () -> BackupBenchmark.sendAll(kafka, pregenerated));
        for (boolean copy : List.of(false, true)) {
          String restored = topic + "-restored-" + round + (copy ? "-copy" : "-twice");
          created.add(restored);
          CpuUse.measure(runs, round, copy ? "TopicRestore from S3, local copy" : "TopicRestore from S3, downloading twice (default)", mb,
              () -> {
                TopicRestore.Builder b = TopicRestore.builder(kafka.clientConfig(), target, backup.id()).rename(topic, restored);
                if (copy) {
                  b.localCopyDirectory(copies);
                }
                long produced = b.build().run().produced();
                if (produced != records) {
                  throw new IllegalStateException("TopicRestore produced " + produced + " records, expected " + records);
                }
              });
        }
        try (var admin = kafka.admin()) {
          admin.deleteTopics(created).all().get();
        }
      }
      System.out.printf(Locale.ROOT, "%n%s: %,d records, %.1f MB, %.1f MB stored in S3, %s, %d rounds after a warm-up (medians), %d cores%n",
          dataset, records, mb, stored / 1e6, link == null ? "S3 over loopback" : "S3 through a link of %.0f MB/s per connection, %d ms each way"
              .formatted(linkMbps, latencyMs), rounds, Runtime.getRuntime().availableProcessors());
      CpuUse.print(runs, BARE, "main");
      if (link != null) {
        client.close();
        link.close();
      }
      Files.deleteIfExists(copies); // each restore deleted its own copies
    }
  }
}
