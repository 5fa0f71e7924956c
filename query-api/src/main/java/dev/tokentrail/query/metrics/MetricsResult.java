package dev.tokentrail.query.metrics;

import java.util.List;

/**
 * The answer to a metrics query: its series and how many spans were read.
 *
 * <p>PLACEHOLDER (issue 11, streaming branch): a copy of the TraceQL metrics engine's type; the
 * merge replaces this file with the engine's.
 */
public record MetricsResult(List<Series> series, long inspectedSpans) {}
