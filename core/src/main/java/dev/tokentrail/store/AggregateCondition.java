package dev.tokentrail.store;

import static java.util.Objects.requireNonNull;

/**
 * A condition on an aggregate over a trace's matched spans: {@code count() > 3}, {@code
 * sum(span.tokentrail.cost.usd) > 0.5}. {@code field} is null for {@code count()}; durations are
 * in nanoseconds.
 */
public record AggregateCondition(Function function, FieldRef field, SpanFilter.Op op, double value) {

  /** Aggregate functions. */
  public enum Function {
    COUNT,
    SUM,
    AVG,
    MIN,
    MAX;

    public String traceQlName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public AggregateCondition {
    requireNonNull(function, "function");
    requireNonNull(op, "op");
    if (function != Function.COUNT && field == null) {
      throw new IllegalArgumentException("field: null (expected: a field for " + function.traceQlName() + "())");
    }
    if (op == SpanFilter.Op.REGEX || op == SpanFilter.Op.NOT_REGEX || op == SpanFilter.Op.EXISTS || op == SpanFilter.Op.NOT_EXISTS) {
      throw new IllegalArgumentException("op: " + op + " (expected: a numeric comparison)");
    }
  }

  /** The name Tempo gives the aggregate in search results, e.g. {@code sum(span.tokentrail.cost.usd)}. */
  public String label() {
    return function.traceQlName() + "(" + (field == null ? "" : field.toString()) + ")";
  }

  /** Whether {@code actual} satisfies the condition. */
  public boolean test(double actual) {
    return switch (op) {
      case EQ -> actual == value;
      case NEQ -> actual != value;
      case GT -> actual > value;
      case GTE -> actual >= value;
      case LT -> actual < value;
      case LTE -> actual <= value;
      default -> false;
    };
  }
}
