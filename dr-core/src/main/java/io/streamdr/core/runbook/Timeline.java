package io.streamdr.core.runbook;

import io.streamdr.core.internal.Checks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Measurements over time that go with a report, drawn as a chart in the HTML report: series of values (throughput
 * per region, replication lag…) and markers for what happened when (failure injected, detected, switched…).
 *
 * @param series  each measured quantity, one line per series
 * @param markers moments worth a vertical line
 */
public record Timeline(List<Series> series, List<Marker> markers) {
  /** No measurements. */
  public static final Timeline EMPTY = new Timeline(List.of(), List.of());

  /** A value at a moment. */
  public record Point(Instant at, double value) {}

  /**
   * One measured quantity.
   *
   * @param name what it is, with its region ("acknowledged per second, us-west-2")
   * @param unit what its values count; series of one unit share a chart
   */
  public record Series(String name, String unit, List<Point> points) {
    public Series {
      Checks.requireNonBlank(name, "series name");
      Checks.requireNonBlank(unit, "unit");
      points = List.copyOf(points);
    }
  }

  /** A moment, labelled. */
  public record Marker(String label, Instant at) {}

  public Timeline {
    series = List.copyOf(series);
    markers = List.copyOf(markers);
  }

  public boolean isEmpty() {
    return series.isEmpty() && markers.isEmpty();
  }

  /** Counts of events per {@code bucket} (their rate), from their times, between {@code from} and {@code to}. */
  public static Series rate(String name, String unit, List<Instant> events, Instant from, Instant to, Duration bucket) {
    long width = bucket.toMillis();
    int n = (int) Math.max(1, (to.toEpochMilli() - from.toEpochMilli() + width - 1) / width);
    long[] counts = new long[n];
    for (Instant e : events) {
      long i = (e.toEpochMilli() - from.toEpochMilli()) / width;
      if (i >= 0 && i < n) {
        counts[(int) i]++;
      }
    }
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      points.add(new Point(from.plusMillis(i * width + width / 2), counts[i] * 1000.0 / width));
    }
    return new Series(name, unit, points);
  }
}
