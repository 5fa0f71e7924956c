package dev.tokentrail.query.traceql;

/** TraceQL duration literals such as {@code 1.5s} or {@code 300ms}, in nanoseconds. */
final class DurationLiteral {
  private DurationLiteral() {}

  static boolean isUnit(String unit) {
    return switch (unit) {
      case "ns", "us", "µs", "ms", "s", "m", "h" -> true;
      default -> false;
    };
  }

  static long nanos(String literal, int offset) {
    int i = 0;
    while (i < literal.length() && (Character.isDigit(literal.charAt(i)) || literal.charAt(i) == '.' || literal.charAt(i) == '-')) {
      i++;
    }
    double amount;
    try {
      amount = Double.parseDouble(literal.substring(0, i));
    } catch (NumberFormatException e) {
      throw new TraceQlException("invalid duration '" + literal + "'", offset);
    }
    double scale = switch (literal.substring(i)) {
      case "ns" -> 1;
      case "us", "µs" -> 1e3;
      case "ms" -> 1e6;
      case "s" -> 1e9;
      case "m" -> 60e9;
      case "h" -> 3600e9;
      default -> throw new TraceQlException("invalid duration '" + literal + "'", offset);
    };
    return Math.round(amount * scale);
  }
}
