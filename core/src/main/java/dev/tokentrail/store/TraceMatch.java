package dev.tokentrail.store;

import dev.tokentrail.model.Span;
import java.util.List;

/** A trace found by a search with up to {@code spansPerTrace} of its matching spans. */
public record TraceMatch(TraceSummary summary, List<Span> matchedSpans, int matchedCount) {}
