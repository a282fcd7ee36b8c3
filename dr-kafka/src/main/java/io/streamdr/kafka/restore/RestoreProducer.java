package io.streamdr.kafka.restore;

import io.streamdr.core.DrInterruptedException;
import io.streamdr.core.OperationFailedException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.internal.Concurrency;
import io.streamdr.core.progress.ProgressTracker;
import io.streamdr.kafka.backup.BackupChain;
import io.streamdr.kafka.backup.BackupManifest;
import io.streamdr.kafka.backup.BackupRecord;
import io.streamdr.kafka.backup.PartitionRecords;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a restore's records: each partition's records after those its target already holds, in order, with key,
 * value, headers and timestamp, to the original partition; and where each stored group offset lands on the target.
 */
final class RestoreProducer {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreProducer.class);
  private final RestoreRequest request;

  RestoreProducer(RestoreRequest request) {
    this.request = request;
  }

  /** The offsets the last backup stored for each group on one partition. */
  private static Map<String, Long> groupOffsets(BackupManifest last, String topic, int partition) {
    Map<String, Long> out = new TreeMap<>();
    if (last.groups() != null) {
      last.groups().forEach((group, topics) -> {
        Long offset = topics.getOrDefault(topic, Map.of()).get(partition);
        if (offset != null) {
          out.put(group, offset);
        }
      });
    }
    return out;
  }

  /** What producing one partition did, and the offsets its stored group offsets map to on the target. */
  record Produced(RestoreReport.PartitionRestore result, Map<String, Long> groupOffsets) {}

  /** The first send the producer reported as failed, with the partition it was for. */
  private record SendFailure(String topic, int partition, Exception cause) {}

  /**
   * Produces the partitions, up to {@link TopicRestore.Builder#parallelism(int)} at once through the caller's producer
   * (which the caller closes), so each produce request carries batches of several partitions and every leader broker
   * is written at the same time. Pipelined, each partition's segments are verified just before it is produced. The
   * first failure stops the others where they are (each resumable); it is thrown once every partition has stopped
   * and the producer has flushed.
   */
  List<Produced> produceAll(Producer<byte[], byte[]> producer, BackupChain chain, RestorePlan plan, ProgressTracker tracker) {
    ExecutorService producers = Executors.newFixedThreadPool(
        Math.max(1, Math.min(request.parallelism(), plan.partitions().size())), Concurrency.daemon("streamdr-restore-produce"));
    AtomicReference<SendFailure> sendFailure = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Future<Produced>> futures = new ArrayList<>();
    RuntimeException first = null;
    try {
      for (RestorePlan.PartitionPlan task : plan.partitions()) {
        futures.add(producers.submit(() -> {
          try {
            if (request.pipelined()) {
              chain.verify(task.sourceTopic(), task.partition());
            }
            if (stop.get()) {
              return null;
            }
            Produced p = produce(producer, chain, task, groupOffsets(chain.last(), task.sourceTopic(), task.partition()), sendFailure, stop, tracker);
            tracker.partitionDone();
            return p;
          } catch (RuntimeException e) {
            stop.set(true);
            throw e;
          }
        }));
      }
      List<Produced> out = new ArrayList<>();
      for (Future<Produced> f : futures) {
        try {
          out.add(f.get());
        } catch (ExecutionException e) {
          RuntimeException cause = e.getCause() instanceof RuntimeException r ? r
              : new OperationFailedException("Restoring a partition of %s failed: %s".formatted(request.backupId(), e.getCause()), e.getCause());
          first = first == null ? cause : first;
        } catch (InterruptedException e) {
          stop.set(true);
          throw new DrInterruptedException("restoring " + request.backupId(), e);
        }
      }
      producer.flush();
      if (first != null) {
        throw first;
      }
      SendFailure failed = sendFailure.get();
      if (failed != null) {
        throw new OperationFailedException(ResourceType.TOPIC, failed.topic(), "Producing to %s-%d failed: %s; run the same restore again to resume without duplicates"
            .formatted(failed.topic(), failed.partition(), failed.cause().getMessage()), failed.cause(), true);
      }
      return out;
    } finally {
      stop.set(true);
      producers.shutdown();
    }
  }

  /**
   * Produces one partition's records after the {@code held} ones the target already has, in order. Stops early when
   * {@code stop} is set (another partition failed); what it sent stays, and a new run resumes after it.
   */
  private Produced produce(Producer<byte[], byte[]> producer, BackupChain chain, RestorePlan.PartitionPlan task,
      Map<String, Long> groupSource, AtomicReference<SendFailure> sendFailure, AtomicBoolean stop,
      ProgressTracker tracker) {
    String topic = task.sourceTopic();
    int partition = task.partition();
    String target = task.targetTopic();
    long base = task.state() == RestorePlan.TargetState.NEW_TOPIC ? 0 : startOfRestored(task);
    long already = task.held();
    long index = 0; // position in the restored sequence = target offset - base
    long produced = 0;
    Map<String, Long> mapped = new TreeMap<>();
    // the groups whose stored offset no record reached yet: checked per record only while there are some
    Map<String, Long> unmapped = new HashMap<>(groupSource);
    long cut;
    // one callback for every send of the partition, not one per record
    Callback failed = (md, e) -> {
      if (e != null) {
        sendFailure.compareAndSet(null, new SendFailure(target, partition, e));
      }
    };
    try (PartitionRecords records = chain.records(topic, partition, request.pointInTime())) {
      while (!stop.get() && sendFailure.get() == null && records.hasNext()) {
        BackupRecord r = records.next();
        if (!unmapped.isEmpty()) {
          long at = base + index;
          unmapped.entrySet().removeIf(g -> {
            if (r.offset() < g.getValue()) {
              return false;
            }
            mapped.put(g.getKey(), at);
            return true;
          });
        }
        if (index >= already) {
          producer.send(new ProducerRecord<>(target, partition, r.timestamp(), r.key(), r.value(), headers(r)), failed);
          produced++;
          tracker.add(1, (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length));
        }
        index++;
      }
      cut = records.cutByTime();
    }
    Map<String, Long> groupOffsets = new TreeMap<>();
    for (String group : groupSource.keySet()) {
      groupOffsets.put(group, mapped.getOrDefault(group, base + index));
    }
    if (stop.get() || sendFailure.get() != null) {
      LOG.info("Stopped restoring {}-{} -> {}-{} after {} produced: the restore failed", topic, partition, target, partition, produced);
    } else {
      LOG.info("Restored {}-{} -> {}-{}: {} produced, {} already there, {} after the point in time", topic, partition, target,
          partition, produced, Math.min(already, index), cut);
    }
    return new Produced(new RestoreReport.PartitionRestore(topic, target, partition, produced, Math.min(already, index), cut), groupOffsets);
  }

  /**
   * A record's headers for the producer, in order, in a list of exactly their size, which the producer record copies
   * once; null for none, which costs the producer record no copy at all (an empty {@code RecordHeaders} per record,
   * copied again by the producer record, was most of what the restore's sending threads spent outside
   * {@code send} in a profile of records without headers).
   */
  private static List<Header> headers(BackupRecord r) {
    List<Map.Entry<String, byte[]>> stored = r.headers();
    int n = stored.size();
    if (n == 0) {
      return null;
    }
    ArrayList<Header> out = new ArrayList<>(n); // of a java.util.ArrayList, the producer record makes one copy
    for (int i = 0; i < n; i++) {
      Map.Entry<String, byte[]> h = stored.get(i);
      out.add(new RecordHeader(h.getKey(), h.getValue()));
    }
    return out;
  }

  /** The target offset of the restore's first record in a partition that exists: where the restored sequence starts. */
  private static long startOfRestored(RestorePlan.PartitionPlan task) {
    return switch (task.state()) {
      case EMPTY -> task.targetEnd();
      case PREFIX, COMPLETE -> task.targetStart();
      case APPEND -> task.targetEnd() - task.held();
      default -> task.targetEnd();
    };
  }
}
