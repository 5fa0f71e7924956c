package dev.tokentrail.ingest;

import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;

/**
 * A fixed-size memory of recently counted span keys (tenant, trace id, span id), so a span re-sent
 * by a retrying exporter is stored once (the store replaces it) and counted in metrics once, while
 * two tenants' spans with the same ids are each counted. A lossy hash table: a key can be
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

  /** Records {@code tenant}'s span; returns {@code true} when it was already there. */
  synchronized boolean seen(String tenant, TraceId traceId, SpanId spanId) {
    long h = hash(tenant, traceId, spanId);
    int slot = (int) (h ^ (h >>> 32)) & mask;
    if (slots[slot] == h) {
      return true;
    }
    slots[slot] = h;
    return false;
  }

  /** FNV-1a over the tenant, then the id longs mixed in. */
  private static long hash(String tenant, TraceId traceId, SpanId spanId) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < tenant.length(); i++) {
      h = (h ^ tenant.charAt(i)) * 0x100000001b3L;
    }
    h = mix(h ^ traceId.high());
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
