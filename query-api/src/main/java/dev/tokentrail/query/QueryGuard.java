package dev.tokentrail.query;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.store.QueryCancellation;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What keeps one query from hurting the server: store reads run under a {@link
 * QueryCancellation} tied to the request (cancelled when the client goes away, expired at the
 * request timeout), time ranges are bounded, and time parameters are read without overflow.
 */
final class QueryGuard {
  /** The longest time range one query may cover (setting query.max_range). */
  private static volatile long maxRangeNanos = Duration.ofDays(366).toNanos();

  private QueryGuard() {}

  static void maxRange(Duration range) {
    if (range.isNegative() || range.isZero()) {
      throw new IllegalArgumentException("maxRange: " + range + " (expected: > 0)");
    }
    maxRangeNanos = range.toNanos();
  }

  /**
   * Runs a store-reading handler off the event loop, its store reads cancelled when the request
   * ends or times out. Failures propagate to the port's error handler ({@link QueryErrors}), which
   * answers bad parameters 400 and a cancelled read 503.
   */
  static HttpResponse blocking(ServiceRequestContext ctx, Handler handler) {
    return HttpResponse.of(() -> cancellable(ctx, handler), ctx.blockingTaskExecutor());
  }

  /** A handler that reads the store and answers. */
  interface Handler {
    HttpResponse handle();
  }

  private static HttpResponse cancellable(ServiceRequestContext ctx, Handler handler) {
    long timeoutMillis = ctx.requestTimeoutMillis();
    QueryCancellation cancellation =
        QueryCancellation.withTimeout(timeoutMillis <= 0 ? 0 : TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
    ctx.whenRequestCancelling().thenAccept(cause -> cancellation.cancel(
        cause instanceof RequestTimeoutException ? "request timed out" : "request cancelled by the client"));
    return cancellation.run(handler::handle);
  }

  /** Refuses a window longer than {@code query.max_range}; 0 bounds are open (no check). */
  static void checkRange(String names, long startNanos, long endNanos) {
    if (startNanos > 0 && endNanos > 0 && endNanos - startNanos > maxRangeNanos) {
      throw new IllegalArgumentException(names + ": a range of " + Duration.ofNanos(endNanos - startNanos).toDays()
          + " days (expected: at most " + Duration.ofNanos(maxRangeNanos).toDays() + " days; setting query.max_range)");
    }
  }

  /** {@code value * unit}, or a 400 naming the parameter when it does not fit. */
  static long times(String name, String value, long n, long unit, String expected) {
    try {
      return Math.multiplyExact(n, unit);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: " + expected + ")");
    }
  }

  /** {@code a + b}, saturating at {@link Long#MAX_VALUE}. */
  static long plus(long a, long b) {
    long s = a + b;
    return ((a ^ s) & (b ^ s)) < 0 ? (a > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : s;
  }
}
