package io.streamdr.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of this process, split by who spent it: the benchmark's own thread (the consumer), the broker, the garbage
 * collector, the JIT compiler, other live threads, and threads that ended during the measurement (a backup's writers,
 * and its admin client).
 * The split reads {@code /proc/self/task/*}/stat, so it is Linux only; elsewhere everything but the total is "ended".
 */
final class CpuUse {
  static final List<String> GROUPS = List.of("consumer", "ended threads", "broker", "gc", "jit", "other");
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

  /** Thread names as Linux shows them (the JVM's names, cut to 15 characters). */
  private static String group(String name) {
    if (name.equals("main") || name.equals("java")) { // the launcher's thread keeps the name "java"
      return "consumer";
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
