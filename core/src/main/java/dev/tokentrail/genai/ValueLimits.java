package dev.tokentrail.genai;

/**
 * The plausibility bounds of what a client reports about one call: a token count (any of input,
 * output, cache read, cache write, reasoning, audio) above {@code maxTokensPerCall}, or a money
 * amount the client sent (its own cost of the call, an outcome's value) above {@code
 * maxUsdPerCall}, is not believed: it is read as unknown, never as 0 or as the bound. Negative and
 * non-finite values are never believed either. The largest context windows are about 10 million
 * tokens, hence the default of 100 million; the default $10,000 is far above any single call's
 * price today.
 */
public record ValueLimits(long maxTokensPerCall, double maxUsdPerCall) {
  public static final long DEFAULT_MAX_TOKENS_PER_CALL = 100_000_000L;
  public static final double DEFAULT_MAX_USD_PER_CALL = 10_000d;
  /** The largest bounds that can be configured: what analysis still reads from stored data. */
  public static final long MAX_TOKENS_PER_CALL_LIMIT = 1_000_000_000_000L;
  public static final double MAX_USD_PER_CALL_LIMIT = 1_000_000_000d;
  public static final ValueLimits DEFAULT = new ValueLimits(DEFAULT_MAX_TOKENS_PER_CALL, DEFAULT_MAX_USD_PER_CALL);

  public ValueLimits {
    if (maxTokensPerCall <= 0 || maxTokensPerCall > MAX_TOKENS_PER_CALL_LIMIT) {
      throw new IllegalArgumentException(
          "maxTokensPerCall: " + maxTokensPerCall + " (expected: 1 to " + MAX_TOKENS_PER_CALL_LIMIT + ")");
    }
    if (!(maxUsdPerCall > 0) || !(maxUsdPerCall <= MAX_USD_PER_CALL_LIMIT)) {
      throw new IllegalArgumentException(
          "maxUsdPerCall: " + maxUsdPerCall + " (expected: > 0 and <= " + (long) MAX_USD_PER_CALL_LIMIT + ")");
    }
  }
}
