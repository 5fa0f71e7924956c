package dev.tokentrail.store;

import java.util.List;

/** The answer to a {@link MetricsQuery}: its series and how many spans matched. */
public record MetricsAnswer(List<MetricsSeries> series, long inspectedSpans) {
  public MetricsAnswer {
    series = List.copyOf(series);
  }
}
