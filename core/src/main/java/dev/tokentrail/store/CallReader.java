package dev.tokentrail.store;

import dev.tokentrail.model.TraceId;
import java.util.Map;

/**
 * Reads LLM calls as columns and trace outcomes, for the waste and cost analysis. Stores answer
 * from their columnar or aggregated form, never by loading whole spans. Every read is for one
 * tenant and sees only that tenant's calls.
 */
public interface CallReader {

  /**
   * The LLM calls matching the filter, one row per stored call span (a re-sent span once), in no
   * particular order. Columns hold what {@link dev.tokentrail.model.LlmCall} held at ingest:
   * tokens ({@code -1} when not reported), cost ({@code NaN} when unpriced), the billed model
   * ({@link dev.tokentrail.model.LlmCall#billedModel()}), tool use, attribution and hashes.
   */
  CallTable llmCalls(String tenant, CallFilter filter);

  /**
   * As {@link #llmCalls(String, CallFilter)}, holding at most {@code maxCalls} rows: a window with
   * more throws {@link TooManyCallsException}, by the time the table reaches the limit (stores
   * stop reading there, so an analysis never holds more than it may). This default reads the
   * whole window first; the stores of this project override it.
   */
  default CallTable llmCalls(String tenant, CallFilter filter, int maxCalls) {
    CallTable calls = llmCalls(tenant, filter);
    if (calls.size() > maxCalls) {
      throw new TooManyCallsException(maxCalls);
    }
    return calls;
  }

  /**
   * The outcome of every trace with an outcome-bearing span starting in the window, by trace id;
   * see {@link TraceOutcome} for which span wins.
   */
  Map<TraceId, TraceOutcome> outcomes(String tenant, long fromEpochNanos, long toEpochNanos);
}
