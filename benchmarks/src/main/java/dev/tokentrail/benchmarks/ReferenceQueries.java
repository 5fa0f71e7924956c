package dev.tokentrail.benchmarks;

import dev.tokentrail.model.Span;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The five reference searches every contender answers, each "the newest 20 traces (by trace
 * start) that ...": have a span of one model, have a span with input tokens in a range, have a span
 * with both, cost more than a threshold in total, and any trace. Parameters are picked from the
 * generated spans so each filter matches a realistic few percent.
 */
public record ReferenceQueries(String model, long tokensAbove, long tokensBelow, BigDecimal costOver) {
  public static final int LIMIT = 20;

  /** One of the five searches, in table order. */
  public enum Kind {
    MODEL("model"),
    TOKENS("tokens"),
    MODEL_AND_TOKENS("model+tokens"),
    TRACE_COST("trace cost"),
    ANY("{ }");

    public final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /**
   * The model closest to 3 % of all spans, an input-token range holding about 3 % of all spans
   * (between two percentiles of the LLM calls' input tokens), and the median total cost of the
   * traces that cost anything (two significant digits, so no trace sits on the boundary by accident
   * of rounding).
   */
  public static ReferenceQueries pick(Iterable<List<Span>> enrichedTraces) {
    Map<String, Integer> perModel = new HashMap<>();
    List<Long> inputs = new ArrayList<>();
    List<Double> traceCosts = new ArrayList<>();
    long spans = 0;
    for (List<Span> trace : enrichedTraces) {
      double cost = 0;
      for (Span s : trace) {
        spans++;
        if (s.attributes().get("gen_ai.request.model") instanceof String m) {
          perModel.merge(m, 1, Integer::sum);
        }
        if (s.attributes().get("gen_ai.usage.input_tokens") instanceof Long in) {
          inputs.add(in);
        }
        if (s.attributes().get("tokentrail.cost.usd") instanceof Double c) {
          cost += c;
        }
      }
      if (cost > 0) {
        traceCosts.add(cost);
      }
    }
    if (perModel.isEmpty() || inputs.isEmpty() || traceCosts.isEmpty()) {
      throw new IllegalStateException("the workload holds no priced LLM calls; cannot pick reference query parameters");
    }
    long total = spans;
    String model =
        perModel.entrySet().stream()
            .min((a, b) -> Double.compare(Math.abs(a.getValue() - 0.03 * total), Math.abs(b.getValue() - 0.03 * total)))
            .orElseThrow()
            .getKey();
    long[] sorted = inputs.stream().mapToLong(Long::longValue).sorted().toArray();
    double share = Math.min(0.9, 0.03 * total / sorted.length); // of the LLM calls, for 3 % of all spans
    long above = sorted[(int) (0.4 * sorted.length)];
    long below = sorted[Math.min(sorted.length - 1, (int) ((0.4 + share) * sorted.length))];
    if (below <= above + 1) {
      below = above + 2;
    }
    double[] costs = traceCosts.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    BigDecimal costOver = new BigDecimal(costs[costs.length / 2]).round(new MathContext(2));
    return new ReferenceQueries(model, above, below, costOver);
  }

  /** The search as TokenTrail's TraceQL. */
  public String traceQl(Kind kind) {
    String model = "span.gen_ai.request.model = \"" + this.model + "\"";
    String tokens =
        "span.gen_ai.usage.input_tokens > " + tokensAbove + " && span.gen_ai.usage.input_tokens < " + tokensBelow;
    return switch (kind) {
      case MODEL -> "{ " + model + " }";
      case TOKENS -> "{ " + tokens + " }";
      case MODEL_AND_TOKENS -> "{ " + model + " && " + tokens + " }";
      case TRACE_COST -> "{ } | sum(span.tokentrail.cost.usd) > " + costOver.toPlainString();
      case ANY -> "{ }";
    };
  }

  /** Whether the span matches the span filter of {@code kind} (for the match shares printed). */
  public boolean spanMatches(Kind kind, Span s) {
    boolean model = this.model.equals(s.attributes().get("gen_ai.request.model"));
    boolean tokens =
        s.attributes().get("gen_ai.usage.input_tokens") instanceof Long in && in > tokensAbove && in < tokensBelow;
    return switch (kind) {
      case MODEL -> model;
      case TOKENS -> tokens;
      case MODEL_AND_TOKENS -> model && tokens;
      case TRACE_COST, ANY -> true;
    };
  }

  /** A line per search: its TraceQL and the share of spans its filter matches. */
  public String describe(Iterable<List<Span>> enrichedTraces) {
    long[] matched = new long[Kind.values().length];
    long total = 0;
    long traces = 0;
    for (List<Span> trace : enrichedTraces) {
      traces++;
      for (Span s : trace) {
        total++;
        for (Kind k : Kind.values()) {
          if (spanMatches(k, s)) {
            matched[k.ordinal()]++;
          }
        }
      }
    }
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "  over %,d spans in %,d traces:%n", total, traces));
    for (Kind k : Kind.values()) {
      out.append(String.format(Locale.ROOT, "  q%d %-13s %s   (span filter matches %.2f%% of spans)%n",
          k.ordinal() + 1, k.label, traceQl(k), 100.0 * matched[k.ordinal()] / total));
    }
    return out.toString();
  }

  /** Latencies of one search in one contender, and the trace ids its last run returned. */
  public record Timing(long[] nanos, List<String> traceIds) {
    public double p50Millis() {
      return percentile(0.50);
    }

    public double p99Millis() {
      return percentile(0.99);
    }

    private double percentile(double p) {
      if (nanos.length == 0) {
        return Double.NaN;
      }
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
  }

  /** Runs a search: returns the trace ids (32 lower-case hex digits), newest first. */
  @FunctionalInterface
  public interface Runner {
    List<String> run(Kind kind) throws Exception;
  }

  /**
   * Each search {@code warmup} times untimed, then up to {@code repetitions} times timed, stopping
   * early (after at least 10) once a search has used {@code budgetNanos}.
   */
  public static Map<Kind, Timing> time(Runner runner, int warmup, int repetitions, long budgetNanos) throws Exception {
    Map<Kind, Timing> out = new java.util.EnumMap<>(Kind.class);
    for (Kind k : Kind.values()) {
      List<String> ids = List.of();
      for (int i = 0; i < warmup; i++) {
        ids = runner.run(k);
      }
      long[] nanos = new long[repetitions];
      int n = 0;
      long spent = 0;
      while (n < repetitions && (n < 10 || spent < budgetNanos)) {
        long t0 = System.nanoTime();
        ids = runner.run(k);
        nanos[n++] = System.nanoTime() - t0;
        spent += nanos[n - 1];
      }
      out.put(k, new Timing(Arrays.copyOf(nanos, n), ids));
    }
    return out;
  }

  /** Left-pads a hex trace id to 32 digits (Tempo's API trims leading zeros). */
  public static String fullTraceId(String hex) {
    return hex.length() >= 32 ? hex : "0".repeat(32 - hex.length()) + hex;
  }
}
