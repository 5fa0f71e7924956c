package dev.tokentrail.store.conformance;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;

/**
 * How a contract test wants its store opened: the clock the store reads (retention, receive time),
 * an optional retention, and a hint for the time partitions of stores that have them. A harness
 * maps these onto its store's own configuration.
 *
 * @param retention null for the store's default (long enough that no test data expires)
 * @param partitionDuration null for the store's default
 */
public record StoreOptions(Clock clock, Duration retention, Duration partitionDuration) {
  public StoreOptions {
    requireNonNull(clock, "clock");
  }

  /** The system clock, the store's default retention and partitions. */
  public static StoreOptions defaults() {
    return new StoreOptions(Clock.systemUTC(), null, null);
  }

  public StoreOptions withClock(Clock newClock) {
    return new StoreOptions(newClock, retention, partitionDuration);
  }

  public StoreOptions withRetention(Duration newRetention) {
    return new StoreOptions(clock, requireNonNull(newRetention, "retention"), partitionDuration);
  }

  public StoreOptions withPartitionDuration(Duration newPartitionDuration) {
    return new StoreOptions(clock, retention, requireNonNull(newPartitionDuration, "partitionDuration"));
  }
}
