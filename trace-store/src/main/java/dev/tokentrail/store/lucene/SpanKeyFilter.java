package dev.tokentrail.store.lucene;

import java.util.ArrayList;
import java.util.List;

/**
 * Which span keys (tenant, trace id, span id) one partition may already hold: a Bloom filter that
 * grows by adding larger blocks, so it needs no size up front. It never forgets a key it was given
 * (no false negatives), so a span it has not seen is new and can be added without the term lookup
 * of {@code updateDocument}; a span it may have seen (a re-send, or a false positive at about 1 %)
 * takes the replacing path. Built from the partition's span documents on open, then fed every span
 * indexed there. Thread-safe: indexing threads check and add atomically.
 */
final class SpanKeyFilter {
  private static final int HASHES = 7;
  /** Bits per key: about 1 % false positives with 7 hashes. */
  private static final int BITS_PER_KEY = 10;
  private static final int FIRST_BLOCK_KEYS = 1 << 16;

  private static final class Block {
    final long[] bits;
    final long mask;
    final int capacity;
    int keys;

    Block(int capacity) {
      long bitCount = Long.highestOneBit((long) capacity * BITS_PER_KEY - 1) << 1;
      this.bits = new long[(int) (bitCount >>> 6)];
      this.mask = bitCount - 1;
      this.capacity = capacity;
    }

    boolean mightContain(long h1, long h2) {
      for (int i = 0; i < HASHES; i++) {
        long bit = (h1 + i * h2) & mask;
        if ((bits[(int) (bit >>> 6)] & (1L << bit)) == 0) {
          return false;
        }
      }
      return true;
    }

    void add(long h1, long h2) {
      for (int i = 0; i < HASHES; i++) {
        long bit = (h1 + i * h2) & mask;
        bits[(int) (bit >>> 6)] |= 1L << bit;
      }
      keys++;
    }
  }

  private final List<Block> blocks = new ArrayList<>();

  SpanKeyFilter() {
    blocks.add(new Block(FIRST_BLOCK_KEYS));
  }

  /** Adds the key; true when it was certainly not there before (a new span). */
  synchronized boolean addIfAbsent(long h1, long h2) {
    if (mightContainLocked(h1, h2)) {
      return false;
    }
    Block last = blocks.get(blocks.size() - 1);
    if (last.keys >= last.capacity) {
      last = new Block((int) Math.min(1 << 28, 2L * last.capacity));
      blocks.add(last);
    }
    last.add(h1, h2);
    return true;
  }

  synchronized boolean mightContain(long h1, long h2) {
    return mightContainLocked(h1, h2);
  }

  private boolean mightContainLocked(long h1, long h2) {
    for (int i = blocks.size() - 1; i >= 0; i--) {
      if (blocks.get(i).mightContain(h1, h2)) {
        return true;
      }
    }
    return false;
  }

  /** Bytes of filter held in memory. */
  synchronized long bytes() {
    long total = 0;
    for (Block b : blocks) {
      total += 8L * b.bits.length;
    }
    return total;
  }

  /** The first hash of a span key (tenant hash, trace id halves, span id). */
  static long hash1(int tenantHash, long traceHi, long traceLo, long spanId) {
    return mix(traceHi ^ mix(traceLo ^ mix(spanId ^ tenantHash)));
  }

  /** The second hash, odd so that the probe sequence covers the block. */
  static long hash2(long h1) {
    return mix(h1 + 0x9E3779B97F4A7C15L) | 1;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
