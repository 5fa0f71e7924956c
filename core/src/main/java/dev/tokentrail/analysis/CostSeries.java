package dev.tokentrail.analysis;

import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Cost over time, bucketed by {@code step} and grouped by one dimension. Buckets are aligned as
 * Prometheus and Grafana align steps: a bucket starts at a multiple of {@code step} since the epoch
 * (UTC), whatever the window's start, so the same call falls in the same bucket from any window and
 * the points line up with PromQL panels of the same step. The first bucket may start before the
 * window; it holds only the window's calls.
 */
public final class CostSeries {
  /** One bucket of one group. */
  public record Point(long timeMillis, String group, double costUsd, long calls, long inputTokens, long outputTokens) {}

  private CostSeries() {}

  /**
   * @param groupBy the dimension, or null for one series {@code total}
   */
  public static List<Point> of(CallTable t, long stepMillis, Text groupBy) {
    if (stepMillis <= 0) {
      throw new IllegalArgumentException("step: " + stepMillis + " ms (expected: > 0)");
    }
    Map<Long, Map<String, double[]>> buckets = new TreeMap<>();
    for (int row = 0; row < t.size(); row++) {
      long millis = t.start(row) / 1_000_000L;
      long bucket = Math.floorDiv(millis, stepMillis) * stepMillis;
      String group = groupBy == null ? "total" : t.text(row, groupBy);
      if (group == null) {
        group = "(none)";
      }
      double[] acc = buckets.computeIfAbsent(bucket, b -> new TreeMap<>()).computeIfAbsent(group, g -> new double[4]);
      acc[0] += t.costOrZero(row);
      acc[1]++;
      acc[2] += Math.max(0, t.input(row));
      acc[3] += Math.max(0, t.output(row));
    }
    List<Point> points = new ArrayList<>();
    for (Map.Entry<Long, Map<String, double[]>> b : buckets.entrySet()) {
      for (Map.Entry<String, double[]> g : b.getValue().entrySet()) {
        double[] acc = g.getValue();
        points.add(new Point(b.getKey(), g.getKey(), acc[0], (long) acc[1], (long) acc[2], (long) acc[3]));
      }
    }
    points.sort(Comparator.comparingLong(Point::timeMillis).thenComparing(Comparator.comparingDouble(Point::costUsd).reversed()));
    return points;
  }
}
