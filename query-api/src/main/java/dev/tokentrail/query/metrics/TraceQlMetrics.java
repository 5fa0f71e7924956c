package dev.tokentrail.query.metrics;

import dev.tokentrail.query.traceql.TraceQlException;
import dev.tokentrail.store.SpanStore;
import java.util.List;

/**
 * TraceQL metrics: {@code { filter } | rate() by (...)} and friends, evaluated over a span store
 * from doc values. The HTTP endpoints (/api/metrics/query_range, /api/metrics/query) and the gRPC
 * streaming service both call this engine.
 *
 * <p>Both methods throw {@link TraceQlException} for a query the engine cannot run (syntax error,
 * unsupported function); callers map it to HTTP 400 / gRPC INVALID_ARGUMENT.
 */
public interface TraceQlMetrics {

  /**
   * A range query: start and end are aligned to multiples of the step (as Tempo aligns them), a
   * span counts in the step its start time falls in, and each sample is stamped with its step's end
   * (as Tempo stamps them). {@code maxExemplars} caps the exemplars of the whole answer (0 for
   * none). Only {@code tenant}'s spans are read.
   */
  MetricsResult queryRange(String tenant, String q, long startNanos, long endNanos, long stepNanos, int maxExemplars);

  /** An instant query over {@code tenant}'s spans: one value per series over the whole [startNanos, endNanos) window. */
  MetricsResult instant(String tenant, String q, long startNanos, long endNanos);

  /** The engine over a span store. */
  static TraceQlMetrics create(SpanStore store) {
    return new MetricsEngine(store);
  }

  /** The series of an answer and the number of spans that were looked at. */
  record MetricsResult(List<Series> series, long inspectedSpans) {
    public MetricsResult {
      series = List.copyOf(series);
    }
  }

  /**
   * One time series. {@code promLabels} is the Prometheus-style text form, e.g.
   * {@code {span.gen_ai.request.model="gpt-4o"}}, as Tempo's {@code promLabels} field.
   */
  record Series(List<Label> labels, String promLabels, List<Sample> samples, List<Exemplar> exemplars) {
    public Series {
      labels = List.copyOf(labels);
      samples = List.copyOf(samples);
      exemplars = List.copyOf(exemplars);
    }
  }

  /** A label; the value is a String, Long, Double or Boolean. */
  record Label(String key, Object value) {}

  /** A sample at a step start (epoch milliseconds). */
  record Sample(long timestampMs, double value) {}

  /**
   * An exemplar: a span behind a sample. Labels include {@code trace:id} (hex) and {@code span:id},
   * as Tempo's exemplars carry them, so Grafana links the point to the trace.
   */
  record Exemplar(List<Label> labels, double value, long timestampMs) {
    public Exemplar {
      labels = List.copyOf(labels);
    }
  }
}
