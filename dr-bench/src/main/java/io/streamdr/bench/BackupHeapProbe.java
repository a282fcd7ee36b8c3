package io.streamdr.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.streamdr.core.backup.FileSystemBackupTarget;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.TopicBackup;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Child process of {@link BackupBenchmark}: runs one backup and prints its peak heap use, both as the sum of the heap
 * pools' peaks (what the collector let the heap fill to) and as the most that was still live after a collection.
 */
public final class BackupHeapProbe {
  public static void main(String[] args) {
    System.setProperty("log4j2.configurationFile", "classpath:bench-log4j2.xml");
    AtomicLong liveAfterGc = new AtomicLong();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
          GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
          long used = info.getGcInfo().getMemoryUsageAfterGc().values().stream().mapToLong(MemoryUsage::getUsed).sum();
          liveAfterGc.accumulateAndGet(used, Math::max);
        }
      }, null, null);
    }
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
    System.out.printf("%,d records backed up; peak heap used (sum of pool peaks) %d MiB of max %d MiB; most live after a "
        + "collection %d MiB%n", m.records(), peak >> 20, Runtime.getRuntime().maxMemory() >> 20, liveAfterGc.get() >> 20);
  }
}
