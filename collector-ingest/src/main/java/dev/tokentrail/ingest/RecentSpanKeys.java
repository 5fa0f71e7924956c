package dev.tokentrail.ingest;

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
  synchronized boolean seen(String tenant, String traceId, String spanId) {
    long h = hash(tenant, traceId, spanId);
    int slot = (int) (h ^ (h >>> 32)) & mask;
    if (slots[slot] == h) {
      return true;
    }
    slots[slot] = h;
    return false;
  }

  /** FNV-1a over the tenant, a separator no tenant id holds, and the ids. */
  private static long hash(String tenant, String traceId, String spanId) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < tenant.length(); i++) {
      h = (h ^ tenant.charAt(i)) * 0x100000001b3L;
    }
    h = (h ^ '/') * 0x100000001b3L;
    for (int i = 0; i < traceId.length(); i++) {
      h = (h ^ traceId.charAt(i)) * 0x100000001b3L;
    }
    for (int i = 0; i < spanId.length(); i++) {
      h = (h ^ spanId.charAt(i)) * 0x100000001b3L;
    }
    return h == 0 ? 1 : h;
  }
}
