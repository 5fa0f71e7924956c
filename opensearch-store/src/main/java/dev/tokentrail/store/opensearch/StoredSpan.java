package dev.tokentrail.store.opensearch;

import dev.tokentrail.model.Span;

/**
 * A span read back from its document: the span itself and the parts of its LLM call (as ingest
 * gave it, from the document's call fields) that trace rollups sum. {@code costUsd} is NaN for an
 * unpriced call; token counts are -1 when not reported; the strings are null when absent.
 */
record StoredSpan(
    Span span, boolean llmCall, double costUsd, long inputTokens, long outputTokens, String model, String team,
    String project) {}
