package dev.tokentrail.query.metrics;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.query.traceql.MetricsPipeline;
import dev.tokentrail.query.traceql.MetricsPipeline.Function;
import dev.tokentrail.query.traceql.TraceQlException;
import dev.tokentrail.query.traceql.TraceQlParser;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsAnswer;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.MetricsSeries;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.Spansets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The TraceQL metrics engine over a {@link SpanStore}: parses the query, asks the store for the
 * per-series per-step statistics ({@link SpanStore#metrics}), and turns them into Tempo's series:
 * rates, sums, averages, quantiles, histograms, topk/bottomk, exemplars.
 */
final class MetricsEngine implements TraceQlMetrics {
  /** Tempo refuses more; a year at one-hour steps fits. */
  static final int MAX_STEPS = 11_000;

  private final SpanStore store;

  MetricsEngine(SpanStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  @Override
  public MetricsResult queryRange(String tenant, String q, long startNanos, long endNanos, long stepNanos, int maxExemplars) {
    MetricsPipeline pipeline = TraceQlParser.parseMetrics(q);
    if (stepNanos <= 0) {
      throw new IllegalArgumentException("step: " + stepNanos + "ns (expected: > 0)");
    }
    if (endNanos <= startNanos) {
      throw new IllegalArgumentException("end must be after start");
    }
    // Aligned to multiples of the step, as Tempo aligns, so refreshes see the same buckets.
    long start = Math.floorDiv(startNanos, stepNanos) * stepNanos;
    long end = Math.ceilDiv(endNanos, stepNanos) * stepNanos;
    if ((end - start) / stepNanos > MAX_STEPS) {
      throw new IllegalArgumentException(
          "the range holds " + (end - start) / stepNanos + " steps (expected: at most " + MAX_STEPS + "; use a larger step)");
    }
    return run(tenant, pipeline, start, end, stepNanos, Math.max(0, maxExemplars), false);
  }

  @Override
  public MetricsResult instant(String tenant, String q, long startNanos, long endNanos) {
    MetricsPipeline pipeline = TraceQlParser.parseMetrics(q);
    if (endNanos <= startNanos) {
      throw new IllegalArgumentException("end must be after start");
    }
    return run(tenant, pipeline, startNanos, endNanos, endNanos - startNanos, 0, true);
  }

  private MetricsResult run(String tenant, MetricsPipeline p, long start, long end, long step, int maxExemplars, boolean instant) {
    if (!p.aggregates().isEmpty()) {
      throw new TraceQlException(
          "trace-level filter stages (" + p.aggregates().get(0).label() + " ...) before a metrics function are not supported", 0);
    }
    SpanFilter filter = spanFilter(p.spansets());
    Function f = p.function();
    boolean keepValues = f == Function.QUANTILE_OVER_TIME || f == Function.HISTOGRAM_OVER_TIME;
    MetricsQuery query =
        new MetricsQuery(filter, p.field(), p.by(), start, end, step, keepValues, maxExemplars);
    MetricsAnswer answer = store.metrics(requireNonNull(tenant, "tenant"), query);
    int buckets = query.buckets();
    double stepSeconds = step / 1e9;

    List<Built> built = new ArrayList<>();
    for (MetricsSeries s : answer.series()) {
      List<Label> groupLabels = groupLabels(p.by(), s.groupValues());
      switch (f) {
        case QUANTILE_OVER_TIME -> {
          double[][] sorted = new double[buckets][];
          for (int b = 0; b < buckets; b++) {
            sorted[b] = s.values()[b].clone();
            Arrays.sort(sorted[b]);
          }
          for (double quantile : p.quantiles()) {
            double[] values = new double[buckets];
            for (int b = 0; b < buckets; b++) {
              values[b] = quantile(sorted[b], quantile);
            }
            List<Label> labels = new ArrayList<>(groupLabels);
            labels.add(new Label("p", quantile));
            built.add(new Built(labels, values, s.exemplars(), false));
          }
        }
        case HISTOGRAM_OVER_TIME -> {
          TreeMap<Double, double[]> byBound = new TreeMap<>();
          for (int b = 0; b < buckets; b++) {
            for (double v : s.values()[b]) {
              byBound.computeIfAbsent(log2Bucket(v), k -> new double[buckets])[b]++;
            }
          }
          for (Map.Entry<Double, double[]> e : byBound.entrySet()) {
            List<Label> labels = new ArrayList<>(groupLabels);
            labels.add(new Label("__bucket", e.getKey()));
            built.add(new Built(labels, e.getValue(), s.exemplars(), true));
          }
        }
        default -> {
          double[] values = new double[buckets];
          for (int b = 0; b < buckets; b++) {
            values[b] = switch (f) {
              case RATE -> s.counts()[b] / stepSeconds;
              case COUNT_OVER_TIME -> s.counts()[b];
              case SUM_OVER_TIME -> s.fieldCounts()[b] == 0 ? Double.NaN : s.sums()[b];
              case AVG_OVER_TIME -> s.fieldCounts()[b] == 0 ? Double.NaN : s.sums()[b] / s.fieldCounts()[b];
              case MIN_OVER_TIME -> s.mins()[b];
              case MAX_OVER_TIME -> s.maxs()[b];
              default -> throw new IllegalStateException(f.toString());
            };
          }
          boolean countLike = f == Function.RATE || f == Function.COUNT_OVER_TIME;
          if (countLike && s.counts().length > 0 && allZero(s.counts())) {
            continue;
          }
          built.add(new Built(groupLabels.isEmpty() ? List.of(new Label("__name__", f.traceQlName())) : groupLabels,
              values, s.exemplars(), countLike));
        }
      }
    }
    if (p.rank() != null) {
      rank(built, buckets, p.rank());
    }
    List<Series> series = new ArrayList<>();
    int exemplarBudget = maxExemplars;
    List<Built> ordered = new ArrayList<>(built);
    ordered.sort(Comparator.comparing(b -> promLabels(b.labels)));
    int exemplarsTotal = 0;
    for (Built b : ordered) {
      exemplarsTotal += b.exemplars.size();
    }
    int stride = exemplarsTotal > exemplarBudget && exemplarBudget > 0 ? (int) Math.ceil((double) exemplarsTotal / exemplarBudget) : 1;
    int exemplarIndex = 0;
    for (Built b : ordered) {
      List<Sample> samples = new ArrayList<>();
      for (int i = 0; i < buckets; i++) {
        if (!Double.isNaN(b.values[i]) && !Double.isInfinite(b.values[i])) {
          samples.add(new Sample(sampleTimestampMs(start, step, i, instant, end), b.values[i]));
        }
      }
      if (samples.isEmpty()) {
        continue;
      }
      List<Exemplar> exemplars = new ArrayList<>();
      if (maxExemplars > 0) {
        for (MetricsSeries.Exemplar e : b.exemplars) {
          boolean take = exemplarIndex++ % stride == 0;
          if (!take || exemplars.size() >= exemplarBudget || Double.isNaN(b.values[e.bucket()])) {
            continue;
          }
          double value = b.seriesValueExemplar || Double.isNaN(e.value()) ? b.values[e.bucket()] : e.value();
          List<Label> labels = new ArrayList<>();
          labels.add(new Label("trace:id", e.traceId().hex()));
          labels.add(new Label("span:id", e.spanId().hex()));
          for (Label l : b.labels) {
            if (!l.key().startsWith("__") && !l.key().equals("p")) {
              labels.add(l);
            }
          }
          exemplars.add(new Exemplar(labels, value, e.startNanos() / 1_000_000));
        }
        exemplarBudget -= exemplars.size();
      }
      series.add(new Series(b.labels, promLabels(b.labels), samples, exemplars));
    }
    return new MetricsResult(series, answer.inspectedSpans());
  }

  /** Tempo stamps a step's value at the step's end; an instant value at the window's end. */
  private static long sampleTimestampMs(long start, long step, int i, boolean instant, long end) {
    long ts = instant ? end : start + (i + 1) * step;
    return ts / 1_000_000;
  }

  private static boolean allZero(long[] counts) {
    for (long c : counts) {
      if (c != 0) {
        return false;
      }
    }
    return true;
  }

  private static final class Built {
    final List<Label> labels;
    final double[] values;
    final List<MetricsSeries.Exemplar> exemplars;
    final boolean seriesValueExemplar;

    Built(List<Label> labels, double[] values, List<MetricsSeries.Exemplar> exemplars, boolean seriesValueExemplar) {
      this.labels = List.copyOf(labels);
      this.values = values;
      this.exemplars = exemplars;
      this.seriesValueExemplar = seriesValueExemplar;
    }
  }

  /** topk/bottomk per step, as Prometheus: a series keeps the samples of the steps it ranks in. */
  private static void rank(List<Built> built, int buckets, MetricsPipeline.Rank rank) {
    boolean[][] keep = new boolean[built.size()][buckets];
    Integer[] order = new Integer[built.size()];
    for (int b = 0; b < buckets; b++) {
      final int bucket = b;
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Comparator<Integer> byValue = Comparator.comparingDouble(i -> built.get(i).values[bucket]);
      Arrays.sort(order, rank.top() ? byValue.reversed() : byValue);
      int taken = 0;
      for (Integer i : order) {
        if (taken == rank.k()) {
          break;
        }
        if (!Double.isNaN(built.get(i).values[bucket])) {
          keep[i][bucket] = true;
          taken++;
        }
      }
    }
    for (int i = 0; i < built.size(); i++) {
      for (int b = 0; b < buckets; b++) {
        if (!keep[i][b]) {
          built.get(i).values[b] = Double.NaN;
        }
      }
    }
  }

  /** The linearly interpolated quantile of sorted values (NaN when none), as Prometheus computes it. */
  static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    double rank = q * (sorted.length - 1);
    int lower = (int) Math.floor(rank);
    int upper = Math.min(lower + 1, sorted.length - 1);
    double weight = rank - lower;
    return sorted[lower] * (1 - weight) + sorted[upper] * weight;
  }

  /** The power-of-two bucket a value falls in (its upper bound); 0 for values at or below 0. */
  static double log2Bucket(double v) {
    if (!(v > 0)) {
      return 0;
    }
    // Exact for powers of two (2^29 is bucket 2^29), unlike log(v) / log(2).
    double floor = Math.scalb(1.0, Math.getExponent(v));
    return floor == v ? v : 2 * floor;
  }

  private static SpanFilter spanFilter(Spansets spansets) {
    return switch (spansets) {
      case Spansets.Filter f -> f.filter();
      case Spansets.Combine c -> {
        if (c.and()) {
          throw new TraceQlException("'&&' between spansets is not supported in metrics queries (use && inside one { })", 0);
        }
        yield new SpanFilter.Or(List.of(spanFilter(c.left()), spanFilter(c.right())));
      }
    };
  }

  /** Tempo's labels: nil group values are dropped; when all are nil the first label says "nil". */
  private static List<Label> groupLabels(List<FieldRef> by, List<Object> values) {
    List<Label> labels = new ArrayList<>();
    for (int i = 0; i < by.size(); i++) {
      Object v = values.get(i);
      if (v != null) {
        labels.add(new Label(by.get(i).toString(), v));
      }
    }
    if (labels.isEmpty() && !by.isEmpty()) {
      labels.add(new Label(by.get(0).toString(), "nil"));
    }
    return labels;
  }

  /** The Prometheus-style text of labels: {@code {span.team="search", p=0.95}}. */
  static String promLabels(List<Label> labels) {
    Map<String, String> parts = new LinkedHashMap<>();
    for (Label l : labels) {
      parts.put(l.key(), l.value() instanceof String s ? quote(s) : String.valueOf(l.value()));
    }
    StringBuilder out = new StringBuilder("{");
    for (Map.Entry<String, String> e : parts.entrySet()) {
      if (out.length() > 1) {
        out.append(", ");
      }
      out.append(e.getKey()).append('=').append(e.getValue());
    }
    return out.append('}').toString();
  }

  private static String quote(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
  }
}
