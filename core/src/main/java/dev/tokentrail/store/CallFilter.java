package dev.tokentrail.store;

/**
 * Which LLM calls an analysis reads: those starting in {@code [from, to]} (epoch nanoseconds; 0 =
 * unbounded; both ends inclusive), optionally of one service (the resource's {@code
 * service.name}, {@code unknown_service} when none), team, project or feature (the call's
 * attribution as ingested), or model (the call's request or response model).
 */
public record CallFilter(
    long fromEpochNanos, long toEpochNanos, String service, String team, String project, String model, String feature) {

  public static CallFilter window(long fromEpochNanos, long toEpochNanos) {
    return new CallFilter(fromEpochNanos, toEpochNanos, null, null, null, null, null);
  }
}
