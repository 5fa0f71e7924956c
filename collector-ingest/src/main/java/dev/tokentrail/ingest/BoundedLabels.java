package dev.tokentrail.ingest;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a metric label's cardinality bounded: the first {@code maxValues} distinct values are
 * admitted, later ones become {@code other}. Never used for ids (trace, user).
 */
public final class BoundedLabels {
  public static final String OTHER = "other";
  public static final String UNKNOWN = "unknown";

  private final int maxValues;
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();

  public BoundedLabels(int maxValues) {
    if (maxValues <= 0) {
      throw new IllegalArgumentException("maxValues: " + maxValues + " (expected: > 0)");
    }
    this.maxValues = maxValues;
  }

  /** The values admitted so far. */
  public Set<String> values() {
    return Set.copyOf(admitted);
  }

  public String label(String value) {
    if (value == null || value.isEmpty()) {
      return UNKNOWN;
    }
    // Look up the truncated form, as admitted, so a long value keeps its label once the set is full.
    String bounded = value.length() > 128 ? value.substring(0, 128) : value;
    if (admitted.contains(bounded)) {
      return bounded;
    }
    synchronized (admitted) {
      if (admitted.size() < maxValues) {
        admitted.add(bounded);
        return bounded;
      }
    }
    return OTHER;
  }
}
