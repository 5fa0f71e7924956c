package dev.tokentrail.store.memory;

import dev.tokentrail.store.eval.AttributeValues;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.QueryCancellation;
import dev.tokentrail.store.TagNames;
import dev.tokentrail.store.TagValue;
import dev.tokentrail.store.TraceSummary;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Tag names and values of one tenant's spans in a time range. A value is counted once per span
 * holding it (once per trace for the trace-level intrinsics, over the traces starting in the
 * range); values are ranked by that count, ties with strings and booleans before numbers, strings
 * by value, numbers numerically.
 */
final class TagDiscovery {
  private TagDiscovery() {}

  static TagNames names(Collection<StoredTrace> traces, long from, long to, int limit) {
    QueryCancellation cancellation = QueryCancellation.current();
    TreeSet<String> span = new TreeSet<>();
    TreeSet<String> resource = new TreeSet<>();
    for (StoredTrace trace : traces) {
      cancellation.check();
      for (IngestedSpan s : trace.ingested()) {
        if (inRange(s.span().startEpochNanos(), from, to)) {
          addKeys(s.span().attributes(), span);
          addKeys(s.span().resource().attributes(), resource);
        }
      }
    }
    return new TagNames(span.stream().limit(limit).toList(), resource.stream().limit(limit).toList());
  }

  private static void addKeys(Map<String, Object> attributes, Set<String> out) {
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      if (!AttributeValues.scalars(e.getValue()).isEmpty()) {
        out.add(e.getKey());
      }
    }
  }

  static List<TagValue> values(Collection<StoredTrace> traces, FieldRef field, long from, long to, int limit) {
    QueryCancellation cancellation = QueryCancellation.current();
    Map<TagValue, Long> counts = new HashMap<>();
    boolean traceLevel = field.scope() == FieldRef.Scope.INTRINSIC
        && (field.name().equals(FieldRef.SERVICE) || field.name().equals(FieldRef.ROOT_NAME));
    if (field.scope() == FieldRef.Scope.INTRINSIC && !traceLevel
        && !List.of(FieldRef.NAME, FieldRef.STATUS, FieldRef.KIND).contains(field.name())) {
      throw new IllegalArgumentException("intrinsic: " + field.name() + " has no enumerable values");
    }
    for (StoredTrace trace : traces) {
      cancellation.check();
      if (traceLevel) {
        TraceSummary summary = trace.summary();
        if (inRange(summary.startEpochNanos(), from, to)) {
          String v = field.name().equals(FieldRef.SERVICE) ? summary.rootServiceName() : summary.rootSpanName();
          counts.merge(new TagValue("string", v), 1L, Long::sum);
        }
        continue;
      }
      for (IngestedSpan s : trace.ingested()) {
        if (inRange(s.span().startEpochNanos(), from, to)) {
          for (TagValue v : valuesOf(s.span(), field)) {
            counts.merge(v, 1L, Long::sum);
          }
        }
      }
    }
    List<Map.Entry<TagValue, Long>> ranked = new ArrayList<>(counts.entrySet());
    ranked.sort(Map.Entry.<TagValue, Long>comparingByValue().reversed()
        .thenComparing(Map.Entry::getKey, VALUE_ORDER));
    List<TagValue> out = new ArrayList<>();
    for (Map.Entry<TagValue, Long> e : ranked.subList(0, Math.min(limit, ranked.size()))) {
      out.add(e.getKey());
    }
    return out;
  }

  /** The distinct typed values a span holds for the field (a list's elements each). */
  private static Set<TagValue> valuesOf(Span span, FieldRef field) {
    Set<TagValue> out = new LinkedHashSet<>();
    switch (field.scope()) {
      case INTRINSIC -> out.add(new TagValue("string", switch (field.name()) {
        case FieldRef.NAME -> span.name();
        case FieldRef.STATUS -> span.statusCode().traceQlName();
        default -> span.kind().traceQlName();
      }));
      default -> {
        for (Object scalar : AttributeValues.scalars(span, field)) {
          out.add(AttributeValues.tagValue(scalar));
        }
      }
    }
    return out;
  }

  /** Ties: strings and booleans before numbers; strings by value, numbers numerically. */
  static final Comparator<TagValue> VALUE_ORDER = (a, b) -> {
    boolean an = isNumber(a);
    boolean bn = isNumber(b);
    if (an != bn) {
      return an ? 1 : -1;
    }
    return an
        ? Double.compare(Double.parseDouble(a.value()), Double.parseDouble(b.value()))
        : a.value().compareTo(b.value());
  };

  private static boolean isNumber(TagValue v) {
    return v.type().equals("int") || v.type().equals("float");
  }

  static boolean inRange(long start, long from, long to) {
    return (from <= 0 || start >= from) && (to <= 0 || start <= to);
  }
}
