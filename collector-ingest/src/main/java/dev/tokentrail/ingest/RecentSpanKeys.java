package dev.tokentrail.ingest;

import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;

/**
 * A fixed-size memory of recently counted span keys, so a span re-sent by a retrying exporter is
 * stored once (the store replaces it) and counted in metrics once. A lossy hash table: a key can be
 * forgotten when a later one takes its slot, never misremembered as seen unless two 64-bit hashes
 * collide.
 */
final class RecentSpanKeys {
  private final long[] slots;
  private final int mask;

  RecentSpanKeys(int capacityPowerOfTwo) {
    if (Integer.bitCount(capacityPowerOfTwo) != 1) {
      throw new IllegalArgumentException("capacity: " + capacityPowerOfTwo + " (expected: a power of two)");
    }
    slots = new long[capacityPowerOfTwo];
    mask = capacityPowerOfTwo - 1;
  }

  /** Records the key; returns {@code true} when it was already there. */
  synchronized boolean seen(TraceId traceId, SpanId spanId) {
    long h = hash(traceId, spanId);
    int slot = (int) (h ^ (h >>> 32)) & mask;
    if (slots[slot] == h) {
      return true;
    }
    slots[slot] = h;
    return false;
  }

  private static long hash(TraceId traceId, SpanId spanId) {
    long h = mix(traceId.high());
    h = mix(h ^ traceId.low());
    h = mix(h ^ spanId.value());
    return h == 0 ? 1 : h;
  }

  /** SplitMix64's finalizer: every input bit moves every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
