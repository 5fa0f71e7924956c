package dev.tokentrail.ingest;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Reads counter and gauge values out of one registry scrape. */
final class Metrics {
  private final MetricSnapshots snapshots;

  Metrics(MetricSnapshots snapshots) {
    this.snapshots = snapshots;
  }

  /** The sum of the counter's points whose labels include every given name/value pair. */
  double counter(String name, String... labelPairs) {
    double sum = 0;
    for (CounterSnapshot.CounterDataPointSnapshot point : counterPoints(name)) {
      if (matches(point.getLabels(), labelPairs)) {
        sum += point.getValue();
      }
    }
    return sum;
  }

  double gauge(String name) {
    MetricSnapshot snapshot = find(name);
    if (!(snapshot instanceof GaugeSnapshot gauge)) {
      throw new AssertionError("no gauge " + name + " in the scrape");
    }
    return gauge.getDataPoints().get(0).getValue();
  }

  /** Every value the counter's points have for {@code label}. */
  Set<String> labelValues(String name, String label) {
    Set<String> values = new TreeSet<>();
    for (CounterSnapshot.CounterDataPointSnapshot point : counterPoints(name)) {
      values.add(point.getLabels().get(label));
    }
    return values;
  }

  private List<CounterSnapshot.CounterDataPointSnapshot> counterPoints(String name) {
    MetricSnapshot snapshot = find(name);
    if (snapshot == null) {
      return List.of();
    }
    if (!(snapshot instanceof CounterSnapshot counter)) {
      throw new AssertionError(name + " is not a counter");
    }
    return new ArrayList<>(counter.getDataPoints());
  }

  private MetricSnapshot find(String name) {
    String base = name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
    for (MetricSnapshot snapshot : snapshots) {
      String n = snapshot.getMetadata().getPrometheusName();
      if (n.equals(base) || n.equals(name)) {
        return snapshot;
      }
    }
    return null;
  }

  private static boolean matches(Labels labels, String... pairs) {
    if (pairs.length % 2 != 0) {
      throw new IllegalArgumentException("labelPairs: " + pairs.length + " values (expected: name/value pairs)");
    }
    for (int i = 0; i < pairs.length; i += 2) {
      if (!pairs[i + 1].equals(labels.get(pairs[i]))) {
        return false;
      }
    }
    return true;
  }
}
