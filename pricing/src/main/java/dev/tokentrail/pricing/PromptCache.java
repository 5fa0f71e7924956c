package dev.tokentrail.pricing;

import java.time.Duration;
import java.util.Objects;

/**
 * How a provider's prompt cache behaves for a model: the smallest prefix it caches and how long an
 * entry lives after its last use. Data of the catalog ({@code prompt_caching} in a catalog file,
 * docs/pricing.md), so a provider's change is a file edit, not a release.
 */
public final class PromptCache {
  private final long minTokens;
  private final Duration lifetime;
  private final String source;

  PromptCache(long minTokens, Duration lifetime, String source) {
    if (minTokens < 0) {
      throw new IllegalArgumentException("minTokens: " + minTokens + " (expected: >= 0)");
    }
    if (lifetime == null || lifetime.isNegative() || lifetime.isZero()) {
      throw new IllegalArgumentException("lifetime: " + lifetime + " (expected: > 0)");
    }
    this.minTokens = minTokens;
    this.lifetime = lifetime;
    this.source = Objects.requireNonNull(source, "source");
  }

  /** The smallest prefix, in tokens, the provider caches. */
  public long minTokens() {
    return minTokens;
  }

  /** How long a cached prefix stays readable after the last call that sent it. */
  public Duration lifetime() {
    return lifetime;
  }

  /** The lifetime in nanoseconds, as call times are stored. */
  public long lifetimeNanos() {
    return lifetime.toNanos();
  }

  /** Where the values come from. */
  public String source() {
    return source;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PromptCache && ((PromptCache) o).minTokens == minTokens
        && ((PromptCache) o).lifetime.equals(lifetime) && ((PromptCache) o).source.equals(source);
  }

  @Override
  public int hashCode() {
    return Objects.hash(minTokens, lifetime, source);
  }

  @Override
  public String toString() {
    return "PromptCache{minTokens=" + minTokens + ", lifetime=" + lifetime + "}";
  }
}
