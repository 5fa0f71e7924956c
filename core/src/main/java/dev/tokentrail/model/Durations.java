package dev.tokentrail.model;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * Durations as people type them, in configuration keys, command-line flags and query parameters
 * alike: the spellings of Prometheus and Go ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h},
 * {@code 7d}, {@code 2w}, {@code 1y} = 365 days), compound ({@code 1h30m}) and fractional ({@code
 * 1.5s}). One parser, so that a spelling accepted in one place is accepted in all of them.
 *
 * <p>Units: {@code ns}, {@code us} (or {@code µs}), {@code ms}, {@code s}, {@code m}, {@code h},
 * {@code d}, {@code w}, {@code y}. No sign, no exponent; at most {@link Long#MAX_VALUE}
 * nanoseconds (292 years). Bad text is an {@link IllegalArgumentException} naming the parameter,
 * the value and the accepted forms.
 */
public final class Durations {
  /** The accepted forms, as error messages name them. */
  public static final String FORMS = "a duration such as 500ms, 30s, 5m, 1h30m, 7d or 2w";

  private static final int MAX_LENGTH = 64;
  private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);
  private static final long SECOND = 1_000_000_000L;

  private Durations() {}

  /** {@code text} as a duration with units; {@code name} is the key or parameter it came from. */
  public static Duration parse(String text, String name) {
    return parse(text, name, false);
  }

  /**
   * {@code text} as a duration with units, or a plain number of seconds ({@code 15}, {@code 0.5}),
   * as Tempo reads its {@code step}.
   */
  public static Duration parseSecondsOrDuration(String text, String name) {
    return parse(text, name, true);
  }

  private static Duration parse(String text, String name, boolean plainSeconds) {
    requireNonNull(name, "name");
    String expected = plainSeconds ? "seconds or " + FORMS : FORMS;
    if (text == null) {
      throw new IllegalArgumentException(name + ": missing (expected: " + expected + ")");
    }
    String s = text.trim();
    if (s.isEmpty() || s.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          name + ": " + (s.isEmpty() ? "empty" : shortened(text)) + " (expected: " + expected + ")");
    }
    BigDecimal nanos;
    if (plainSeconds && isDecimal(s, 0, s.length())) {
      nanos = new BigDecimal(s).multiply(BigDecimal.valueOf(SECOND));
    } else {
      nanos = BigDecimal.ZERO;
      int i = 0;
      while (i < s.length()) {
        int numberStart = i;
        while (i < s.length() && isNumberChar(s.charAt(i))) {
          i++;
        }
        int unitStart = i;
        while (i < s.length() && !isNumberChar(s.charAt(i))) {
          i++;
        }
        long unit = unitNanos(s.substring(unitStart, i));
        if (unit < 0 || !isDecimal(s, numberStart, unitStart)) {
          throw new IllegalArgumentException(name + ": " + text + " (expected: " + expected + ")");
        }
        nanos = nanos.add(new BigDecimal(s.substring(numberStart, unitStart)).multiply(BigDecimal.valueOf(unit)));
      }
    }
    nanos = nanos.setScale(0, RoundingMode.HALF_UP);
    if (nanos.compareTo(MAX_NANOS) > 0) {
      throw new IllegalArgumentException(name + ": " + text + " (expected: at most 292 years)");
    }
    return Duration.ofNanos(nanos.longValueExact());
  }

  private static boolean isNumberChar(char c) {
    return (c >= '0' && c <= '9') || c == '.';
  }

  /** Digits with at most one decimal point, and at least one digit: {@code 5}, {@code 1.5}, {@code .5}, {@code 5.}. */
  private static boolean isDecimal(String s, int from, int to) {
    boolean digit = false;
    boolean point = false;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '.') {
        if (point) {
          return false;
        }
        point = true;
      } else if (c >= '0' && c <= '9') {
        digit = true;
      } else {
        return false;
      }
    }
    return digit;
  }

  /** Nanoseconds in one {@code unit}, or -1 for a unit that is not one. */
  private static long unitNanos(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us", "µs", "μs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> SECOND;
      case "m" -> 60 * SECOND;
      case "h" -> 3600 * SECOND;
      case "d" -> 86_400 * SECOND;
      case "w" -> 7 * 86_400 * SECOND;
      case "y" -> 365 * 86_400 * SECOND;
      default -> -1L;
    };
  }

  private static String shortened(String text) {
    return text.length() <= MAX_LENGTH ? text : text.substring(0, MAX_LENGTH) + "...";
  }
}
