package dev.tokentrail.store.eval;

import dev.tokentrail.model.Span;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.SpanFilter.Op;
import dev.tokentrail.store.TraceSummary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Evaluates a {@link SpanFilter} on one span, as {@link SpanFilter}'s Javadoc defines it: typed
 * comparisons (a condition compares values of its own type), {@code !=} and {@code !~} only on
 * spans having the field and none of whose values equals or matches, list elements each, and
 * trace-level intrinsics on the trace's rollup.
 */
public final class SpanMatcher {
  private final SpanFilter filter;
  private final Map<String, Pattern> patterns = new HashMap<>();

  /** Compiles {@code filter}; throws {@link IllegalArgumentException} for what no span could be tested against. */
  public SpanMatcher(SpanFilter filter) {
    this.filter = filter;
    validate(filter);
  }

  /** Whether {@code span} matches; {@code summary} supplies its trace's rollup when a condition needs it. */
  public boolean matches(Span span, Supplier<TraceSummary> summary) {
    return matches(filter, span, summary);
  }

  private boolean matches(SpanFilter f, Span span, Supplier<TraceSummary> summary) {
    return switch (f) {
      case SpanFilter.All all -> true;
      case SpanFilter.And and -> {
        for (SpanFilter part : and.filters()) {
          if (!matches(part, span, summary)) {
            yield false;
          }
        }
        yield true;
      }
      case SpanFilter.Or or -> {
        for (SpanFilter part : or.filters()) {
          if (matches(part, span, summary)) {
            yield true;
          }
        }
        yield false;
      }
      case Condition c -> condition(c, span, summary);
    };
  }

  private boolean condition(Condition c, Span span, Supplier<TraceSummary> summary) {
    FieldRef field = c.field();
    return switch (field.scope()) {
      case SPAN, RESOURCE -> attribute(AttributeValues.scalars(span, field), c);
      case ANY -> {
        List<Object> own = AttributeValues.scalars(span.attributes().get(field.name()));
        List<Object> resource = AttributeValues.scalars(span.resource().attributes().get(field.name()));
        yield c.op() == Op.NOT_EXISTS
            ? own.isEmpty() && resource.isEmpty()
            : attribute(own, c) || attribute(resource, c);
      }
      case INTRINSIC -> switch (field.name()) {
        case FieldRef.NAME -> text(span.name(), c);
        case FieldRef.STATUS -> text(span.statusCode().traceQlName(), c);
        case FieldRef.KIND -> text(span.kind().traceQlName(), c);
        case FieldRef.STATUS_MESSAGE -> text(span.statusMessage().isEmpty() ? null : span.statusMessage(), c);
        case FieldRef.DURATION -> duration(span.durationNanos(), c);
        case FieldRef.SERVICE -> text(summary.get().rootServiceName(), c);
        case FieldRef.ROOT_NAME -> text(summary.get().rootSpanName(), c);
        case FieldRef.TRACE_DURATION -> duration(summary.get().durationNanos(), c);
        default -> throw unknownIntrinsic(field.name());
      };
    };
  }

  /** A condition on an attribute's scalars: only values of the condition's type are compared. */
  private boolean attribute(List<Object> scalars, Condition c) {
    if (c.op() == Op.EXISTS) {
      return !scalars.isEmpty();
    }
    if (c.op() == Op.NOT_EXISTS) {
      return scalars.isEmpty();
    }
    Object wanted = c.value();
    boolean any = false;
    boolean satisfied = false;
    for (Object scalar : scalars) {
      if (!sameType(scalar, wanted)) {
        continue;
      }
      any = true;
      satisfied |= positive(scalar, wanted, c.op());
    }
    // != and !~ match spans having a value of the type, none of which equals (matches) the value.
    return c.op() == Op.NEQ || c.op() == Op.NOT_REGEX ? any && !satisfied : satisfied;
  }

  private static boolean sameType(Object scalar, Object wanted) {
    return (wanted instanceof Number && scalar instanceof Number)
        || (wanted instanceof String && scalar instanceof String)
        || (wanted instanceof Boolean && scalar instanceof Boolean);
  }

  /** The positive form of the operator ({@code =} for {@code !=}, {@code =~} for {@code !~}). */
  private boolean positive(Object scalar, Object wanted, Op op) {
    if (wanted instanceof Number n) {
      double v = ((Number) scalar).doubleValue();
      double w = n.doubleValue();
      return switch (op) {
        case EQ, NEQ -> v == w;
        case GT -> v > w;
        case GTE -> v >= w;
        case LT -> v < w;
        case LTE -> v <= w;
        default -> false; // a regex never matches a number
      };
    }
    if (wanted instanceof Boolean) {
      return switch (op) {
        case EQ, NEQ -> scalar.equals(wanted);
        default -> compareBooleans(op, (Boolean) scalar, (Boolean) wanted);
      };
    }
    String s = (String) scalar;
    String w = (String) wanted;
    return switch (op) {
      case EQ, NEQ -> s.equals(w);
      case REGEX, NOT_REGEX -> pattern(w).matcher(s).matches();
      case GT -> AttributeValues.compareUtf8(s, w) > 0;
      case GTE -> AttributeValues.compareUtf8(s, w) >= 0;
      case LT -> AttributeValues.compareUtf8(s, w) < 0;
      case LTE -> AttributeValues.compareUtf8(s, w) <= 0;
      default -> false;
    };
  }

  private static boolean compareBooleans(Op op, boolean value, boolean wanted) {
    int cmp = Boolean.compare(value, wanted);
    return switch (op) {
      case GT -> cmp > 0;
      case GTE -> cmp >= 0;
      case LT -> cmp < 0;
      case LTE -> cmp <= 0;
      default -> false;
    };
  }

  /** A string intrinsic; {@code null} when the span lacks it (an empty status message). */
  private boolean text(String value, Condition c) {
    return switch (c.op()) {
      case EXISTS -> value != null;
      case NOT_EXISTS -> value == null;
      case NEQ, NOT_REGEX -> value != null && !positive(value, c.value(), c.op());
      default -> value != null && positive(value, c.value(), c.op());
    };
  }

  private static boolean duration(long nanos, Condition c) {
    if (c.op() == Op.EXISTS || c.op() == Op.NOT_EXISTS) {
      return c.op() == Op.EXISTS;
    }
    long wanted = ((Number) c.value()).longValue();
    return switch (c.op()) {
      case EQ -> nanos == wanted;
      case NEQ -> nanos != wanted;
      case GT -> nanos > wanted;
      case GTE -> nanos >= wanted;
      case LT -> nanos < wanted;
      case LTE -> nanos <= wanted;
      default -> throw new IllegalStateException("validated: " + c.op());
    };
  }

  private Pattern pattern(String regex) {
    return patterns.computeIfAbsent(regex, Pattern::compile);
  }

  /** Refuses, before any span is read, what no span could be tested against. */
  private void validate(SpanFilter f) {
    switch (f) {
      case SpanFilter.All all -> { }
      case SpanFilter.And and -> and.filters().forEach(this::validate);
      case SpanFilter.Or or -> or.filters().forEach(this::validate);
      case Condition c -> validate(c);
    }
  }

  private void validate(Condition c) {
    Object value = c.value();
    boolean exists = c.op() == Op.EXISTS || c.op() == Op.NOT_EXISTS;
    if (!exists && !(value instanceof String || value instanceof Number || value instanceof Boolean)) {
      throw new IllegalArgumentException(c.field() + ": " + value + " (expected: a string, number or boolean value for " + c.op() + ")");
    }
    boolean regex = c.op() == Op.REGEX || c.op() == Op.NOT_REGEX;
    if (regex && value instanceof String pattern) {
      pattern(pattern); // a PatternSyntaxException is an IllegalArgumentException naming the pattern
    }
    if (c.field().scope() != FieldRef.Scope.INTRINSIC) {
      return;
    }
    switch (c.field().name()) {
      case FieldRef.NAME, FieldRef.STATUS, FieldRef.KIND, FieldRef.STATUS_MESSAGE, FieldRef.SERVICE, FieldRef.ROOT_NAME -> {
        if (!exists && !(value instanceof String)) {
          throw new IllegalArgumentException(c.field() + ": " + value + " (expected: a string value)");
        }
      }
      case FieldRef.DURATION, FieldRef.TRACE_DURATION -> {
        if (regex) {
          throw new IllegalArgumentException(c.field() + ": operator " + c.op() + " (expected: a comparison of durations)");
        }
        if (!exists && !(value instanceof Number)) {
          throw new IllegalArgumentException(c.field() + ": " + value + " (expected: a duration)");
        }
      }
      default -> throw unknownIntrinsic(c.field().name());
    }
  }

  private static IllegalArgumentException unknownIntrinsic(String name) {
    return new IllegalArgumentException("intrinsic: " + name
        + " (expected: name, status, kind, statusMessage, duration, rootServiceName, rootName, traceDuration)");
  }
}
