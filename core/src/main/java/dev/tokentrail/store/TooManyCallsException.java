package dev.tokentrail.store;

/**
 * A read of LLM calls stopped because the window holds more than the analysis may hold in memory
 * ({@link CallReader#llmCalls(String, CallFilter, int)}): nothing is wrong with the store, the
 * window or filters are too wide for the heap.
 */
public final class TooManyCallsException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int maxCalls;

  public TooManyCallsException(int maxCalls) {
    super("the window holds more than " + maxCalls + " LLM calls, the most one analysis reads"
        + " (analysis.max_calls, by default from the heap): narrow from/to or filter by service, team, project,"
        + " model or feature, or give the server a larger heap", null, false, false);
    this.maxCalls = maxCalls;
  }

  public int maxCalls() {
    return maxCalls;
  }
}
