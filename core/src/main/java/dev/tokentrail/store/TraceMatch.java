package dev.tokentrail.store;

import dev.tokentrail.model.Span;
import java.util.List;
import java.util.Map;

/**
 * A trace found by a search: its rollup, up to {@code spansPerTrace} of its matching spans, how
 * many spans matched, and the value of each aggregate of the search by its label.
 */
public record TraceMatch(
    TraceSummary summary, List<Span> matchedSpans, int matchedCount, Map<String, Double> aggregates) {}
