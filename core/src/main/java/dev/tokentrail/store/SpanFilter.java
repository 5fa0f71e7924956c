package dev.tokentrail.store;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** A condition on single spans, as a TraceQL spanset filter {@code { ... }} expresses it. */
public sealed interface SpanFilter {

  /** Every span. */
  record All() implements SpanFilter {}

  record And(List<SpanFilter> filters) implements SpanFilter {
    public And {
      filters = List.copyOf(filters);
    }
  }

  record Or(List<SpanFilter> filters) implements SpanFilter {
    public Or {
      filters = List.copyOf(filters);
    }
  }

  /**
   * {@code field op value}. Values are {@link String}, {@link Long}, {@link Double}, {@link
   * Boolean}, or a duration in nanoseconds ({@link Long}) for duration intrinsics. {@link Op#EXISTS}
   * and {@link Op#NOT_EXISTS} ({@code != nil}, {@code = nil}) take no value.
   */
  record Condition(FieldRef field, Op op, Object value) implements SpanFilter {
    public Condition {
      requireNonNull(field, "field");
      requireNonNull(op, "op");
    }
  }

  enum Op {
    EQ,
    NEQ,
    GT,
    GTE,
    LT,
    LTE,
    REGEX,
    NOT_REGEX,
    EXISTS,
    NOT_EXISTS
  }

  static SpanFilter all() {
    return new All();
  }

  static Condition eq(FieldRef field, Object value) {
    return new Condition(field, Op.EQ, value);
  }
}
