package dev.tokentrail.store.lucene;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The attribute fields one partition may index as their own Lucene fields. Every field costs
 * memory in the writer and in every merge, so a client sending keys with ids in them ({@code
 * user.12345.score}) would otherwise grow the field count without bound. The first {@code max}
 * attribute field names ({@code a.KEY}, {@code an.KEY}, {@code r.KEY}, {@code rn.KEY}) are
 * admitted; later ones go to the catch-all fields (see {@link SpanDocuments#OVERFLOW_KEY}). A
 * field once admitted stays admitted, so a key is indexed the same way in every span of the
 * partition that came after its admission. Thread-safe: documents are built on callers' threads.
 */
final class FieldBudget {
  /**
   * Keys always indexed as their own fields: the server's own ({@code GenAiAttributes.TT_*}, a
   * fixed set: any other {@code tokentrail.*} key a client makes up is budgeted like the rest) and
   * those analytics filter on.
   */
  private static final Set<String> PINNED = pinned();

  private static Set<String> pinned() {
    Set<String> keys = new java.util.HashSet<>(Set.of("gen_ai.request.model", "gen_ai.response.model", "service.name"));
    for (java.lang.reflect.Field f : dev.tokentrail.genai.GenAiAttributes.class.getFields()) {
      if (f.getName().startsWith("TT_") && f.getType() == String.class
          && java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
        try {
          keys.add((String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return Set.copyOf(keys);
  }

  private final int max;
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();
  private final AtomicLong overflowValues = new AtomicLong();
  private final Runnable onOverflow;

  FieldBudget(int max, Iterable<String> existingFields) {
    this(max, existingFields, () -> {});
  }

  FieldBudget(int max, Iterable<String> existingFields, Runnable onOverflow) {
    this.onOverflow = onOverflow;
    if (max <= 0) {
      throw new IllegalArgumentException("maxIndexedFields: " + max + " (expected: > 0)");
    }
    this.max = max;
    for (String field : existingFields) {
      if (isAttributeField(field)) {
        admitted.add(field);
      }
    }
  }

  /** Whether {@code field} (an attribute field name, with its prefix) is indexed on its own. */
  boolean admit(String field, String key) {
    if (admitted.contains(field)) {
      return true;
    }
    if (PINNED.contains(key)) {
      admitted.add(field);
      return true;
    }
    synchronized (this) {
      if (admitted.size() >= max) {
        return false;
      }
      admitted.add(field);
      return true;
    }
  }

  void countOverflow() {
    overflowValues.incrementAndGet();
    onOverflow.run();
  }

  /** Attribute fields indexed on their own in this partition. */
  int indexedFields() {
    return admitted.size();
  }

  /** Attribute values this process indexed through the catch-all fields of this partition. */
  long overflowValues() {
    return overflowValues.get();
  }

  int max() {
    return max;
  }

  static boolean isAttributeField(String field) {
    return field.startsWith(SpanDocuments.SPAN_ATTR)
        || field.startsWith(SpanDocuments.SPAN_NUM)
        || field.startsWith(SpanDocuments.RESOURCE_ATTR)
        || field.startsWith(SpanDocuments.RESOURCE_NUM);
  }
}
