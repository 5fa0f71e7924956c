package dev.tokentrail.genai;

import static dev.tokentrail.genai.GenAiAttributes.*;
import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the server does not take from a client as it is (docs/normalization.md, "What the server
 * does not believe"):
 *
 * <ul>
 *   <li>A server-owned attribute ({@link GenAiAttributes#isServerOwned}) a client sent is renamed
 *       to {@code tokentrail.client.REST} ({@code tokentrail.cost.usd} becomes {@code
 *       tokentrail.client.cost.usd}): kept, but never taken for the server's price. A value the
 *       client also sent under the new name wins. A non-finite double is kept as its text.
 *   <li>A token count or money amount the normalizer reads (every convention's usage attributes,
 *       client costs, {@code tokentrail.outcome.value_usd}) that is negative, not finite, or above
 *       its {@link ValueLimits} bound is moved to {@code tokentrail.original.KEY}: the key is then
 *       absent, so the count is unknown (never 0), and the next source of the same count is read.
 *       A non-finite double is kept as its text ({@code "NaN"}, {@code "Infinity"}).
 * </ul>
 *
 * Each change is reported to a {@link Listener} with its reason. Never throws on attribute values;
 * a map with nothing to change is returned as it is, without a copy.
 */
public final class ClientAttributes {
  /** A client sent a server-owned {@code tokentrail.*} attribute; it was renamed. */
  public static final String SERVER_OWNED = "server_owned";
  /** A count or amount below zero. */
  public static final String NEGATIVE = "negative";
  /** A NaN or infinite amount. */
  public static final String NON_FINITE = "non_finite";
  /** A count or amount above its {@link ValueLimits} bound. */
  public static final String IMPLAUSIBLE = "implausible";
  public static final List<String> REASONS = List.of(SERVER_OWNED, NEGATIVE, NON_FINITE, IMPLAUSIBLE);

  /** Told of each attribute changed, with one of {@link #REASONS}. */
  @FunctionalInterface
  public interface Listener {
    Listener NONE = reason -> {};

    void changed(String reason);
  }

  /** Every token count any convention reports (GenAiNormalizer reads them). */
  static final Set<String> TOKEN_KEYS = Set.of(
      USAGE_INPUT_TOKENS, USAGE_OUTPUT_TOKENS, USAGE_CACHE_READ_INPUT_TOKENS, USAGE_CACHE_CREATION_INPUT_TOKENS,
      USAGE_REASONING_OUTPUT_TOKENS, USAGE_PROMPT_TOKENS, USAGE_COMPLETION_TOKENS,
      ANTHROPIC_SDK_CACHE_WRITE_INPUT_TOKENS, OPENLLMETRY_CACHE_READ_INPUT_TOKENS,
      OPENLLMETRY_CACHE_CREATION_INPUT_TOKENS, OPENLLMETRY_LLM_PROMPT_TOKENS, OPENLLMETRY_LLM_COMPLETION_TOKENS,
      OPENLLMETRY_REASONING_TOKENS, OI_PROMPT_TOKENS, OI_COMPLETION_TOKENS, OI_CACHE_READ_TOKENS,
      OI_CACHE_WRITE_TOKENS, OI_REASONING_TOKENS, OI_INPUT_AUDIO_TOKENS, OI_OUTPUT_AUDIO_TOKENS,
      VERCEL_PROMPT_TOKENS, VERCEL_COMPLETION_TOKENS, VERCEL_INPUT_TOKENS, VERCEL_OUTPUT_TOKENS,
      VERCEL_CACHED_INPUT_TOKENS, VERCEL_REASONING_TOKENS, GenAiNormalizer.VERCEL_INPUT_NO_CACHE,
      GenAiNormalizer.VERCEL_INPUT_CACHE_READ, GenAiNormalizer.VERCEL_INPUT_CACHE_WRITE,
      GenAiNormalizer.VERCEL_REASONING_DETAIL, TT_USAGE_CACHE_WRITE_1H, TT_USAGE_INPUT_AUDIO,
      TT_USAGE_OUTPUT_AUDIO);

  /** What a client says one call cost. */
  static final Set<String> CALL_MONEY_KEYS = Set.of(
      OI_COST_TOTAL, OI_COST_PROMPT, OI_COST_COMPLETION, OPENLIT_COST, TT_CLIENT_COST_USD);

  private static final int OK = 0;
  private static final int MAX_DIGITS = 18;

  private final ValueLimits limits;

  public ClientAttributes(ValueLimits limits) {
    this.limits = requireNonNull(limits, "limits");
  }

  public ValueLimits limits() {
    return limits;
  }

  /**
   * The attributes of a received span as the server keeps them: server-owned keys renamed and
   * implausible values moved aside. {@code attributes} itself when nothing changes.
   */
  public Map<String, Object> received(Map<String, Object> attributes, Listener listener) {
    return sanitize(attributes, true, listener);
  }

  /**
   * The attributes of a stored span read again (a reprice): implausible values moved aside
   * (spans stored before these checks), server-owned keys kept since the server wrote them.
   */
  public Map<String, Object> stored(Map<String, Object> attributes) {
    return sanitize(attributes, false, Listener.NONE);
  }

  private Map<String, Object> sanitize(Map<String, Object> a, boolean renameServerOwned, Listener listener) {
    boolean change = false;
    for (Map.Entry<String, Object> e : a.entrySet()) {
      String key = e.getKey();
      if ((renameServerOwned && isServerOwned(key)) || verdict(key, e.getValue()) != null) {
        change = true;
        break;
      }
    }
    if (!change) {
      return a;
    }
    Map<String, Object> kept = new LinkedHashMap<>(a.size() + 4);
    Map<String, Object> renamed = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : a.entrySet()) {
      String key = e.getKey();
      if (renameServerOwned && isServerOwned(key)) {
        listener.changed(SERVER_OWNED);
        renamed.put(TT_CLIENT_PREFIX + key.substring("tokentrail.".length()), finiteOrText(e.getValue()));
      } else {
        kept.put(key, e.getValue());
      }
    }
    for (Map.Entry<String, Object> e : renamed.entrySet()) {
      kept.putIfAbsent(e.getKey(), e.getValue());
    }
    Map<String, Object> out = new LinkedHashMap<>(kept.size() + 4);
    for (Map.Entry<String, Object> e : kept.entrySet()) {
      String reason = verdict(e.getKey(), e.getValue());
      if (reason == null) {
        out.put(e.getKey(), e.getValue());
      } else {
        listener.changed(reason);
        out.put(TT_ORIGINAL_PREFIX + e.getKey(), finiteOrText(e.getValue()));
      }
    }
    return out;
  }

  /** A NaN or infinite double as its text ({@code "NaN"}, {@code "Infinity"}); any other value as it is. */
  private static Object finiteOrText(Object value) {
    return value instanceof Double d && !Double.isFinite(d) ? d.toString() : value;
  }

  /** Why the value of {@code key} is not believed, or {@code null} when it is (or is not checked). */
  String verdict(String key, Object value) {
    if (TOKEN_KEYS.contains(key)) {
      return count(value, limits.maxTokensPerCall());
    }
    if (CALL_MONEY_KEYS.contains(key)) {
      return amount(value, limits.maxUsdPerCall());
    }
    if (TT_OUTCOME_VALUE_USD.equals(key)) {
      return amount(value, ValueLimits.MAX_USD_PER_CALL_LIMIT);
    }
    return null;
  }

  private static String count(Object value, long max) {
    if (value instanceof Long l) {
      return l < 0 ? NEGATIVE : l > max ? IMPLAUSIBLE : null;
    }
    if (value instanceof Double d) {
      return amount(d, max);
    }
    if (value instanceof String s && !s.isEmpty()) {
      // Read as the normalizer reads counts: plain digits. Other strings are not counts at all.
      int n = s.length();
      long parsed = 0;
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c < '0' || c > '9') {
          return null;
        }
        if (i < MAX_DIGITS) {
          parsed = parsed * 10 + (c - '0');
        }
      }
      return n > MAX_DIGITS || parsed > max ? IMPLAUSIBLE : null;
    }
    return null;
  }

  private static String amount(Object value, double max) {
    double d;
    if (value instanceof Double x) {
      d = x;
    } else if (value instanceof Long l) {
      d = l;
    } else if (value instanceof String s) {
      d = GenAiNormalizer.parseDouble(s);
      if (Double.isNaN(d)) {
        return null; // not a number at all: the normalizer ignores it
      }
    } else {
      return null;
    }
    if (!Double.isFinite(d)) {
      return NON_FINITE;
    }
    return d < 0 ? NEGATIVE : d > max ? IMPLAUSIBLE : null;
  }
}
