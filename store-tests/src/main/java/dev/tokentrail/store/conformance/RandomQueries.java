package dev.tokentrail.store.conformance;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.SpanFilter.Op;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TraceSearch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Seeded random queries over the attribute keys and values a data set really holds: span filters
 * with every operator and scope, intrinsics, spansets, aggregates, windows, orders and limits; call
 * filters; metrics queries.
 */
public final class RandomQueries {
  private final Random random;
  /** Scalars by field ({@code span.KEY}, {@code resource.KEY}), from the stored spans. */
  private final Map<FieldRef, List<Object>> values = new TreeMap<>(java.util.Comparator.comparing(FieldRef::toString));
  /** Fields some span holds a list in: never grouped by. */
  private final java.util.Set<FieldRef> lists = new java.util.HashSet<>();
  private final List<String> names = new ArrayList<>();
  private final List<Long> starts = new ArrayList<>();
  private final List<Long> durations = new ArrayList<>();
  private final List<String> services = new ArrayList<>();

  public RandomQueries(Random random, List<IngestedSpan> stored) {
    this.random = random;
    for (IngestedSpan s : stored) {
      Span span = s.span();
      collect(span.attributes(), false);
      collect(span.resource().attributes(), true);
      names.add(span.name());
      starts.add(span.startEpochNanos());
      durations.add(span.durationNanos());
      services.add(span.resource().serviceName());
    }
    starts.sort(null);
  }

  private void collect(Map<String, Object> attributes, boolean resource) {
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      FieldRef field = resource ? FieldRef.resource(e.getKey()) : FieldRef.span(e.getKey());
      Object v = e.getValue();
      if (v instanceof List<?>) {
        lists.add(field);
      }
      List<Object> scalars = v instanceof List<?> list ? new ArrayList<>(list) : List.of(v);
      for (Object scalar : scalars) {
        if (scalar instanceof String || scalar instanceof Long || scalar instanceof Boolean
            || (scalar instanceof Double d && !d.isNaN())) {
          values.computeIfAbsent(field, f -> new ArrayList<>()).add(scalar);
        }
      }
    }
  }

  /** A filter of up to two levels of {@code &&} and {@code ||} over random conditions. */
  public SpanFilter filter() {
    return filter(2);
  }

  private SpanFilter filter(int depth) {
    int roll = random.nextInt(10);
    if (depth == 0 || roll < 6) {
      return condition();
    }
    List<SpanFilter> parts = List.of(filter(depth - 1), filter(depth - 1));
    return roll < 8 ? new SpanFilter.And(parts) : new SpanFilter.Or(parts);
  }

  public Condition condition() {
    return random.nextInt(10) < 7 ? attributeCondition() : intrinsicCondition();
  }

  private Condition attributeCondition() {
    List<FieldRef> fields = new ArrayList<>(values.keySet());
    FieldRef field = fields.get(random.nextInt(fields.size()));
    List<Object> present = values.get(field);
    Object sample = present.get(random.nextInt(present.size()));
    FieldRef asked = random.nextInt(4) == 0 ? FieldRef.any(field.name()) : field;
    if (random.nextInt(12) == 0) {
      return new Condition(asked, random.nextBoolean() ? Op.EXISTS : Op.NOT_EXISTS, null);
    }
    return switch (sample) {
      case Boolean b -> new Condition(asked, random.nextBoolean() ? Op.EQ : Op.NEQ, random.nextInt(4) == 0 ? !b : b);
      case Number n -> new Condition(asked, pick(Op.EQ, Op.NEQ, Op.GT, Op.GTE, Op.LT, Op.LTE),
          random.nextInt(5) == 0 ? (Object) (n.doubleValue() + 0.5) : n);
      default -> stringCondition(asked, (String) sample, present);
    };
  }

  private Condition stringCondition(FieldRef field, String sample, List<Object> present) {
    Op op = pick(Op.EQ, Op.EQ, Op.NEQ, Op.REGEX, Op.REGEX, Op.NOT_REGEX, Op.GT, Op.LTE);
    Object value = switch (op) {
      case REGEX, NOT_REGEX -> regex(sample, String.valueOf(present.get(random.nextInt(present.size()))));
      default -> random.nextInt(8) == 0 ? sample + "-nope" : sample;
    };
    return new Condition(field, op, value);
  }

  /** A regex both Java and Lucene read alike: escaped literals, {@code .*}, alternation. */
  private String regex(String a, String b) {
    return switch (random.nextInt(3)) {
      case 0 -> escape(a.substring(0, Math.min(a.length(), 1 + random.nextInt(Math.max(1, a.length())))) ) + ".*";
      case 1 -> escape(a) + "|" + escape(b);
      default -> ".*" + escape(a.substring(a.length() / 2));
    };
  }

  private static String escape(String literal) {
    StringBuilder out = new StringBuilder();
    for (char c : literal.toCharArray()) {
      if (!Character.isLetterOrDigit(c) || c > 127) {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  private Condition intrinsicCondition() {
    return switch (random.nextInt(8)) {
      case 0 -> new Condition(FieldRef.intrinsic(FieldRef.NAME), pick(Op.EQ, Op.NEQ, Op.REGEX, Op.NOT_REGEX),
          maybeRegex(names.get(random.nextInt(names.size()))));
      case 1 -> new Condition(FieldRef.intrinsic(FieldRef.STATUS), pick(Op.EQ, Op.NEQ), pick("ok", "error", "unset"));
      case 2 -> new Condition(FieldRef.intrinsic(FieldRef.KIND), pick(Op.EQ, Op.NEQ), pick("server", "client", "internal"));
      case 3 -> random.nextBoolean()
          ? new Condition(FieldRef.intrinsic(FieldRef.STATUS_MESSAGE), pick(Op.EXISTS, Op.NOT_EXISTS), null)
          : new Condition(FieldRef.intrinsic(FieldRef.STATUS_MESSAGE), pick(Op.EQ, Op.NEQ), "rate limited");
      case 4 -> new Condition(FieldRef.intrinsic(FieldRef.DURATION), pick(Op.GT, Op.GTE, Op.LT, Op.LTE, Op.EQ, Op.NEQ),
          durations.get(random.nextInt(durations.size())));
      case 5 -> new Condition(FieldRef.intrinsic(FieldRef.SERVICE), pick(Op.EQ, Op.NEQ, Op.REGEX),
          maybeRegex(services.get(random.nextInt(services.size()))));
      case 6 -> new Condition(FieldRef.intrinsic(FieldRef.ROOT_NAME), pick(Op.EQ, Op.NEQ, Op.NOT_REGEX),
          maybeRegex(names.get(random.nextInt(names.size()))));
      default -> new Condition(FieldRef.intrinsic(FieldRef.TRACE_DURATION), pick(Op.GT, Op.LT, Op.GTE),
          (long) (random.nextDouble() * 40 * TestSpans.SECOND));
    };
  }

  private String maybeRegex(String value) {
    return random.nextBoolean() ? value : escape(value.substring(0, Math.min(3, value.length()))) + ".*";
  }

  /** One filter, or two or three combined with {@code &&} / {@code ||}. */
  public Spansets spansets(boolean combine) {
    if (!combine) {
      return Spansets.of(filter());
    }
    Spansets out = new Spansets.Combine(random.nextBoolean(), Spansets.of(filter(1)), Spansets.of(filter(1)));
    return random.nextInt(3) == 0 ? new Spansets.Combine(random.nextBoolean(), out, Spansets.of(filter(1))) : out;
  }

  public List<AggregateCondition> aggregates() {
    List<AggregateCondition> out = new ArrayList<>();
    int n = random.nextInt(10) < 6 ? 0 : 1 + random.nextInt(2);
    List<FieldRef> numeric = new ArrayList<>();
    for (Map.Entry<FieldRef, List<Object>> e : values.entrySet()) {
      if (e.getValue().get(0) instanceof Number) {
        numeric.add(e.getKey());
      }
    }
    for (int i = 0; i < n; i++) {
      AggregateCondition.Function function = pick(AggregateCondition.Function.values());
      Op op = pick(Op.GT, Op.GTE, Op.LT, Op.LTE);
      if (function == AggregateCondition.Function.COUNT) {
        out.add(new AggregateCondition(function, null, op, 1 + random.nextInt(4)));
        continue;
      }
      if (random.nextInt(4) == 0) {
        out.add(new AggregateCondition(function, FieldRef.intrinsic(FieldRef.DURATION), op,
            durations.get(random.nextInt(durations.size()))));
        continue;
      }
      FieldRef field = numeric.get(random.nextInt(numeric.size()));
      List<Object> present = values.get(field);
      double threshold = ((Number) present.get(random.nextInt(present.size()))).doubleValue();
      out.add(new AggregateCondition(function, random.nextInt(3) == 0 ? FieldRef.any(field.name()) : field, op, threshold));
    }
    return out;
  }

  /** A time range: unbounded half the time, else between two span starts (or open on one side). */
  public long[] window() {
    if (random.nextBoolean()) {
      return new long[] {0, 0};
    }
    long a = starts.get(random.nextInt(starts.size()));
    long b = starts.get(random.nextInt(starts.size()));
    long from = Math.min(a, b);
    long to = Math.max(a, b);
    return switch (random.nextInt(4)) {
      case 0 -> new long[] {from, 0};
      case 1 -> new long[] {0, to};
      default -> new long[] {from, to};
    };
  }

  public TraceSearch search(Spansets spansets, List<AggregateCondition> aggregates) {
    long[] window = window();
    long min = random.nextInt(6) == 0 ? (long) (random.nextDouble() * 10 * TestSpans.SECOND) : 0;
    long max = random.nextInt(6) == 0 ? (long) (random.nextDouble() * 60 * TestSpans.SECOND) : 0;
    return new TraceSearch(spansets, aggregates, window[0], window[1], min, max, 1 + random.nextInt(40),
        random.nextInt(6), pick(TraceSearch.Order.values()));
  }

  public CallFilter callFilter() {
    long[] window = window();
    return new CallFilter(window[0], window[1],
        random.nextInt(4) == 0 ? services.get(random.nextInt(services.size())) : null,
        random.nextInt(4) == 0 ? pick("search", "ads", "support", "nobody") : null,
        random.nextInt(5) == 0 ? pick("helpdesk", "ranking") : null,
        random.nextInt(4) == 0 ? pickValue(FieldRef.span("gen_ai.request.model"), FieldRef.span("gen_ai.response.model")) : null,
        random.nextInt(5) == 0 ? pick("triage", "summary", "autocomplete") : null);
  }

  private String pickValue(FieldRef... fields) {
    List<Object> present = values.getOrDefault(fields[random.nextInt(fields.length)], List.of("none"));
    return String.valueOf(present.get(random.nextInt(present.size())));
  }

  /**
   * A metrics query over the data's days: a random filter, a numeric field or duration or none,
   * grouped by up to two string or whole-number attributes or intrinsics.
   */
  public MetricsQuery metricsQuery() {
    long start = TestSpans.T0 - random.nextInt(3600) * TestSpans.SECOND;
    long end = TestSpans.T0 + 3 * TestSpans.DAY;
    long step = (end - start) / (1 + random.nextInt(60)) + 1;
    List<FieldRef> groupable = new ArrayList<>(List.of(FieldRef.intrinsic(FieldRef.NAME),
        FieldRef.intrinsic(FieldRef.STATUS), FieldRef.intrinsic(FieldRef.KIND)));
    List<FieldRef> numeric = new ArrayList<>(List.of(FieldRef.intrinsic(FieldRef.DURATION)));
    for (Map.Entry<FieldRef, List<Object>> e : values.entrySet()) {
      boolean scalarOnly = e.getValue().stream().allMatch(v -> v instanceof String || v instanceof Long);
      if (scalarOnly && !lists.contains(e.getKey())) {
        groupable.add(e.getKey());
      }
      if (e.getValue().get(0) instanceof Number) {
        numeric.add(e.getKey());
      }
    }
    List<FieldRef> by = new ArrayList<>();
    for (int i = random.nextInt(3); i > 0; i--) {
      by.add(groupable.get(random.nextInt(groupable.size())));
    }
    FieldRef field = random.nextInt(3) == 0 ? null : numeric.get(random.nextInt(numeric.size()));
    SpanFilter filter = random.nextInt(3) == 0 ? SpanFilter.all() : filter(1);
    return new MetricsQuery(filter, field, by, start, end, step, field != null && random.nextBoolean(),
        random.nextBoolean() ? 0 : 100_000);
  }

  @SafeVarargs
  private <T> T pick(T... options) {
    return options[random.nextInt(options.length)];
  }
}
