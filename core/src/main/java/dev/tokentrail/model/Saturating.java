package dev.tokentrail.model;

/**
 * Sums of counts that stop at {@link Long#MAX_VALUE} (or {@link Long#MIN_VALUE}) instead of
 * wrapping around: token totals are never negative because one input was huge.
 */
public final class Saturating {
  private Saturating() {}

  /** {@code a + b}, clamped to the range of a long. */
  public static long add(long a, long b) {
    long sum = a + b;
    // Overflow iff both operands have the sign opposite to the result's.
    if (((a ^ sum) & (b ^ sum)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return sum;
  }
}
