package dev.tokentrail.store.eval;

import dev.tokentrail.model.Span;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsAnswer;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.MetricsSeries;
import dev.tokentrail.store.QueryCancellation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers a {@link MetricsQuery} by visiting the spans a store hands it (every span, or a superset
 * of the matching ones), or from statistics the store aggregated itself: per series (the values of the {@code by}
 * fields) and step bucket, the count of matching spans and the count, sum, minimum, maximum (and,
 * when kept, every value) of the field; {@code duration} is read in seconds. Exemplars: per series
 * and bucket the span with the largest value (the earliest-starting one, then the smallest span id,
 * on ties and without a field), spread over the buckets when more than asked for.
 */
public final class MetricsEvaluator {
  private final MetricsQuery query;
  private final int buckets;
  private final SpanMatcher matcher;

  /** Validates {@code query} before anything is read. */
  public MetricsEvaluator(MetricsQuery query) {
    this.query = query;
    this.buckets = query.buckets();
    this.matcher = new SpanMatcher(query.filter());
    for (FieldRef by : query.by()) {
      if (by.scope() == FieldRef.Scope.INTRINSIC
          && !List.of(FieldRef.NAME, FieldRef.STATUS, FieldRef.KIND, FieldRef.STATUS_MESSAGE).contains(by.name())) {
        throw new IllegalArgumentException("by(" + by.name()
            + ") is not supported (group by span or resource attributes, name, status, kind or statusMessage)");
      }
    }
    FieldRef field = query.field();
    if (field != null && field.scope() == FieldRef.Scope.INTRINSIC && !field.name().equals(FieldRef.DURATION)) {
      throw new IllegalArgumentException("cannot aggregate " + field.name()
          + " (expected: a numeric span or resource attribute, or duration)");
    }
  }

  /** One series' statistics while spans are visited. */
  private final class Acc {
    final List<Object> groupValues;
    final long[] counts = new long[buckets];
    final long[] fieldCounts = new long[buckets];
    final double[] sums = new double[buckets];
    final double[] mins = filled(Double.NaN);
    final double[] maxs = filled(Double.NaN);
    final List<List<Double>> values = new ArrayList<>();
    final MetricsSeries.Exemplar[] best = new MetricsSeries.Exemplar[buckets];

    Acc(List<Object> groupValues) {
      this.groupValues = groupValues;
      for (int b = 0; b < buckets; b++) {
        values.add(new ArrayList<>());
      }
    }

    /** Statistics aggregated elsewhere for one bucket ({@code min}/{@code max} NaN without values). */
    void add(int bucket, long count, long fieldCount, double sum, double min, double max, MetricsSeries.Exemplar e) {
      counts[bucket] += count;
      fieldCounts[bucket] += fieldCount;
      sums[bucket] += sum;
      mins[bucket] = min;
      maxs[bucket] = max;
      best[bucket] = e;
    }

    void observe(Span span, int bucket, double v) {
      counts[bucket]++;
      boolean hasValue = !Double.isNaN(v);
      if (hasValue) {
        fieldCounts[bucket]++;
        sums[bucket] += v;
        mins[bucket] = Double.isNaN(mins[bucket]) ? v : Math.min(mins[bucket], v);
        maxs[bucket] = Double.isNaN(maxs[bucket]) ? v : Math.max(maxs[bucket], v);
        values.get(bucket).add(v);
      }
      if (query.field() != null && !hasValue) {
        return; // with a field, only spans having it are exemplars
      }
      MetricsSeries.Exemplar candidate = new MetricsSeries.Exemplar(
          span.traceId(), span.spanId(), span.startEpochNanos(), bucket, query.field() == null ? Double.NaN : v);
      MetricsSeries.Exemplar current = best[bucket];
      if (current == null || EXEMPLAR_ORDER.compare(candidate, current) < 0) {
        best[bucket] = candidate;
      }
    }
  }

  /** Largest value first, then earliest start, then smallest span id. */
  private static final Comparator<MetricsSeries.Exemplar> EXEMPLAR_ORDER =
      Comparator.comparingDouble((MetricsSeries.Exemplar e) -> Double.isNaN(e.value()) ? 0 : -e.value())
          .thenComparingLong(MetricsSeries.Exemplar::startNanos)
          .thenComparing(MetricsSeries.Exemplar::spanId);

  private double[] filled(double v) {
    double[] a = new double[buckets];
    Arrays.fill(a, v);
    return a;
  }

  /** The answer over {@code traces}, whose spans include at least every span the query matches. */
  public MetricsAnswer run(Collection<? extends EvaluatedTrace> traces) {
    QueryCancellation cancellation = QueryCancellation.current();
    Map<List<Object>, Acc> series = new LinkedHashMap<>();
    long inspected = 0;
    for (EvaluatedTrace trace : traces) {
      cancellation.check();
      for (Span span : trace.spans()) {
        long start = span.startEpochNanos();
        if (start < query.startNanos() || start >= query.endNanos() || !matcher.matches(span, trace::summary)) {
          continue;
        }
        inspected++;
        int bucket = (int) Math.min(buckets - 1, (start - query.startNanos()) / query.stepNanos());
        List<Object> group = groupValues(span);
        series.computeIfAbsent(group, Acc::new).observe(span, bucket, fieldValue(span));
      }
    }
    return new MetricsAnswer(toSeries(series.values()), inspected);
  }

  /**
   * One series' bucket as a store aggregated it itself: matching spans, spans with a field value,
   * their sum, minimum and maximum (NaN without values), and the bucket's exemplar (null: none).
   */
  public record BucketStats(List<Object> group, int bucket, long count, long fieldCount, double sum, double min,
      double max, MetricsSeries.Exemplar exemplar) {}

  /** The answer from statistics a store aggregated itself, exemplars kept as {@link #run} keeps them. */
  public MetricsAnswer fromBuckets(List<BucketStats> stats) {
    Map<List<Object>, Acc> series = new LinkedHashMap<>();
    long inspected = 0;
    for (BucketStats b : stats) {
      series.computeIfAbsent(b.group(), Acc::new)
          .add(b.bucket(), b.count(), b.fieldCount(), b.sum(), b.min(), b.max(), b.exemplar());
      inspected += b.count();
    }
    return new MetricsAnswer(toSeries(series.values()), inspected);
  }

  private List<MetricsSeries> toSeries(Collection<Acc> accs) {
    List<MetricsSeries.Exemplar> all = new ArrayList<>();
    for (Acc acc : accs) {
      for (MetricsSeries.Exemplar e : acc.best) {
        if (e != null) {
          all.add(e);
        }
      }
    }
    List<MetricsSeries.Exemplar> kept = all;
    if (all.size() > query.maxExemplars()) {
      // Spread over time: every k-th of them in bucket order.
      all.sort(Comparator.comparingInt(MetricsSeries.Exemplar::bucket)
          .thenComparing(MetricsSeries.Exemplar::traceId).thenComparing(MetricsSeries.Exemplar::spanId));
      kept = new ArrayList<>();
      double stride = (double) all.size() / query.maxExemplars();
      for (int i = 0; i < query.maxExemplars(); i++) {
        kept.add(all.get((int) (i * stride)));
      }
    }
    List<MetricsSeries> out = new ArrayList<>();
    for (Acc acc : accs) {
      List<MetricsSeries.Exemplar> exemplars = new ArrayList<>();
      for (MetricsSeries.Exemplar e : acc.best) {
        if (e != null && kept.contains(e)) {
          exemplars.add(e);
        }
      }
      boolean numeric = query.field() != null;
      double[][] values = null;
      if (numeric && query.keepValues()) {
        values = new double[buckets][];
        for (int b = 0; b < buckets; b++) {
          values[b] = acc.values.get(b).stream().mapToDouble(Double::doubleValue).toArray();
        }
      }
      out.add(new MetricsSeries(acc.groupValues, acc.counts, numeric ? acc.fieldCounts : null,
          numeric ? acc.sums : null, numeric ? acc.mins : null, numeric ? acc.maxs : null, values, exemplars));
    }
    return out;
  }

  private List<Object> groupValues(Span span) {
    List<Object> out = new ArrayList<>(query.by().size());
    for (FieldRef by : query.by()) {
      out.add(groupValue(span, by));
    }
    return java.util.Collections.unmodifiableList(out);
  }

  /** A span's value of a by() field: String, Long, Double or Boolean; null when it lacks it. */
  private static Object groupValue(Span span, FieldRef by) {
    if (by.scope() == FieldRef.Scope.INTRINSIC) {
      return switch (by.name()) {
        case FieldRef.NAME -> span.name();
        case FieldRef.STATUS -> span.statusCode().traceQlName();
        case FieldRef.KIND -> span.kind().traceQlName();
        default -> span.statusMessage().isEmpty() ? null : span.statusMessage();
      };
    }
    List<Object> scalars = AttributeValues.scalars(span, by);
    if (scalars.isEmpty()) {
      return null;
    }
    Object first = scalars.get(0);
    return first instanceof Number n ? AttributeValues.groupNumber(n.doubleValue()) : first;
  }

  private double fieldValue(Span span) {
    FieldRef field = query.field();
    if (field == null) {
      return Double.NaN;
    }
    if (field.scope() == FieldRef.Scope.INTRINSIC) {
      return span.durationNanos() / 1e9;
    }
    return AttributeValues.number(span, field);
  }
}
