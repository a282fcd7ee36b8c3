package io.streamdr.bench;

import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import io.streamdr.kafka.restore.TopicRestore;
import io.streamdr.kafka.verify.KafkaIntegrityVerifier;
import io.streamdr.testkit.EmbeddedKafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Backup, restore and verify at every size, against their baselines measured in the same rounds: the bare
 * KafkaConsumer poll loop (the read limit), kcat if installed, the bare idempotent producer into a topic created
 * before it is timed, and the same producer into a topic it creates and waits for (as a restore into a new topic
 * must). For each size and data
 * set (JSON change events, random bytes) every method runs once per round, interleaved, and the median of the rounds
 * is kept. Then, per method, a least-squares fit of time against bytes gives its fixed cost (the intercept, paid by
 * every run however small) and its cost per GB (the slope). Writes an SVG plot of time against size per method.
 *
 * <pre>
 * java -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.SizeSweepBenchmark [sizes] [rounds] [svg]
 *   sizes   comma-separated record counts (default 10000,100000,300000,1000000)
 *   rounds  rounds per size (default 3)
 *   svg     where to write the plot (default size-sweep.svg)
 * </pre>
 */
public final class SizeSweepBenchmark {
  private static final List<String> METHODS = List.of("bare poll", "kcat", "backup", "bare producer", "create + bare producer", "restore",
      "verify");

  /** One data point: a method at one size, the median time. */
  record Point(String dataset, String method, int records, double bytes, double seconds) {}

  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    List<Integer> sizes = args.length > 0 ? java.util.Arrays.stream(args[0].split(",")).map(Integer::parseInt).toList()
        : List.of(10_000, 100_000, 300_000, 1_000_000);
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path svg = Path.of(args.length > 2 ? args[2] : "size-sweep.svg");
    Path kcat = BackupBenchmark.which("kcat");
    Path work = Files.createTempDirectory("streamdr-sweep");
    List<Point> points = new ArrayList<>();
    try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().name("sweep").build()) {
      BackupBenchmark.quiet(kafka::start);
      int topicNo = 0;
      for (String dataset : List.of("json", "random")) {
        for (int records : sizes) {
          String topic = "sweep-" + dataset + "-" + records;
          kafka.createTopic(topic, BackupBenchmark.PARTITIONS, 1, Map.of("retention.ms", "-1"));
          double bytes = BackupBenchmark.produce(kafka, topic, dataset, records);
          Map<String, List<Double>> times = new LinkedHashMap<>();
          for (int round = 1; round <= rounds; round++) {
            int n = ++topicNo;
            time(times, "bare poll", () -> BackupBenchmark.bareConsume(kafka, topic, records));
            if (kcat != null) {
              time(times, "kcat", () -> BackupBenchmark.run(List.of(kcat.toString(), "-b", kafka.bootstrapServers(), "-C", "-t", topic,
                  "-o", "beginning", "-e", "-q", "-f", "%k\\t%s\\n"), work.resolve("kcat.out")));
            }
            FileSystemBackupTarget target = new FileSystemBackupTarget(work.resolve("b" + n));
            BackupManifest[] m = new BackupManifest[1];
            time(times, "backup", () -> m[0] = TopicBackup.builder(kafka.clientConfig(), target).topics(List.of(topic)).build().full("s"));
            check(m[0].records() == records, "backup stored " + m[0].records());
            String bareTopic = "bare-" + n;
            kafka.createTopic(bareTopic, BackupBenchmark.PARTITIONS, 1, Map.of("retention.ms", "-1"));
            List<ProducerRecord<byte[], byte[]>> pre = BackupBenchmark.generate(bareTopic, dataset, records);
            time(times, "bare producer", () -> BackupBenchmark.sendAll(kafka, pre));
            // what a restore into a new topic cannot avoid: the topic created and ready, then the same sending
            String createdTopic = "created-" + n;
            List<ProducerRecord<byte[], byte[]>> into = BackupBenchmark.generate(createdTopic, dataset, records);
            time(times, "create + bare producer", () -> {
              TopicReadyBenchmark.createAndAwait(kafka, createdTopic, BackupBenchmark.PARTITIONS, TopicReadyBenchmark.RESTORE_BACKOFF_MS);
              BackupBenchmark.sendAll(kafka, into);
            });
            String copy = "restored-" + n;
            long[] produced = new long[1];
            time(times, "restore", () -> produced[0] = TopicRestore.builder(kafka.clientConfig(), target, "s").rename(topic, copy).build()
                .run().produced());
            check(produced[0] == records, "restore produced " + produced[0]);
            boolean[] passed = new boolean[1];
            time(times, "verify", () -> passed[0] = new KafkaIntegrityVerifier(Map.of("k", kafka.clientConfig()))
                .verify(VerificationRequest.builder("k", "k").topics(topic).naming(t -> copy).build()).passed());
            check(passed[0], "verification failed");
            BackupBenchmark.deleteTree(work.resolve("b" + n));
            try (var admin = kafka.admin()) {
              admin.deleteTopics(List.of(bareTopic, createdTopic, copy)).all().get();
            }
          }
          for (Map.Entry<String, List<Double>> e : times.entrySet()) {
            points.add(new Point(dataset, e.getKey(), records, bytes, BackupBenchmark.median(e.getValue())));
          }
          System.out.printf(Locale.ROOT, "%-6s %,9d records %7.1f MB: %s%n", dataset, records, bytes / 1e6, times.entrySet().stream()
              .map(e -> "%s %.3f s".formatted(e.getKey(), BackupBenchmark.median(e.getValue()))).toList());
        }
      }
    } finally {
      BackupBenchmark.deleteTree(work);
    }
    report(points, sizes);
    Files.writeString(svg, plot(points));
    System.out.println("\nplot: " + svg.toAbsolutePath());
  }

  private static void time(Map<String, List<Double>> times, String method, BackupBenchmark.Body body) throws Exception {
    System.gc();
    times.computeIfAbsent(method, k -> new ArrayList<>()).add(BackupBenchmark.secondsOf(body));
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }

  private static Point at(List<Point> points, String dataset, String method, int records) {
    return points.stream().filter(p -> p.dataset().equals(dataset) && p.method().equals(method) && p.records() == records)
        .findFirst().orElse(null);
  }

  /** Ratios per size (throughput of StreamDR over its baseline) and, per method, the fit of time against bytes. */
  static void report(List<Point> points, List<Integer> sizes) {
    for (String dataset : List.of("json", "random")) {
      System.out.printf(Locale.ROOT, "%n== %s: throughput ratios (above 1: faster than the baseline)%n", dataset);
      System.out.printf(Locale.ROOT, "%10s %10s %16s %16s %22s %31s %16s%n", "records", "MB", "backup/bare poll", "backup/kcat",
          "restore/bare producer", "restore/(create + bare producer)", "verify/bare poll");
      for (int records : sizes) {
        Point bare = at(points, dataset, "bare poll", records);
        Point kcat = at(points, dataset, "kcat", records);
        Point backup = at(points, dataset, "backup", records);
        Point producer = at(points, dataset, "bare producer", records);
        Point created = at(points, dataset, "create + bare producer", records);
        Point restore = at(points, dataset, "restore", records);
        Point verify = at(points, dataset, "verify", records);
        System.out.printf(Locale.ROOT, "%,10d %10.1f %16.2f %16s %22.2f %31.2f %16.2f%n", records, bare.bytes() / 1e6, bare.seconds() / backup.seconds(),
            kcat == null ? "n/a" : "%.2f".formatted(kcat.seconds() / backup.seconds()), producer.seconds() / restore.seconds(),
            created.seconds() / restore.seconds(), bare.seconds() / verify.seconds());
      }
      System.out.printf(Locale.ROOT, "%n== %s: time = fixed cost + bytes x cost per GB (least squares over the sizes)%n", dataset);
      System.out.printf(Locale.ROOT, "%-22s %14s %14s%n", "method", "fixed cost s", "s per GB");
      for (String method : METHODS) {
        List<Point> line = points.stream().filter(p -> p.dataset().equals(dataset) && p.method().equals(method)).toList();
        if (line.size() < 2) {
          continue;
        }
        double[] fit = fit(line);
        System.out.printf(Locale.ROOT, "%-22s %14.3f %14.2f%n", method, fit[0], fit[1] * 1e9);
      }
    }
  }

  /** {intercept in s, slope in s per byte}. */
  static double[] fit(List<Point> line) {
    double n = line.size();
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (Point p : line) {
      sx += p.bytes();
      sy += p.seconds();
      sxx += p.bytes() * p.bytes();
      sxy += p.bytes() * p.seconds();
    }
    double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    return new double[] {(sy - slope * sx) / n, slope};
  }

  /** Time against size, one line per method and data set, linear axes so the intercepts show. */
  static String plot(List<Point> points) {
    int w = 900;
    int h = 420;
    int pad = 60;
    double maxX = points.stream().mapToDouble(Point::bytes).max().orElse(1) / 1e6;
    double maxY = points.stream().mapToDouble(Point::seconds).max().orElse(1);
    String[] colors = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#e377c2", "#9467bd", "#8c564b"};
    StringBuilder s = new StringBuilder("<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='12'>%n"
        .formatted(w * 2 + pad, h));
    int panel = 0;
    for (String dataset : List.of("json", "random")) {
      int x0 = pad + panel * w;
      s.append("<text x='%d' y='20' font-size='14'>%s: seconds against MB (median of the rounds)</text>%n".formatted(x0, dataset));
      s.append("<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='black'/>%n".formatted(x0, h - pad, x0 + w - pad, h - pad));
      s.append("<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='black'/>%n".formatted(x0, 40, x0, h - pad));
      for (int t = 0; t <= 4; t++) {
        double xv = maxX * t / 4;
        double yv = maxY * t / 4;
        int xp = x0 + (int) ((w - 2 * pad) * t / 4.0);
        int yp = h - pad - (int) ((h - pad - 40) * t / 4.0);
        s.append("<text x='%d' y='%d' text-anchor='middle'>%.0f</text>%n".formatted(xp, h - pad + 16, xv));
        s.append("<text x='%d' y='%d' text-anchor='end'>%.2f</text>%n".formatted(x0 - 6, yp + 4, yv));
      }
      int c = 0;
      for (String method : METHODS) {
        List<Point> line = points.stream().filter(p -> p.dataset().equals(dataset) && p.method().equals(method))
            .sorted(java.util.Comparator.comparingDouble(Point::bytes)).toList();
        if (line.isEmpty()) {
          c++;
          continue;
        }
        StringBuilder path = new StringBuilder();
        for (Point p : line) {
          double xp = x0 + (w - 2 * pad) * (p.bytes() / 1e6) / maxX;
          double yp = h - pad - (h - pad - 40) * p.seconds() / maxY;
          path.append(path.length() == 0 ? "M" : " L").append("%.1f %.1f".formatted(xp, yp));
          s.append("<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>%n".formatted(xp, yp, colors[c]));
        }
        s.append("<path d='%s' fill='none' stroke='%s' stroke-width='2'/>%n".formatted(path, colors[c]));
        s.append("<text x='%d' y='%d' fill='%s'>%s</text>%n".formatted(x0 + 10, 50 + 16 * c, colors[c], method));
        c++;
      }
      panel++;
    }
    return s.append("</svg>\n").toString();
  }
}
