package dev.tokentrail.ingest;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the label combinations (series) of a metric family: the first {@code maxSeries} distinct
 * combinations are admitted and keep their own series; later ones are refused, and the caller folds
 * their observations into one overflow series whose labels are {@code other}. {@link BoundedLabels}
 * bounds each label alone; this bounds their product, which grows with every label added.
 */
public final class SeriesLimiter {
  private final int maxSeries;
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();

  public SeriesLimiter(int maxSeries) {
    if (maxSeries <= 0) {
      throw new IllegalArgumentException("maxSeries: " + maxSeries + " (expected: > 0)");
    }
    this.maxSeries = maxSeries;
  }

  /** Whether the combination has (or now gets) its own series; false once the cap is reached. */
  public boolean admit(String... labels) {
    String key = key(labels);
    if (admitted.contains(key)) {
      return true;
    }
    synchronized (admitted) {
      if (admitted.size() < maxSeries) {
        admitted.add(key);
        return true;
      }
      return admitted.contains(key);
    }
  }

  /** Combinations admitted so far. */
  public int size() {
    return admitted.size();
  }

  private static String key(String[] labels) {
    StringBuilder b = new StringBuilder(64);
    for (String l : labels) {
      b.append(l).append('\u0000');
    }
    return b.toString();
  }
}
