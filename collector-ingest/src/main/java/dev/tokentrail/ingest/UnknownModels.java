package dev.tokentrail.ingest;

import dev.tokentrail.store.Tenants;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Models seen on LLM calls that the price catalog does not know, with call counts, so they are
 * reported (API and metric) rather than silently priced at zero. Kept per tenant, as a tenant's
 * model names are its data; bounded to {@code maxModels} per tenant.
 */
public final class UnknownModels {
  /** One unknown model and how often it was called. */
  public record Entry(String provider, String model, long calls, long firstSeenEpochMillis, long lastSeenEpochMillis) {}

  private record Key(String tenant, String provider, String model) {}

  private static final class Counts {
    final AtomicLong calls = new AtomicLong();
    final long firstSeen;
    volatile long lastSeen;

    Counts(long now) {
      firstSeen = now;
      lastSeen = now;
    }
  }

  private final int maxModels;
  private final ConcurrentHashMap<Key, Counts> models = new ConcurrentHashMap<>();
  /** Distinct models of each tenant, for its bound. */
  private final ConcurrentHashMap<String, AtomicInteger> perTenant = new ConcurrentHashMap<>();

  public UnknownModels(int maxModels) {
    if (maxModels <= 0) {
      throw new IllegalArgumentException("maxModels: " + maxModels + " (expected: > 0)");
    }
    this.maxModels = maxModels;
  }

  void record(String provider, String model, long nowMillis) {
    record(Tenants.DEFAULT, provider, model, nowMillis);
  }

  void record(String tenant, String provider, String model, long nowMillis) {
    Key key = new Key(tenant, provider == null ? "" : provider, model == null ? "" : model);
    Counts counts = models.get(key);
    if (counts == null) {
      AtomicInteger distinct = perTenant.computeIfAbsent(tenant, t -> new AtomicInteger());
      if (distinct.get() >= maxModels) {
        key = new Key(tenant, "", BoundedLabels.OTHER);
      }
      boolean own = !key.model().equals(BoundedLabels.OTHER) || !key.provider().isEmpty();
      counts = models.computeIfAbsent(key, k -> {
        if (own) {
          distinct.incrementAndGet();
        }
        return new Counts(nowMillis);
      });
    }
    counts.calls.incrementAndGet();
    counts.lastSeen = nowMillis;
  }

  /** Tenants with unknown models. */
  java.util.Set<String> tenants() {
    return perTenant.keySet();
  }

  /** Unknown models of every tenant (summed over tenants), most called first. */
  public List<Entry> entries() {
    return entries(null);
  }

  /** Unknown models of {@code tenant} (null: every tenant), most called first. */
  public List<Entry> entries(String tenant) {
    Map<List<String>, Entry> merged = new HashMap<>();
    models.forEach((k, c) -> {
      if (tenant == null || tenant.equals(k.tenant())) {
        merged.merge(List.of(k.provider(), k.model()), new Entry(k.provider(), k.model(), c.calls.get(), c.firstSeen, c.lastSeen),
            (a, b) -> new Entry(a.provider(), a.model(), a.calls() + b.calls(), Math.min(a.firstSeenEpochMillis(), b.firstSeenEpochMillis()),
                Math.max(a.lastSeenEpochMillis(), b.lastSeenEpochMillis())));
      }
    });
    List<Entry> out = new ArrayList<>(merged.values());
    out.sort(Comparator.comparingLong(Entry::calls).reversed().thenComparing(Entry::model));
    return out;
  }
}
