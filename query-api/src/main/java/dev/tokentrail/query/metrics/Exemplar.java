package dev.tokentrail.query.metrics;

import java.util.List;

/**
 * A span behind a series' value: its labels (trace and span ids among them), value and time.
 *
 * <p>PLACEHOLDER (issue 11, streaming branch): a copy of the TraceQL metrics engine's type; the
 * merge replaces this file with the engine's.
 */
public record Exemplar(List<Label> labels, double value, long timestampMs) {}
