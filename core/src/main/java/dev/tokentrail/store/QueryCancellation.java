package dev.tokentrail.store;

import static java.util.Objects.requireNonNull;

import java.util.function.Supplier;

/**
 * Whether the read running on this thread should stop: its request was cancelled (the client went
 * away) or its deadline passed. The query API sets one around each store read ({@link #run}); the
 * store checks it while it works ({@link #check}) and stops with {@link QueryCancelledException},
 * so a query nobody waits for anymore stops burning CPU and memory.
 */
public final class QueryCancellation {
  private static final ThreadLocal<QueryCancellation> CURRENT = new ThreadLocal<>();
  private static final QueryCancellation NONE = new QueryCancellation(Long.MAX_VALUE);

  private final long deadlineNanos;
  private volatile String reason;
  private volatile long checks;

  private QueryCancellation(long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
  }

  /** A cancellation that also fires {@code timeoutNanos} from now ({@code <= 0}: no deadline). */
  public static QueryCancellation withTimeout(long timeoutNanos) {
    if (timeoutNanos <= 0) {
      return new QueryCancellation(Long.MAX_VALUE);
    }
    long now = System.nanoTime();
    long deadline = now + timeoutNanos;
    return new QueryCancellation(deadline < now ? Long.MAX_VALUE : deadline);
  }

  /** The cancellation of the read on this thread; one that never fires when none is set. */
  public static QueryCancellation current() {
    QueryCancellation c = CURRENT.get();
    return c == null ? NONE : c;
  }

  /** Runs {@code read} with this cancellation current on this thread. */
  public <T> T run(Supplier<T> read) {
    requireNonNull(read, "read");
    QueryCancellation previous = CURRENT.get();
    CURRENT.set(this);
    try {
      return read.get();
    } finally {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    }
  }

  /** Stops the read at its next check. */
  public void cancel(String why) {
    if (this != NONE && reason == null) {
      reason = requireNonNull(why, "why");
    }
  }

  /** Whether this is the do-nothing cancellation of a thread without a request. */
  public boolean isNone() {
    return this == NONE;
  }

  public boolean isCancelled() {
    if (this == NONE) {
      return false;
    }
    if (reason != null) {
      return true;
    }
    if (deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos >= 0) {
      reason = "query timed out";
      return true;
    }
    return false;
  }

  /** Throws {@link QueryCancelledException} once cancelled. */
  public void check() {
    if (this == NONE) {
      return;
    }
    checks++;
    if (isCancelled()) {
      throw new QueryCancelledException("query cancelled: " + reason);
    }
  }

  /** Why the read was cancelled, or null while it may go on. */
  public String reason() {
    isCancelled();
    return reason;
  }

  /** How many times the store checked this cancellation (tests observe the work done). */
  public long checks() {
    return checks;
  }
}
