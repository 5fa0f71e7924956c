package dev.tokentrail.store.lucene;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the store may write now: open or closed, a failing write-ahead log or index being
 * retried with backoff, or a fatal error that stops writes for good. Shared by the log thread, the
 * indexing thread and {@code accept}; every field is volatile and each fault has one writer.
 */
final class WriteHealth {
  private static final Logger LOG = LoggerFactory.getLogger(WriteHealth.class);

  /** A failing stage: its cause, consecutive failures and when to try again. */
  record Fault(String stage, Throwable cause, int failures, long sinceNanos, long retryAtNanos) {
    String describe() {
      return "span store cannot write (" + stage + ": " + cause + "); retrying";
    }
  }

  private final long minBackoffNanos;
  private final long maxBackoffNanos;
  private final Consumer<Throwable> onFatalError;
  volatile boolean accepting;
  volatile boolean ready;
  /** A VirtualMachineError: the store refuses writes for good. */
  volatile Throwable fatal;
  /** A failing write-ahead log (log thread) or index (indexing thread): writes refused until retry. */
  volatile Fault logFault;
  volatile Fault indexFault;

  WriteHealth(long minBackoffNanos, long maxBackoffNanos, Consumer<Throwable> onFatalError) {
    this.minBackoffNanos = minBackoffNanos;
    this.maxBackoffNanos = Math.max(minBackoffNanos, maxBackoffNanos);
    this.onFatalError = onFatalError;
  }

  /** The fault that refuses writes now; null once its retry time came (the next batch probes). */
  Fault refusingFault() {
    long now = System.nanoTime();
    Fault f = logFault;
    if (f != null && now - f.retryAtNanos() < 0) {
      return f;
    }
    f = indexFault;
    return f;
  }

  boolean writable() {
    return accepting && fatal == null && logFault == null && indexFault == null;
  }

  long backoffNanos(int failures) {
    long wait = minBackoffNanos;
    for (int i = 1; i < failures && wait < maxBackoffNanos; i++) {
      wait *= 2;
    }
    return Math.min(wait, maxBackoffNanos);
  }

  Fault nextFault(Fault previous, String stage, Throwable cause) {
    int failures = previous == null ? 1 : previous.failures() + 1;
    long now = System.nanoTime();
    return new Fault(stage, cause, failures, previous == null ? now : previous.sinceNanos(), now + backoffNanos(failures));
  }

  /**
   * A {@link VirtualMachineError} (or an error no retry can fix): the store stops writing for
   * good, refuses what is queued, and hands the error to the fatal error handler once. Nothing is
   * committed: the acknowledged spans are in the write-ahead log, replayed by the next start.
   */
  void fatal(Throwable t, String during) {
    boolean first;
    synchronized (this) {
      first = fatal == null;
      if (first) {
        fatal = t;
      }
    }
    accepting = false;
    ready = false;
    if (!first) {
      return;
    }
    try {
      LOG.error("fatal error while {}: {}; the span store stops writing. Acknowledged spans are in the write-ahead log and are replayed on restart.", during, t.toString());
    } catch (Throwable ignored) {
      // Logging can fail after an OutOfMemoryError; the handler still runs.
    }
    try {
      onFatalError.accept(t);
    } catch (Throwable ignored) {
      // A handler that fails leaves the store stopped, as without one.
    }
  }
}
