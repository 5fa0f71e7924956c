package dev.tokentrail.query.metrics;

/**
 * One point of a series.
 *
 * <p>PLACEHOLDER (issue 11, streaming branch): a copy of the TraceQL metrics engine's type; the
 * merge replaces this file with the engine's.
 */
public record Sample(long timestampMs, double value) {}
