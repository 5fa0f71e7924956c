package dev.tokentrail.genai;

import static dev.tokentrail.genai.GenAiAttributes.*;

import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.Cost;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The LLM call of a span as ingest stored it, read back from the canonical {@code gen_ai.*} and
 * {@code tokentrail.*} attributes {@link LlmSpanEnricher} wrote (never from a convention's own
 * names): for a store replaying its write-ahead log, and for tests writing stored spans. A span
 * without {@code tokentrail.llm_call} has no call.
 */
public final class StoredCalls {
  private StoredCalls() {}

  /** The call ingest recognized in {@code span}, or {@code null} when it recognized none. */
  public static LlmCall read(Span span) {
    Map<String, Object> a = span.attributes();
    if (!Boolean.TRUE.equals(a.get(TT_LLM_CALL))) {
      return null;
    }
    Cost cost = a.get(TT_UNPRICED_REASON) instanceof String reason
        ? Cost.unpriced(reason, string(a, TT_PRICE_VERSION))
        : new Cost(number(a, TT_COST_USD), number(a, TT_COST_INPUT_USD), number(a, TT_COST_OUTPUT_USD),
            string(a, TT_PRICE_MODEL), string(a, TT_PRICE_TIER), string(a, TT_PRICE_VERSION), null,
            string(a, TT_PRICE_PROVIDER));
    return new LlmCall(
        string(a, OPERATION_NAME),
        string(a, PROVIDER_NAME),
        string(a, REQUEST_MODEL),
        string(a, RESPONSE_MODEL),
        count(a, USAGE_INPUT_TOKENS),
        count(a, USAGE_OUTPUT_TOKENS),
        count(a, USAGE_CACHE_READ_INPUT_TOKENS),
        count(a, USAGE_CACHE_CREATION_INPUT_TOKENS),
        count(a, USAGE_REASONING_OUTPUT_TOKENS),
        count(a, TT_USAGE_CACHE_WRITE_1H),
        count(a, TT_USAGE_INPUT_AUDIO),
        count(a, TT_USAGE_OUTPUT_AUDIO),
        string(a, CONVERSATION_ID),
        string(a, ERROR_TYPE),
        number(a, TT_COST_CLIENT_USD),
        new Attribution(string(a, TT_TEAM), string(a, TT_PROJECT), string(a, TT_COST_CENTER),
            string(a, TT_FEATURE), string(a, TT_USER)),
        string(a, TT_TASK),
        string(a, TT_OUTCOME),
        number(a, TT_OUTCOME_VALUE_USD),
        count(a, TT_RETRY_ATTEMPT),
        string(a, TT_REQUEST_HASH),
        string(a, TT_PREFIX_HASH),
        count(a, TT_PREFIX_TOKENS),
        GenAiNormalizer.usesTools(a),
        cost);
  }

  /** {@code span} with the call read back from its attributes. */
  public static IngestedSpan ingested(Span span) {
    return new IngestedSpan(span, read(span));
  }

  /** Each span with its call read back from its attributes. */
  public static List<IngestedSpan> ingested(List<Span> spans) {
    List<IngestedSpan> out = new ArrayList<>(spans.size());
    for (Span span : spans) {
      out.add(ingested(span));
    }
    return out;
  }

  private static String string(Map<String, Object> a, String key) {
    return a.get(key) instanceof String s && !s.isEmpty() ? s : null;
  }

  private static long count(Map<String, Object> a, String key) {
    Object v = a.get(key);
    if (v instanceof Long l) {
      return l;
    }
    if (v instanceof Double d && !d.isNaN()) {
      return (long) (double) d;
    }
    return LlmCall.UNKNOWN;
  }

  private static double number(Map<String, Object> a, String key) {
    Object v = a.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
