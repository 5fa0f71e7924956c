package dev.tokentrail.store.memory;

import dev.tokentrail.genai.GenAiAttributes;
import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.store.QueryCancellation;
import dev.tokentrail.store.TraceOutcome;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * LLM calls as {@link CallTable} rows, filled from the call each span was ingested with (never
 * from attribute names), and trace outcomes from the spans' {@code tokentrail.outcome}.
 */
final class CallColumns {
  private CallColumns() {}

  static CallTable calls(Collection<StoredTrace> traces, CallFilter filter) {
    QueryCancellation cancellation = QueryCancellation.current();
    CallTable table = new CallTable();
    for (StoredTrace trace : traces) {
      cancellation.check();
      for (IngestedSpan s : trace.ingested()) {
        if (s.call() != null && selected(s, filter)) {
          addRow(table, s.span(), s.call());
        }
      }
    }
    return table;
  }

  private static boolean selected(IngestedSpan s, CallFilter f) {
    Span span = s.span();
    LlmCall call = s.call();
    Attribution a = call.attribution() == null ? Attribution.NONE : call.attribution();
    return TagDiscovery.inRange(span.startEpochNanos(), f.fromEpochNanos(), f.toEpochNanos())
        && (f.service() == null || f.service().equals(span.resource().serviceName()))
        && (f.team() == null || f.team().equals(a.team()))
        && (f.project() == null || f.project().equals(a.project()))
        && (f.feature() == null || f.feature().equals(a.feature()))
        && (f.model() == null || f.model().equals(call.requestModel()) || f.model().equals(call.responseModel()));
  }

  private static void addRow(CallTable table, Span span, LlmCall call) {
    int row = table.addRow();
    table.setIds(row, span.traceId().high(), span.traceId().low(), span.spanId().value(), span.parentSpanId().value());
    table.setTimes(row, span.startEpochNanos(), span.endEpochNanos());
    table.setTokens(row, call.inputTokens(), call.outputTokens(), call.cacheReadTokens(), call.cacheWriteTokens(),
        call.reasoningTokens());
    table.setRetryAttempt(row, call.retryAttempt());
    table.setPrefixTokens(row, call.prefixTokens());
    if (call.cost() != null && call.cost().isPriced()) {
      table.setCost(row, call.cost().totalUsd());
    }
    table.setTools(row, call.toolUse());
    Attribution a = call.attribution() == null ? Attribution.NONE : call.attribution();
    table.setText(row, Text.SERVICE, span.resource().serviceName());
    table.setText(row, Text.SPAN_NAME, span.name());
    table.setText(row, Text.PROVIDER, call.provider());
    table.setText(row, Text.MODEL, call.billedModel());
    table.setText(row, Text.OPERATION, call.operation());
    table.setText(row, Text.REQUEST_HASH, call.requestHash());
    table.setText(row, Text.PREFIX_HASH, call.prefixHash());
    table.setText(row, Text.CONVERSATION, call.conversationId());
    table.setText(row, Text.TASK, call.task());
    table.setText(row, Text.ERROR_TYPE, call.errorType());
    table.setText(row, Text.TEAM, a.team());
    table.setText(row, Text.PROJECT, a.project());
    table.setText(row, Text.COST_CENTER, a.costCenter());
    table.setText(row, Text.FEATURE, a.feature());
  }

  static Map<TraceId, TraceOutcome> outcomes(Collection<StoredTrace> traces, long from, long to) {
    QueryCancellation cancellation = QueryCancellation.current();
    Map<TraceId, TraceOutcome> out = new HashMap<>();
    for (StoredTrace trace : traces) {
      cancellation.check();
      Span winner = null;
      for (IngestedSpan s : trace.ingested()) {
        Span span = s.span();
        if (!(span.attribute(GenAiAttributes.TT_OUTCOME) instanceof String outcome) || outcome.isEmpty()
            || !TagDiscovery.inRange(span.startEpochNanos(), from, to)) {
          continue;
        }
        // The span that started last wins; on equal starts, the greater span id.
        if (winner == null || span.startEpochNanos() > winner.startEpochNanos()
            || (span.startEpochNanos() == winner.startEpochNanos() && span.spanId().compareTo(winner.spanId()) > 0)) {
          winner = span;
        }
      }
      if (winner != null) {
        Object value = winner.attribute(GenAiAttributes.TT_OUTCOME_VALUE_USD);
        double usd = value instanceof Long || value instanceof Double ? ((Number) value).doubleValue() : Double.NaN;
        out.put(trace.traceId(), new TraceOutcome(Objects.toString(winner.attribute(GenAiAttributes.TT_OUTCOME)), usd));
      }
    }
    return out;
  }
}
