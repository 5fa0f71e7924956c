package dev.tokentrail.query.traceql;

import dev.tokentrail.model.Durations;

/**
 * TraceQL duration literals such as {@code 1.5s} or {@code 300ms}, in nanoseconds: Go's units
 * only, as Tempo's TraceQL reads them, parsed by the one duration parser ({@link Durations}).
 */
final class DurationLiteral {
  private DurationLiteral() {}

  static boolean isUnit(String unit) {
    return switch (unit) {
      case "ns", "us", "µs", "ms", "s", "m", "h" -> true;
      default -> false;
    };
  }

  static long nanos(String literal, int offset) {
    boolean negative = literal.startsWith("-");
    try {
      long nanos = Durations.parse(negative ? literal.substring(1) : literal, "duration").toNanos();
      return negative ? -nanos : nanos;
    } catch (IllegalArgumentException e) {
      throw new TraceQlException("invalid duration '" + literal + "'", offset);
    }
  }
}
