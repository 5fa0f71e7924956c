package dev.tokentrail.ingest;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.security.RateBucket;
import dev.tokentrail.security.TenantLimits;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Each tenant's ingest rate limits ({@link TenantLimits#ingestSpansPerSecond()}, {@link
 * TenantLimits#ingestBytesPerSecond()}): a pair of {@link RateBucket}s per tenant. The receivers
 * ask {@link #retryAfterSeconds} before reading an export and refuse it, as they refuse overload,
 * with 429 and Retry-After / RESOURCE_EXHAUSTED and RetryInfo; the ingester charges the export's
 * spans and uncompressed bytes once decoded. Buckets are kept for at most {@link #MAX_TENANTS}
 * tenants; later tenants share one, so that invented org ids cannot grow the map without bound.
 */
public final class TenantIngestRates {
  static final int MAX_TENANTS = 10_000;
  private static final String SHARED = "\u0000shared";

  private final TenantLimits.PerTenant limits;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, Buckets> buckets = new ConcurrentHashMap<>();

  private TenantIngestRates(TenantLimits.PerTenant limits, LongSupplier nanoClock) {
    this.limits = limits;
    this.nanoClock = nanoClock;
  }

  /** No limits: every export proceeds. */
  public static TenantIngestRates unlimited() {
    return of(TenantLimits.PerTenant.of(TenantLimits.UNLIMITED), System::nanoTime);
  }

  /** Limits {@code limits} on the clock {@code nanoClock} ({@link System#nanoTime} in production). */
  public static TenantIngestRates of(TenantLimits.PerTenant limits, LongSupplier nanoClock) {
    return new TenantIngestRates(requireNonNull(limits, "limits"), requireNonNull(nanoClock, "nanoClock"));
  }

  /** Every tenant's limits. */
  TenantLimits.PerTenant limits() {
    return limits;
  }

  /** 0 when {@code tenant} may send now, else the seconds it is asked to wait. */
  int retryAfterSeconds(String tenant) {
    Buckets b = bucketsOf(tenant);
    if (b == null) {
      return 0;
    }
    long now = nanoClock.getAsLong();
    int spans = b.spans == null ? 0 : b.spans.retryAfterSeconds(now);
    int bytes = b.bytes == null ? 0 : b.bytes.retryAfterSeconds(now);
    return Math.max(spans, bytes);
  }

  /** Charges an accepted export of {@code tenant}: its spans and uncompressed bytes. */
  void charge(String tenant, int spans, long bytes) {
    Buckets b = bucketsOf(tenant);
    if (b == null) {
      return;
    }
    long now = nanoClock.getAsLong();
    if (b.spans != null) {
      b.spans.charge(spans, now);
    }
    if (b.bytes != null) {
      b.bytes.charge(bytes, now);
    }
  }

  /** The message of a refusal. */
  String message(String tenant) {
    TenantLimits l = limits.forTenant(tenant);
    return "tenant " + tenant + " is over its ingest rate (limits.ingest_spans_per_second " + fmt(l.ingestSpansPerSecond())
        + ", limits.ingest_bytes_per_second " + fmt(l.ingestBytesPerSecond()) + "); retry later";
  }

  private static String fmt(double v) {
    return v == 0 ? "unlimited" : v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  private Buckets bucketsOf(String tenant) {
    TenantLimits l = limits.forTenant(tenant);
    if (l.ingestSpansPerSecond() == 0 && l.ingestBytesPerSecond() == 0) {
      return null;
    }
    Buckets b = buckets.get(tenant);
    if (b != null) {
      return b;
    }
    String key = buckets.size() < MAX_TENANTS ? tenant : SHARED;
    return buckets.computeIfAbsent(key, k -> new Buckets(l, nanoClock.getAsLong()));
  }

  private static final class Buckets {
    final RateBucket spans;
    final RateBucket bytes;

    Buckets(TenantLimits l, long now) {
      spans = l.ingestSpansPerSecond() > 0 ? new RateBucket(l.ingestSpansPerSecond(), now) : null;
      bytes = l.ingestBytesPerSecond() > 0 ? new RateBucket(l.ingestBytesPerSecond(), now) : null;
    }
  }
}
