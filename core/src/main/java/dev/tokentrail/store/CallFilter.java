package dev.tokentrail.store;

/**
 * Which LLM calls an analysis reads: those starting in {@code [from, to]} (epoch nanoseconds; 0 =
 * unbounded), optionally of one service, team, project, model (request or response) or feature.
 */
public record CallFilter(
    long fromEpochNanos, long toEpochNanos, String service, String team, String project, String model, String feature) {

  public static CallFilter window(long fromEpochNanos, long toEpochNanos) {
    return new CallFilter(fromEpochNanos, toEpochNanos, null, null, null, null, null);
  }
}
