package dev.tokentrail.ingest;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The attribute keys ingest removes from every export before anything reads it ({@code
 * ingest.drop_attributes}): personal data a team does not want stored, such as {@code user.email}
 * or captured prompt text. Patterns are keys in which {@code *} matches any run of characters
 * ({@code gen_ai.prompt*}, {@code *.password}); they apply to resource, span, event and link
 * attributes alike. A dropped attribute is never normalized, priced, indexed or stored; the
 * element's {@code dropped_attributes_count} grows by one, as OTLP counts attributes an SDK drops.
 *
 * <p>An export without a matching key is returned as it came, after one pass over its keys with
 * no allocation; only an export with a match is copied.
 */
public final class DroppedAttributes {
  /** Where a dropped attribute was: the label of {@code tokentrail_ingest_attributes_dropped_total}. */
  public enum Scope {
    RESOURCE,
    SPAN,
    EVENT,
    LINK;

    final String label = name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Receives the count of attributes dropped from one export, per scope. */
  @FunctionalInterface
  public interface Counter {
    void dropped(Scope scope, int attributes);
  }

  private static final DroppedAttributes NONE = new DroppedAttributes(Set.of(), List.of(), List.of());

  private final Set<String> exact;
  private final List<String[]> globs;
  private final List<String> patterns;

  private DroppedAttributes(Set<String> exact, List<String[]> globs, List<String> patterns) {
    this.exact = exact;
    this.globs = globs;
    this.patterns = patterns;
  }

  /** Drops nothing. */
  public static DroppedAttributes none() {
    return NONE;
  }

  /**
   * Drops the keys matching any of {@code patterns}.
   *
   * @throws IllegalArgumentException for a blank pattern or one that is only {@code *} (which would
   *     drop every attribute, LLM usage included)
   */
  public static DroppedAttributes of(List<String> patterns) {
    requireNonNull(patterns, "patterns");
    Set<String> exact = new HashSet<>();
    List<String[]> globs = new ArrayList<>();
    for (String pattern : patterns) {
      requireNonNull(pattern, "pattern");
      String p = pattern.strip();
      if (p.isEmpty()) {
        throw new IllegalArgumentException("ingest.drop_attributes: an empty pattern (expected: attribute keys, * as wildcard)");
      }
      if (p.chars().allMatch(c -> c == '*')) {
        throw new IllegalArgumentException(
            "ingest.drop_attributes: " + p + " would drop every attribute (expected: a key or a pattern such as user.*)");
      }
      if (p.indexOf('*') < 0) {
        exact.add(p);
      } else {
        globs.add(p.split("\\*", -1));
      }
    }
    return exact.isEmpty() && globs.isEmpty() ? NONE : new DroppedAttributes(Set.copyOf(exact), List.copyOf(globs),
        patterns.stream().map(String::strip).toList());
  }

  /** The patterns, as configured. */
  public List<String> patterns() {
    return patterns;
  }

  /** Whether an attribute with {@code key} is dropped. */
  public boolean drops(String key) {
    if (exact.contains(key)) {
      return true;
    }
    for (int i = 0; i < globs.size(); i++) {
      if (matches(globs.get(i), key)) {
        return true;
      }
    }
    return false;
  }

  /** {@code parts} are a pattern split at its {@code *}s: the key starts with the first, ends with the last, holds the rest in order. */
  private static boolean matches(String[] parts, String key) {
    String first = parts[0];
    String last = parts[parts.length - 1];
    if (key.length() < first.length() + last.length() || !key.startsWith(first) || !key.endsWith(last)) {
      return false;
    }
    int from = first.length();
    int end = key.length() - last.length();
    for (int i = 1; i < parts.length - 1; i++) {
      int at = key.indexOf(parts[i], from);
      if (at < 0 || at + parts[i].length() > end) {
        return false;
      }
      from = at + parts[i].length();
    }
    return true;
  }

  /**
   * {@code request} without the dropped attributes, counting them in {@code counter}; {@code
   * request} itself when none of its keys is dropped.
   */
  public ExportTraceServiceRequest apply(ExportTraceServiceRequest request, Counter counter) {
    if (this == NONE || !anyDropped(request)) {
      return request;
    }
    int[] counts = new int[Scope.values().length];
    ExportTraceServiceRequest.Builder out = request.toBuilder();
    for (ResourceSpans.Builder resourceSpans : out.getResourceSpansBuilderList()) {
      Resource.Builder resource = resourceSpans.getResourceBuilder();
      int n = removeFrom(resource.getAttributesCount(), i -> resource.getAttributes(i).getKey(), resource::removeAttributes);
      resource.setDroppedAttributesCount(resource.getDroppedAttributesCount() + n);
      counts[Scope.RESOURCE.ordinal()] += n;
      for (ScopeSpans.Builder scopeSpans : resourceSpans.getScopeSpansBuilderList()) {
        for (Span.Builder span : scopeSpans.getSpansBuilderList()) {
          n = removeFrom(span.getAttributesCount(), i -> span.getAttributes(i).getKey(), span::removeAttributes);
          span.setDroppedAttributesCount(span.getDroppedAttributesCount() + n);
          counts[Scope.SPAN.ordinal()] += n;
          for (Span.Event.Builder event : span.getEventsBuilderList()) {
            n = removeFrom(event.getAttributesCount(), i -> event.getAttributes(i).getKey(), event::removeAttributes);
            event.setDroppedAttributesCount(event.getDroppedAttributesCount() + n);
            counts[Scope.EVENT.ordinal()] += n;
          }
          for (Span.Link.Builder link : span.getLinksBuilderList()) {
            n = removeFrom(link.getAttributesCount(), i -> link.getAttributes(i).getKey(), link::removeAttributes);
            link.setDroppedAttributesCount(link.getDroppedAttributesCount() + n);
            counts[Scope.LINK.ordinal()] += n;
          }
        }
      }
    }
    for (Scope scope : Scope.values()) {
      if (counts[scope.ordinal()] > 0) {
        counter.dropped(scope, counts[scope.ordinal()]);
      }
    }
    return out.build();
  }

  private int removeFrom(int count, java.util.function.IntFunction<String> keyAt, java.util.function.IntConsumer remove) {
    int removed = 0;
    for (int i = count - 1; i >= 0; i--) {
      if (drops(keyAt.apply(i))) {
        remove.accept(i);
        removed++;
      }
    }
    return removed;
  }

  private boolean anyDropped(ExportTraceServiceRequest request) {
    for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
      if (anyDropped(resourceSpans.getResource().getAttributesList())) {
        return true;
      }
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          if (anyDropped(span.getAttributesList())) {
            return true;
          }
          for (Span.Event event : span.getEventsList()) {
            if (anyDropped(event.getAttributesList())) {
              return true;
            }
          }
          for (Span.Link link : span.getLinksList()) {
            if (anyDropped(link.getAttributesList())) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  private boolean anyDropped(List<KeyValue> attributes) {
    for (int i = 0; i < attributes.size(); i++) {
      if (drops(attributes.get(i).getKey())) {
        return true;
      }
    }
    return false;
  }
}
