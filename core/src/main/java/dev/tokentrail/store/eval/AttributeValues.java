package dev.tokentrail.store.eval;

import dev.tokentrail.model.Span;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.TagValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How stores read attribute values in Java: the searchable scalars of a value (a string,
 * number or boolean, or each such element of a list; bytes, maps, NaN and empty lists are not
 * searchable and count as absent), their TraceQL types, and the numeric value aggregates read.
 */
public final class AttributeValues {
  private AttributeValues() {}

  /** The searchable scalars of an attribute value; empty when it has none. */
  public static List<Object> scalars(Object value) {
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      for (Object element : list) {
        if (isScalar(element)) {
          out.add(element);
        }
      }
      return out;
    }
    return isScalar(value) ? List.of(value) : List.of();
  }

  private static boolean isScalar(Object value) {
    return value instanceof String || value instanceof Long || value instanceof Boolean
        || (value instanceof Double d && !d.isNaN());
  }

  /** The attribute map a scope reads: span or resource. */
  public static Map<String, Object> attributes(Span span, boolean resource) {
    return resource ? span.resource().attributes() : span.attributes();
  }

  /**
   * The scalars of {@code field} on {@code span}, for a span, resource or unscoped attribute (the
   * span's own value first, then the resource's).
   */
  public static List<Object> scalars(Span span, FieldRef field) {
    return switch (field.scope()) {
      case SPAN -> scalars(span.attributes().get(field.name()));
      case RESOURCE -> scalars(span.resource().attributes().get(field.name()));
      case ANY -> {
        List<Object> own = scalars(span.attributes().get(field.name()));
        List<Object> resource = scalars(span.resource().attributes().get(field.name()));
        if (resource.isEmpty()) {
          yield own;
        }
        List<Object> both = new ArrayList<>(own);
        both.addAll(resource);
        yield both;
      }
      case INTRINSIC -> throw new IllegalArgumentException("field: " + field + " (expected: an attribute)");
    };
  }

  /**
   * The number an aggregate or a metric reads from an attribute: the smallest numeric scalar of the
   * span's value (unscoped: of the span's value, else the resource's), NaN when there is none.
   */
  public static double number(Span span, FieldRef field) {
    return switch (field.scope()) {
      case SPAN -> smallestNumber(span.attributes().get(field.name()));
      case RESOURCE -> smallestNumber(span.resource().attributes().get(field.name()));
      case ANY -> {
        double own = smallestNumber(span.attributes().get(field.name()));
        yield Double.isNaN(own) ? smallestNumber(span.resource().attributes().get(field.name())) : own;
      }
      case INTRINSIC -> throw new IllegalArgumentException("field: " + field + " (expected: an attribute)");
    };
  }

  private static double smallestNumber(Object value) {
    double smallest = Double.NaN;
    for (Object scalar : scalars(value)) {
      if (scalar instanceof Number n && (Double.isNaN(smallest) || n.doubleValue() < smallest)) {
        smallest = n.doubleValue();
      }
    }
    return smallest;
  }

  /** A tag value as TraceQL types it; numbers are {@code int} when whole (below 1e15), else {@code float}. */
  public static TagValue tagValue(Object scalar) {
    return switch (scalar) {
      case String s -> new TagValue("string", s);
      case Boolean b -> new TagValue("bool", b.toString());
      case Number n -> numberTagValue(n.doubleValue());
      default -> throw new IllegalStateException("not a scalar: " + scalar);
    };
  }

  public static TagValue numberTagValue(double v) {
    if (isWhole(v)) {
      return new TagValue("int", Long.toString((long) v));
    }
    return new TagValue("float", Double.toString(v));
  }

  /** A number as a metrics group value: a Long when whole (below 1e15), else a Double. */
  public static Object groupNumber(double v) {
    return isWhole(v) ? (Object) (long) v : (Object) v;
  }

  private static boolean isWhole(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15;
  }

  /** Compares strings by their UTF-8 bytes, unsigned, as the TraceQL range operators do. */
  public static int compareUtf8(String a, String b) {
    byte[] x = a.getBytes(StandardCharsets.UTF_8);
    byte[] y = b.getBytes(StandardCharsets.UTF_8);
    return java.util.Arrays.compareUnsigned(x, y);
  }
}
