package dev.tokentrail.store;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A condition on single spans, as a TraceQL spanset filter {@code { ... }} expresses it. What each
 * part means, in every store:
 *
 * <ul>
 *   <li>{@link All} matches every span; {@link And} all of its filters, {@link Or} any.
 *   <li>A {@link FieldRef.Scope#SPAN span.} field reads the span's attributes, {@code resource.}
 *       its resource's, an unscoped {@code .key} either (a span matches when its span attribute
 *       or its resource attribute satisfies the condition; {@code = nil} needs both absent).
 *       Intrinsics: {@code name}, {@code status} ({@code ok}, {@code error}, {@code unset}),
 *       {@code kind} ({@code server}, {@code client}, {@code producer}, {@code consumer}, {@code
 *       internal}, {@code unspecified}), {@code statusMessage}, {@code duration} (nanoseconds),
 *       and the trace-level {@code rootServiceName}, {@code rootName}, {@code traceDuration}:
 *       a span matches a trace-level condition when its trace's rollup does.
 *   <li>{@code =} on a string is exact; {@code =~} and {@code !~} take a regex that must match
 *       the whole value. A number condition compares numerically whatever the attribute's type
 *       ({@code 5 = 5.0}); a boolean matches a boolean attribute. A condition only reads values
 *       of its own type: a string condition never matches a numeric attribute (not even with
 *       {@code !=}), a number condition never matches a string, a regex never matches a number.
 *       A list attribute matches when one of its elements does. An attribute holding only bytes,
 *       maps, NaN or an empty list is absent (neither searchable nor listed by tag discovery).
 *   <li>{@code !=} and {@code !~} match only spans that have the field (TraceQL's rule): {@code
 *       { span.x != "a" }} does not match a span without {@code span.x}. They negate the whole
 *       value: a list matches {@code != "a"} when it has elements of the type and none equals
 *       {@code "a"}. {@code != nil} ({@link
 *       Op#EXISTS}) matches spans that have it, {@code = nil} ({@link Op#NOT_EXISTS}) those that
 *       do not.
 *   <li>{@code <}, {@code <=}, {@code >}, {@code >=} compare numbers numerically and strings by
 *       their UTF-8 bytes.
 *   <li>The string intrinsics ({@code name}, {@code status}, {@code kind}, {@code statusMessage},
 *       {@code rootServiceName}, {@code rootName}) take string values; every span has them but
 *       {@code statusMessage}, which an empty message lacks. Duration intrinsics take numbers
 *       and no regex. A value of the wrong type, an invalid regex or an unknown intrinsic is
 *       refused with {@link IllegalArgumentException} before any span is read.
 * </ul>
 */
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
