package dev.tokentrail.security;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * What one tenant may use, so that one tenant cannot take another's share of the server: ingest
 * spans and bytes per second (token buckets, {@link RateBucket}), bytes of its exports held in
 * memory while they are decoded, and queries served at once. A
 * value of 0 means unlimited; the defaults limit nothing, so a single-tenant server behaves as
 * without them. {@link #forTenant} applies a tenant's overrides over the defaults.
 *
 * @param ingestSpansPerSecond spans a tenant may send per second, on average; 0 for no limit
 * @param ingestBytesPerSecond uncompressed OTLP bytes a tenant may send per second; 0 for no limit
 * @param maxConcurrentQueries query requests of a tenant served at once; 0 for no limit
 * @param maxInflightBytes the tenant's share of the ingest in-flight memory budget; 0 for none
 *     beyond the server-wide budget
 */
public record TenantLimits(
    double ingestSpansPerSecond, double ingestBytesPerSecond, int maxConcurrentQueries, long maxInflightBytes) {
  /** No limit at all. */
  public static final TenantLimits UNLIMITED = new TenantLimits(0, 0, 0, 0);

  /** Rates and query concurrency, without an in-flight share of its own. */
  public TenantLimits(double ingestSpansPerSecond, double ingestBytesPerSecond, int maxConcurrentQueries) {
    this(ingestSpansPerSecond, ingestBytesPerSecond, maxConcurrentQueries, 0);
  }

  public TenantLimits {
    check("ingest_spans_per_second", ingestSpansPerSecond);
    check("ingest_bytes_per_second", ingestBytesPerSecond);
    if (maxConcurrentQueries < 0) {
      throw new IllegalArgumentException("max_concurrent_queries: " + maxConcurrentQueries + " (expected: >= 0; 0 for no limit)");
    }
    if (maxInflightBytes < 0) {
      throw new IllegalArgumentException("max_inflight_bytes: " + maxInflightBytes + " (expected: >= 0; 0 for no limit)");
    }
  }

  private static void check(String name, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: a finite number >= 0; 0 for no limit)");
    }
  }

  /** Whether any limit applies. */
  public boolean limitsAnything() {
    return ingestSpansPerSecond > 0 || ingestBytesPerSecond > 0 || maxConcurrentQueries > 0 || maxInflightBytes > 0;
  }

  /** The limits of every tenant: defaults, and whole replacements for some tenants. */
  public record PerTenant(TenantLimits defaults, Map<String, TenantLimits> overrides) {
    public PerTenant {
      requireNonNull(defaults, "defaults");
      overrides = Map.copyOf(requireNonNull(overrides, "overrides"));
    }

    /** The same limits for every tenant. */
    public static PerTenant of(TenantLimits defaults) {
      return new PerTenant(defaults, Map.of());
    }

    /** {@code tenant}'s limits. */
    public TenantLimits forTenant(String tenant) {
      return overrides.getOrDefault(tenant, defaults);
    }

    /** Whether any tenant has a limit. */
    public boolean limitsAnything() {
      return defaults.limitsAnything() || overrides.values().stream().anyMatch(TenantLimits::limitsAnything);
    }
  }
}
