package io.streamdr.bench;

import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Child process of {@link BackupBenchmark}: runs one backup and prints its peak heap use. */
public final class BackupHeapProbe {
  public static void main(String[] args) {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    BackupManifest m = TopicBackup.builder(Map.of("bootstrap.servers", args[0]), new FileSystemBackupTarget(Path.of(args[2])))
        .topics(List.of(args[1])).build().full("heap-probe");
    m.topics().forEach(t -> t.partitions().forEach(p -> System.err.printf("partition %d: [%d, %d) %d records%n",
        p.partition(), p.startOffset(), p.endOffset(), p.records())));
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    System.out.printf("%,d records backed up; peak heap used (sum of pool peaks) %d MiB of max %d MiB%n", m.records(),
        peak >> 20, Runtime.getRuntime().maxMemory() >> 20);
  }
}
