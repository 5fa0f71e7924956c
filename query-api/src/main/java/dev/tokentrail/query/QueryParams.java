package dev.tokentrail.query;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.model.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * A request's query string read the one way every endpoint reads it: typed getters that treat an
 * absent or blank parameter as its default, ignore parameters nobody asks for (Grafana sends
 * more than an endpoint reads), and refuse a bad value with an {@link IllegalArgumentException}
 * naming the parameter, the value and what is accepted ({@code "limit: abc (expected: an integer
 * from 1 to 10000)"}), which the port's error handler answers 400.
 */
final class QueryParams {
  private static final long SECOND = 1_000_000_000L;
  private static final long MAX_EPOCH_SECONDS = Long.MAX_VALUE / SECOND;
  private static final long MAX_EPOCH_MILLIS = Long.MAX_VALUE / 1_000_000L;
  private static final String TEMPO_TIME = "a time from 1970 to 2262";

  private final com.linecorp.armeria.common.QueryParams params;

  private QueryParams(com.linecorp.armeria.common.QueryParams params) {
    this.params = params;
  }

  static QueryParams of(ServiceRequestContext ctx) {
    return new QueryParams(ctx.queryParams());
  }

  /** The value, or null when the parameter is absent or blank. */
  String optionalString(String name) {
    String value = params.get(name);
    return value == null || value.isBlank() ? null : value;
  }

  /** The value; absent or blank is refused, saying what was {@code expected}. */
  String requiredString(String name, String expected) {
    String value = optionalString(name);
    if (value == null) {
      throw new IllegalArgumentException(name + ": missing (expected: " + expected + ")");
    }
    return value;
  }

  /** One of {@code allowed}, or {@code defaultValue} when absent. */
  String choice(String name, String defaultValue, List<String> allowed) {
    String value = optionalString(name);
    if (value == null) {
      return defaultValue;
    }
    if (!allowed.contains(value)) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: " + oneOf(allowed) + ")");
    }
    return value;
  }

  /**
   * A filter value, or null for "no filter": absent, blank, or one of Grafana's all-values ({@code
   * $__all}, {@code All}, and {@code .*}, the all-value TokenTrail's dashboards use so that one
   * variable serves both PromQL regex matchers and these endpoints).
   */
  String filter(String name) {
    String value = optionalString(name);
    return value == null || value.equals("$__all") || value.equals("All") || value.equals(".*") ? null : value;
  }

  /** A count of results: an integer from 1 to {@code max}. */
  int limit(String name, int defaultValue, int max) {
    return integer(name, defaultValue, 1, max);
  }

  /** An integer from {@code min} to {@code max}. */
  int integer(String name, int defaultValue, int min, int max) {
    String value = optionalString(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Refused below.
    }
    throw new IllegalArgumentException(name + ": " + value + " (expected: an integer from " + min + " to " + max + ")");
  }

  /**
   * An integer clamped to {@code min..max}, {@code defaultValue} when it is not one: how Tempo
   * reads {@code exemplars}, which it never refuses.
   */
  int clampedInteger(String name, int defaultValue, int min, int max) {
    String value = optionalString(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      return (int) Math.max(min, Math.min(max, Long.parseLong(value.trim())));
    } catch (NumberFormatException e) {
      return defaultValue;
    }
  }

  /** A duration ({@link Durations}), or {@code defaultValue} when absent. */
  Duration duration(String name, Duration defaultValue) {
    String value = optionalString(name);
    return value == null ? defaultValue : Durations.parse(value, name);
  }

  /** A duration or a plain number of seconds, as Tempo reads {@code step}; {@code defaultValue} when absent. */
  Duration secondsOrDuration(String name, Duration defaultValue) {
    String value = optionalString(name);
    return value == null ? defaultValue : Durations.parseSecondsOrDuration(value, name);
  }

  /** Tempo's {@code start}/{@code end}: unix epoch seconds, as epoch nanoseconds; 0 when absent. */
  long epochSeconds(String name) {
    String value = optionalString(name);
    if (value == null) {
      return 0;
    }
    try {
      long seconds = Long.parseLong(value);
      if (seconds >= 0 && seconds <= MAX_EPOCH_SECONDS) {
        return seconds * SECOND;
      }
    } catch (NumberFormatException e) {
      // Refused below.
    }
    throw new IllegalArgumentException(name + ": " + value + " (expected: unix epoch seconds up to " + MAX_EPOCH_SECONDS + ")");
  }

  /**
   * Tempo's search window: {@code start} and {@code end} in unix epoch seconds, as epoch
   * nanoseconds ({start, end}; 0 when absent); a start after the end is refused.
   */
  long[] timeRangeSeconds(String startName, String endName) {
    long start = epochSeconds(startName);
    long end = epochSeconds(endName);
    if (end != 0 && start > end) {
      throw new IllegalArgumentException(startName + ": after " + endName + " (expected: " + startName + " <= " + endName + ")");
    }
    return new long[] {start, end};
  }

  /** The {@code /api/v1} times: epoch milliseconds or an ISO-8601 instant, from 1970 to 2262. */
  long epochMillis(String name, long defaultValue) {
    String value = optionalString(name);
    if (value == null) {
      return defaultValue;
    }
    String v = value.trim();
    String expected = name + ": " + value + " (expected: epoch milliseconds from 0 to " + MAX_EPOCH_MILLIS + " or an ISO-8601 instant)";
    if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      try {
        long millis = Long.parseLong(v);
        if (millis <= MAX_EPOCH_MILLIS) {
          return millis;
        }
      } catch (NumberFormatException e) {
        // Refused below.
      }
      throw new IllegalArgumentException(expected);
    }
    try {
      long millis = Instant.parse(v).toEpochMilli();
      if (millis >= 0 && millis <= MAX_EPOCH_MILLIS) {
        return millis;
      }
      throw new IllegalArgumentException(expected);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(expected);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: epoch milliseconds or an ISO-8601 instant)");
    }
  }

  /**
   * A time as Tempo's metrics API reads it, in epoch nanoseconds: unix seconds (10 digits or
   * fewer), unix nanoseconds, fractional seconds (to the millisecond), or RFC 3339.
   */
  long tempoTimestamp(String name, long defaultValue) {
    String value = optionalString(name);
    if (value == null) {
      return defaultValue;
    }
    String v = value.trim();
    String outOfRange = name + ": " + value + " (expected: " + TEMPO_TIME + ")";
    if (v.contains(".")) {
      try {
        double seconds = Double.parseDouble(v);
        if (!(seconds >= 0 && seconds < MAX_EPOCH_SECONDS)) {
          throw new IllegalArgumentException(outOfRange);
        }
        long whole = (long) Math.floor(seconds);
        long millis = Math.round((seconds - whole) * 1000);
        return whole * SECOND + millis * 1_000_000L;
      } catch (NumberFormatException e) {
        // Not a number: RFC 3339 below.
      }
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0 || (v.length() <= 10 && n > MAX_EPOCH_SECONDS)) {
        throw new IllegalArgumentException(outOfRange);
      }
      return v.length() <= 10 ? n * SECOND : n;
    } catch (NumberFormatException e) {
      try {
        OffsetDateTime t = OffsetDateTime.parse(v);
        if (t.toEpochSecond() < 0 || t.toEpochSecond() > MAX_EPOCH_SECONDS
            || t.toEpochSecond() * SECOND > Long.MAX_VALUE - t.getNano()) {
          throw new IllegalArgumentException(outOfRange);
        }
        return t.toEpochSecond() * SECOND + t.getNano();
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException(name + ": " + value
            + " (expected: unix seconds, unix nanoseconds, fractional seconds or an RFC 3339 time)");
      }
    }
  }

  /** "a, b or c". */
  private static String oneOf(List<String> allowed) {
    requireNonNull(allowed, "allowed");
    if (allowed.size() == 1) {
      return allowed.get(0);
    }
    return String.join(", ", allowed.subList(0, allowed.size() - 1)) + " or " + allowed.get(allowed.size() - 1);
  }
}
