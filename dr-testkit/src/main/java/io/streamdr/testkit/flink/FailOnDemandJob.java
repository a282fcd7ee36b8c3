package io.streamdr.testkit.flink;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A job that counts forever and fails, for real, while a marker file exists: every record's map throws, the task
 * fails, Flink restarts it (per the cluster's restart strategy) and it fails again. Delete the file and it runs.
 * Lets tests produce genuine task failures and recoveries.
 */
public final class FailOnDemandJob {
  private FailOnDemandJob() {}

  public static void define(StreamExecutionEnvironment env, Path marker) {
    env.setParallelism(1);
    env.enableCheckpointing(1000);
    String file = marker.toAbsolutePath().toString();
    env.fromSequence(0, Long.MAX_VALUE).uid("sequence")
        .map(new FailWhileMarked(file)).uid("fail-while-marked")
        .sinkTo(new DiscardingSink<>()).uid("discard");
  }

  /** Throws while the marker file exists. */
  static final class FailWhileMarked implements MapFunction<Long, Long> {
    private final String marker;

    FailWhileMarked(String marker) {
      this.marker = marker;
    }

    @Override
    public Long map(Long value) {
      if (Files.exists(Path.of(marker))) {
        throw new IllegalStateException("Injected failure: marker " + marker + " exists");
      }
      return value;
    }
  }
}
