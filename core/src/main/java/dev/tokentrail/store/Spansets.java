package dev.tokentrail.store;

import static java.util.Objects.requireNonNull;

/** Spanset expressions of a trace search: a span filter, or two spansets combined. */
public sealed interface Spansets {

  /** Spans matching {@code filter}: TraceQL's {@code { ... }}. */
  record Filter(SpanFilter filter) implements Spansets {
    public Filter {
      requireNonNull(filter, "filter");
    }
  }

  /**
   * {@code and}: traces with spans matching both sides (the matched spans of both are kept);
   * otherwise traces matching either side.
   */
  record Combine(boolean and, Spansets left, Spansets right) implements Spansets {
    public Combine {
      requireNonNull(left, "left");
      requireNonNull(right, "right");
    }
  }

  static Spansets of(SpanFilter filter) {
    return new Filter(filter);
  }
}
