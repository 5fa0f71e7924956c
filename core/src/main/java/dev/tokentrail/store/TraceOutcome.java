package dev.tokentrail.store;

/**
 * A trace's outcome: the {@code tokentrail.outcome} an application put on any span of the trace,
 * and the value it gave it ({@code tokentrail.outcome.value_usd}; {@link Double#NaN} when none).
 * When several spans of a trace carry one, the one that started last wins (on equal start times,
 * the one with the greater span id).
 */
public record TraceOutcome(String outcome, double valueUsd) {}
