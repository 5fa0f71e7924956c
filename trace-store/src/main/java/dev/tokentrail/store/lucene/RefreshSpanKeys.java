package dev.tokentrail.store.lucene;

import java.util.Arrays;

/**
 * The span keys (their 64-bit hashes) one indexing thread indexed in one rollup generation: a
 * copy indexed twice before the first copy is published is in the rollup deltas twice, which the
 * published index cannot show. Every copy of a span is indexed by the same thread (batches are sliced by trace),
 * so a set per thread sees them all. Open addressing over a reused array: no allocation per span.
 */
final class RefreshSpanKeys {
  private long[] slots = new long[1 << 12];
  private int size;

  /** Adds {@code hash}; false when it was already there. */
  boolean add(long hash) {
    long key = hash == 0 ? 1 : hash;
    if (size * 2 >= slots.length) {
      grow();
    }
    int mask = slots.length - 1;
    for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
      long slot = slots[i];
      if (slot == 0) {
        slots[i] = key;
        size++;
        return true;
      }
      if (slot == key) {
        return false;
      }
    }
  }

  boolean contains(long hash) {
    long key = hash == 0 ? 1 : hash;
    int mask = slots.length - 1;
    for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
      long slot = slots[i];
      if (slot == 0) {
        return false;
      }
      if (slot == key) {
        return true;
      }
    }
  }

  void clear() {
    if (size > 0) {
      Arrays.fill(slots, 0);
      size = 0;
    }
  }

  private void grow() {
    long[] old = slots;
    slots = new long[old.length * 2];
    size = 0;
    for (long key : old) {
      if (key != 0) {
        add(key);
      }
    }
  }

  private static int mix(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }
}
