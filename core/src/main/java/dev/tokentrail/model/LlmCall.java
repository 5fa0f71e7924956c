package dev.tokentrail.model;

/**
 * The canonical view of one LLM call, whatever convention reported it. Token counts follow the
 * OTel GenAI meaning: {@code inputTokens} includes cache-read and cache-write tokens, {@code
 * outputTokens} includes reasoning tokens; {@code cacheWrite1hTokens} (one-hour cache writes) is part
 * of {@code cacheWriteTokens}, audio tokens are part of input and output. Absent counts are {@link
 * #UNKNOWN}; absent money is
 * {@link Double#NaN}. {@code toolUse}: the call offered tools or asked for a tool call, by any
 * convention's marker. {@link #billedModel()} is the model the call was billed for.
 */
public record LlmCall(
    String operation,
    String provider,
    String requestModel,
    String responseModel,
    long inputTokens,
    long outputTokens,
    long cacheReadTokens,
    long cacheWriteTokens,
    long reasoningTokens,
    long cacheWrite1hTokens,
    long inputAudioTokens,
    long outputAudioTokens,
    String conversationId,
    String errorType,
    double clientCostUsd,
    Attribution attribution,
    String task,
    String outcome,
    double outcomeValueUsd,
    long retryAttempt,
    String requestHash,
    String prefixHash,
    long prefixTokens,
    boolean toolUse,
    Cost cost) {

  public static final long UNKNOWN = -1;

  /** The model the call was billed for: the response model when reported, else the request one. */
  public String billedModel() {
    return responseModel != null ? responseModel : requestModel;
  }

  /** Whether the provider reported token usage for this call. */
  public boolean hasUsage() {
    return inputTokens >= 0 || outputTokens >= 0;
  }

  public boolean isError() {
    return errorType != null;
  }

  /** Input tokens that were neither read from nor written to a cache. */
  public long uncachedInputTokens() {
    long cached = Math.max(0, cacheReadTokens) + Math.max(0, cacheWriteTokens);
    return Math.max(0, Math.max(0, inputTokens) - cached);
  }

  public LlmCall withCost(Cost newCost) {
    return new LlmCall(
        operation,
        provider,
        requestModel,
        responseModel,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheWriteTokens,
        reasoningTokens,
        cacheWrite1hTokens,
        inputAudioTokens,
        outputAudioTokens,
        conversationId,
        errorType,
        clientCostUsd,
        attribution,
        task,
        outcome,
        outcomeValueUsd,
        retryAttempt,
        requestHash,
        prefixHash,
        prefixTokens,
        toolUse,
        newCost);
  }
}
