package dev.tokentrail.model;

import static java.util.Objects.requireNonNull;

/**
 * A span as ingest hands it to a store: the normalized span and the LLM call recognized and priced
 * in it ({@code null} for spans that are not LLM calls). The call is computed once, at
 * normalization; stores index it as it is.
 */
public record IngestedSpan(Span span, LlmCall call) {
  public IngestedSpan {
    requireNonNull(span, "span");
  }
}
