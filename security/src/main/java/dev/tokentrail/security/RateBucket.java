package dev.tokentrail.security;

/**
 * A token bucket that may go into debt: it refills at {@code ratePerSecond} up to one second's
 * worth, admits a request while it holds anything, and is then charged the request's real size
 * (spans or bytes, known only once the request is read), which may take it below zero. A tenant
 * in debt is refused until the bucket has refilled, so its average rate stays at the limit while
 * no single export, however large, is refused forever.
 */
public final class RateBucket {
  private static final double NANOS_PER_SECOND = 1e9;

  private final double ratePerSecond;
  private final double capacity;
  private double balance;
  private long lastNanos;

  /** A full bucket at {@code nowNanos}. */
  public RateBucket(double ratePerSecond, long nowNanos) {
    if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("ratePerSecond: " + ratePerSecond + " (expected: > 0)");
    }
    this.ratePerSecond = ratePerSecond;
    this.capacity = ratePerSecond;
    this.balance = capacity;
    this.lastNanos = nowNanos;
  }

  /** 0 when a request may proceed at {@code nowNanos}, else whole seconds until the bucket holds something again. */
  public synchronized int retryAfterSeconds(long nowNanos) {
    refill(nowNanos);
    if (balance > 0) {
      return 0;
    }
    double seconds = -balance / ratePerSecond;
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, Math.ceil(seconds)));
  }

  /** Takes {@code amount} from the bucket, into debt if need be. */
  public synchronized void charge(double amount, long nowNanos) {
    refill(nowNanos);
    balance -= amount;
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      balance = Math.min(capacity, balance + elapsed / NANOS_PER_SECOND * ratePerSecond);
      lastNanos = nowNanos;
    }
  }
}
