package dev.tokentrail.ingest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Models seen on LLM calls that the price catalog does not know, with call counts, so they are
 * reported (API and metric) rather than silently priced at zero. Bounded to {@code maxModels}.
 */
public final class UnknownModels {
  /** One unknown model and how often it was called. */
  public record Entry(String provider, String model, long calls, long firstSeenEpochMillis, long lastSeenEpochMillis) {}

  private record Key(String provider, String model) {}

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

  public UnknownModels(int maxModels) {
    if (maxModels <= 0) {
      throw new IllegalArgumentException("maxModels: " + maxModels + " (expected: > 0)");
    }
    this.maxModels = maxModels;
  }

  void record(String provider, String model, long nowMillis) {
    Key key = new Key(provider == null ? "" : provider, model == null ? "" : model);
    Counts counts = models.get(key);
    if (counts == null) {
      if (models.size() >= maxModels) {
        key = new Key("", BoundedLabels.OTHER);
      }
      counts = models.computeIfAbsent(key, k -> new Counts(nowMillis));
    }
    counts.calls.incrementAndGet();
    counts.lastSeen = nowMillis;
  }

  /** Unknown models, most called first. */
  public List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    models.forEach((k, c) -> out.add(new Entry(k.provider(), k.model(), c.calls.get(), c.firstSeen, c.lastSeen)));
    out.sort(Comparator.comparingLong(Entry::calls).reversed().thenComparing(Entry::model));
    return out;
  }
}
