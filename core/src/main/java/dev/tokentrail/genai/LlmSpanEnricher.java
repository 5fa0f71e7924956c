package dev.tokentrail.genai;

import static dev.tokentrail.genai.GenAiAttributes.*;
import static java.util.Objects.requireNonNull;

import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.Cost;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a received span into a stored one: renames the server-owned {@code tokentrail.*}
 * attributes a client sent and moves implausible counts and amounts aside ({@link
 * ClientAttributes}), recognizes the LLM call, prices it and adds the canonical {@code gen_ai.*}
 * and {@code tokentrail.*} attributes beside the original ones. An original value that
 * normalization rewrote is kept under {@code tokentrail.original.KEY}. The price is always the
 * server's: a client's own (the agent extension's {@code tokentrail.cost.usd}) is kept as {@code
 * tokentrail.client.cost.usd} and compared as the client's cost.
 */
public final class LlmSpanEnricher {
  /**
   * The attributes pricing writes on a call span: what {@link #reprice} removes before pricing the
   * call again, so a call priced before and unpriced now (or the reverse) keeps no stale value.
   */
  public static final List<String> COST_ATTRIBUTES = List.of(
      TT_COST_USD, TT_COST_INPUT_USD, TT_COST_OUTPUT_USD, TT_PRICE_VERSION, TT_PRICE_MODEL, TT_PRICE_TIER,
      TT_PRICE_PROVIDER, TT_UNPRICED_REASON, TT_COST_MISMATCH_USD);

  /** A client cost differing from ours by more than this fraction is reported as a mismatch. */
  private static final double MISMATCH_TOLERANCE = 0.01;

  private final GenAiNormalizer normalizer;
  private final CostCalculator costs;
  private final ClientAttributes clientAttributes;
  private final ClientAttributes.Listener listener;

  private LlmSpanEnricher(GenAiNormalizer normalizer, CostCalculator costs, ClientAttributes.Listener listener) {
    this.normalizer = normalizer;
    this.costs = costs;
    this.clientAttributes = new ClientAttributes(normalizer.limits());
    this.listener = listener;
  }

  public static LlmSpanEnricher create(GenAiNormalizer normalizer, CostCalculator costs) {
    return create(normalizer, costs, ClientAttributes.Listener.NONE);
  }

  /** With {@code listener} told of every client attribute renamed or moved aside at ingest. */
  public static LlmSpanEnricher create(
      GenAiNormalizer normalizer, CostCalculator costs, ClientAttributes.Listener listener) {
    return new LlmSpanEnricher(
        requireNonNull(normalizer, "normalizer"), requireNonNull(costs, "costs"), requireNonNull(listener, "listener"));
  }

  public CostCalculator costs() {
    return costs;
  }

  /** A received span: client attributes checked ({@link ClientAttributes#received}), then priced. */
  public IngestedSpan enrich(Span span) {
    Map<String, Object> received = clientAttributes.received(span.attributes(), listener);
    return price(received == span.attributes() ? span : span.withAttributes(received));
  }

  private IngestedSpan price(Span span) {
    LlmCall call = normalizer.extract(span);
    if (call == null) {
      return new IngestedSpan(span, null);
    }
    Cost cost = costs.price(call, span.startEpochNanos());
    call = call.withCost(cost);
    return new IngestedSpan(span.withAttributes(canonicalAttributes(span.attributes(), call)), call);
  }

  /**
   * A stored span priced again by the current catalog. The call is read again from the stored
   * attributes (the canonical ones the first enrichment wrote read back to the same call), the
   * {@link #COST_ATTRIBUTES} are replaced and every other attribute is kept. The call is {@code
   * null} when the span is not an LLM call.
   */
  public IngestedSpan reprice(Span stored) {
    Map<String, Object> base = new LinkedHashMap<>(stored.attributes());
    for (String key : COST_ATTRIBUTES) {
      base.remove(key);
    }
    return price(stored.withAttributes(clientAttributes.stored(base)));
  }

  static Map<String, Object> canonicalAttributes(Map<String, Object> original, LlmCall call) {
    Map<String, Object> out = new LinkedHashMap<>(original.size() + 24);
    out.putAll(original);
    out.put(TT_LLM_CALL, Boolean.TRUE);
    put(out, original, OPERATION_NAME, call.operation());
    put(out, original, PROVIDER_NAME, call.provider());
    put(out, original, REQUEST_MODEL, call.requestModel());
    put(out, original, RESPONSE_MODEL, call.responseModel());
    putCount(out, original, USAGE_INPUT_TOKENS, call.inputTokens());
    putCount(out, original, USAGE_OUTPUT_TOKENS, call.outputTokens());
    putCount(out, original, USAGE_CACHE_READ_INPUT_TOKENS, call.cacheReadTokens());
    putCount(out, original, USAGE_CACHE_CREATION_INPUT_TOKENS, call.cacheWriteTokens());
    putCount(out, original, USAGE_REASONING_OUTPUT_TOKENS, call.reasoningTokens());
    put(out, original, CONVERSATION_ID, call.conversationId());
    put(out, original, ERROR_TYPE, call.errorType());
    Attribution who = call.attribution();
    put(out, original, TT_TEAM, who.team());
    put(out, original, TT_PROJECT, who.project());
    put(out, original, TT_COST_CENTER, who.costCenter());
    put(out, original, TT_FEATURE, who.feature());
    put(out, original, TT_USER, who.user());
    if (call.retryAttempt() < 0) {
      out.put(TT_RETRY_ATTEMPT, 0L);
    }
    Cost cost = call.cost();
    out.put(TT_PRICE_VERSION, cost.priceVersion());
    if (cost.isPriced()) {
      out.put(TT_COST_USD, cost.totalUsd());
      out.put(TT_COST_INPUT_USD, cost.inputUsd());
      out.put(TT_COST_OUTPUT_USD, cost.outputUsd());
      out.put(TT_PRICE_MODEL, cost.pricedModel());
      out.put(TT_PRICE_TIER, cost.tier());
      out.put(TT_PRICE_PROVIDER, cost.pricedProvider());
    } else {
      out.put(TT_UNPRICED_REASON, cost.unpricedReason());
    }
    if (!Double.isNaN(call.clientCostUsd())) {
      out.put(TT_COST_CLIENT_USD, call.clientCostUsd());
      if (cost.isPriced()) {
        double diff = call.clientCostUsd() - cost.totalUsd();
        double scale = Math.max(Math.abs(cost.totalUsd()), 1e-9);
        if (Math.abs(diff) / scale > MISMATCH_TOLERANCE && Math.abs(diff) > 1e-9) {
          out.put(TT_COST_MISMATCH_USD, diff);
        }
      }
    }
    return Collections.unmodifiableMap(out);
  }

  private static void put(
      Map<String, Object> out, Map<String, Object> original, String key, String value) {
    if (value == null) {
      return;
    }
    Object before = original.get(key);
    if (before != null && !Objects.equals(before, value)) {
      out.put(TT_ORIGINAL_PREFIX + key, before);
    }
    out.put(key, value);
  }

  private static void putCount(
      Map<String, Object> out, Map<String, Object> original, String key, long value) {
    if (value < 0) {
      return;
    }
    Object before = original.get(key);
    Long boxed = value;
    if (before != null && !boxed.equals(before)) {
      out.put(TT_ORIGINAL_PREFIX + key, before);
    }
    out.put(key, boxed);
  }
}
