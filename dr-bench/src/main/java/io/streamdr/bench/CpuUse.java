package io.streamdr.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * CPU time of this process, split by who spent it: the benchmark's own thread (a backup's consumer), the broker, the garbage
 * collector, the JIT compiler, other live threads, and threads that ended during the measurement (a backup's writers,
 * and its admin client).
 * The split reads {@code /proc/self/task/*}/stat, so it is Linux only; elsewhere everything but the total is "ended".
 */
final class CpuUse {
  static final List<String> GROUPS = List.of("main", "ended threads", "broker", "gc", "jit", "other");
  /** Linux reports thread times in clock ticks of 1/100 s (USER_HZ). */
  private static final long MILLIS_PER_TICK = 10;
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final long processNanos;
  private final Map<String, Long> liveMillis;

  private CpuUse(long processNanos, Map<String, Long> liveMillis) {
    this.processNanos = processNanos;
    this.liveMillis = liveMillis;
  }

  static CpuUse now() {
    Map<String, Long> live = new LinkedHashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended while listing
        }
        int close = stat.lastIndexOf(')');
        String[] fields = stat.substring(close + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
        live.merge(group(stat.substring(stat.indexOf('(') + 1, close)), ticks * MILLIS_PER_TICK, Long::sum);
      }
    } catch (IOException | RuntimeException e) {
      live.clear();
    }
    return new CpuUse(OS.getProcessCpuTime(), live);
  }

  /** Seconds of CPU the whole process spent since {@code before}. */
  double secondsSince(CpuUse before) {
    return (processNanos - before.processNanos) / 1e9;
  }

  /** Milliseconds of CPU by group since {@code before}; what no live thread accounts for went to threads that ended. */
  Map<String, Long> millisByGroupSince(CpuUse before) {
    Map<String, Long> out = new LinkedHashMap<>();
    GROUPS.forEach(g -> out.put(g, 0L));
    long live = 0;
    for (Map.Entry<String, Long> e : liveMillis.entrySet()) {
      long spent = e.getValue() - before.liveMillis.getOrDefault(e.getKey(), 0L);
      out.merge(e.getKey(), spent, Long::sum);
      live += spent;
    }
    out.merge("ended threads", Math.max(0, (processNanos - before.processNanos) / 1_000_000 - live), Long::sum);
    return out;
  }

  /** One timed run: the megabytes it moved, its wall time, and the CPU the process spent meanwhile, in total and by group. */
  record Run(double mb, double seconds, double cpuSeconds, Map<String, Long> cpuMillis) {
    double mbPerSecond() {
      return mb / seconds;
    }

    double coresBusy() {
      return cpuSeconds / seconds;
    }

    double cpuSecondsPerGb() {
      return cpuSeconds / (mb / 1e3);
    }
  }

  /** Times {@code body} after a collection; keeps the run unless it is round 0, the warm-up. */
  static void measure(Map<String, List<Run>> runs, int round, String method, double mb, BackupBenchmark.Body body) throws Exception {
    System.gc();
    CpuUse before = now();
    long t0 = System.nanoTime();
    body.run();
    double seconds = (System.nanoTime() - t0) / 1e9;
    CpuUse after = now();
    if (round > 0) {
      runs.computeIfAbsent(method, k -> new ArrayList<>()).add(new Run(mb, seconds, after.secondsSince(before), after.millisByGroupSince(before)));
    }
  }

  private static double median(List<Run> runs, ToDoubleFunction<Run> column) {
    return BackupBenchmark.median(runs.stream().map(column::applyAsDouble).toList());
  }

  /**
   * Prints each method's median MB/s, its ratio to {@code baseline}'s, cores busy and CPU-s/GB, then CPU-s/GB by
   * thread group, the benchmark's own thread's column named {@code mainThread} (what it does there).
   */
  static void print(Map<String, List<Run>> runs, String baseline, String mainThread) {
    double base = median(runs.get(baseline), Run::mbPerSecond);
    System.out.printf(Locale.ROOT, "%-44s %13s %6s %6s %8s   %s%n", "", "", "ratio", "cores", "CPU-s/GB", "MB/s by round");
    runs.forEach((method, r) -> System.out.printf(Locale.ROOT, "%-44s %8.0f MB/s %6.2f %6.2f %8.2f   %s%n", method,
        median(r, Run::mbPerSecond), median(r, Run::mbPerSecond) / base, median(r, Run::coresBusy), median(r, Run::cpuSecondsPerGb),
        r.stream().map(x -> String.format(Locale.ROOT, "%.0f", x.mbPerSecond())).toList()));
    System.out.printf(Locale.ROOT, "%nCPU-seconds per GB by thread group, over all counted rounds:%n%-44s", "");
    GROUPS.forEach(g -> System.out.printf(Locale.ROOT, " %15s", g.equals("main") ? mainThread : g));
    System.out.println();
    runs.forEach((method, r) -> {
      double gb = r.stream().mapToDouble(Run::mb).sum() / 1e3;
      System.out.printf(Locale.ROOT, "%-44s", method);
      GROUPS.forEach(g -> System.out.printf(Locale.ROOT, " %15.2f", r.stream().mapToLong(x -> x.cpuMillis().get(g)).sum() / 1e3 / gb));
      System.out.println();
    });
  }

  /** Thread names as Linux shows them (the JVM's names, cut to 15 characters). */
  private static String group(String name) {
    if (name.equals("main") || name.equals("java")) { // the launcher's thread keeps the name "java"
      return "main";
    }
    if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")) {
      return "gc";
    }
    if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
      return "jit";
    }
    if (name.startsWith("data-plane") || name.startsWith("kafka-") && !name.startsWith("kafka-admin") && !name.startsWith("kafka-producer")
        || name.startsWith("broker-") || name.startsWith("controller-") || name.startsWith("quorum-")) {
      return "broker";
    }
    return "other";
  }
}
