package dev.tokentrail.store.opensearch;

import dev.tokentrail.model.TraceId;
import static dev.tokentrail.store.opensearch.SpanDocuments.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.store.TraceOutcome;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * LLM call columns and trace outcomes, read from doc values only ({@code _source}, the stored span,
 * is never loaded): the call fields were indexed from the call ingest priced. The filter is a query;
 * the rows are paged with {@code search_after}.
 */
final class CallColumnsReader {
  private static final Map<Text, String> TEXT_FIELDS = Map.ofEntries(
      Map.entry(Text.SERVICE, SERVICE), Map.entry(Text.SPAN_NAME, NAME), Map.entry(Text.PROVIDER, PROVIDER),
      Map.entry(Text.MODEL, MODEL), Map.entry(Text.OPERATION, OPERATION), Map.entry(Text.REQUEST_HASH, REQUEST_HASH),
      Map.entry(Text.PREFIX_HASH, PREFIX_HASH), Map.entry(Text.CONVERSATION, CONVERSATION), Map.entry(Text.TASK, TASK),
      Map.entry(Text.ERROR_TYPE, ERROR_TYPE), Map.entry(Text.TEAM, TEAM), Map.entry(Text.PROJECT, PROJECT),
      Map.entry(Text.COST_CENTER, COST_CENTER), Map.entry(Text.FEATURE, FEATURE));
  private static final List<String> CALL_FIELDS;

  static {
    List<String> fields = new java.util.ArrayList<>(List.of(TRACE_ID, SPAN_ID, PARENT_ID, START, END, INPUT, OUTPUT,
        CACHE_READ, CACHE_WRITE, PREFIX_TOKENS, REASONING, RETRY, COST, TOOLS));
    fields.addAll(TEXT_FIELDS.values());
    CALL_FIELDS = List.copyOf(fields);
  }

  private final SpanReader reader;

  CallColumnsReader(SpanReader reader) {
    this.reader = reader;
  }

  CallTable llmCalls(String tenant, CallFilter f, int maxCalls) {
    ObjectNode query = SpanQueries.spans(tenant, f.fromEpochNanos(), f.toEpochNanos(), null);
    ArrayNode must = (ArrayNode) query.path("bool").path("filter");
    must.add(SpanQueries.term(CALL, true));
    if (f.service() != null) {
      must.add(SpanQueries.term(SERVICE, f.service()));
    }
    if (f.team() != null) {
      must.add(SpanQueries.term(TEAM, f.team()));
    }
    if (f.project() != null) {
      must.add(SpanQueries.term(PROJECT, f.project()));
    }
    if (f.feature() != null) {
      must.add(SpanQueries.term(FEATURE, f.feature()));
    }
    if (f.model() != null) {
      ObjectNode either = SpanQueries.json();
      ObjectNode bool = either.putObject("bool");
      bool.putArray("should").add(SpanQueries.term(REQUEST_MODEL, f.model())).add(SpanQueries.term(RESPONSE_MODEL, f.model()));
      bool.put("minimum_should_match", 1);
      must.add(either);
    }
    CallTable table = new CallTable(maxCalls);
    reader.scanSnapshot(query, null, CALL_FIELDS, hit -> addRow(table, hit.path("fields")));
    return table;
  }

  private static void addRow(CallTable table, JsonNode f) {
    int row = table.addRow();
    String traceId = text(f, TRACE_ID);
    String parent = text(f, PARENT_ID);
    table.setIds(row, hexLong(traceId, 0), hexLong(traceId, 16), hexLong(text(f, SPAN_ID), 0),
        parent == null ? 0 : hexLong(parent, 0));
    table.setTimes(row, number(f, START, 0), number(f, END, 0));
    table.setTokens(row, number(f, INPUT, -1), number(f, OUTPUT, -1), number(f, CACHE_READ, -1),
        number(f, CACHE_WRITE, -1), number(f, REASONING, -1));
    table.setPrefixTokens(row, number(f, PREFIX_TOKENS, -1));
    table.setRetryAttempt(row, number(f, RETRY, 0));
    if (f.has(COST)) {
      table.setCost(row, f.path(COST).path(0).asDouble());
    }
    table.setTools(row, f.path(TOOLS).path(0).asBoolean(false));
    TEXT_FIELDS.forEach((column, field) -> table.setText(row, column, text(f, field)));
  }

  /** The outcome of each trace with an outcome-bearing span in the window: the latest-starting such span's. */
  Map<TraceId, TraceOutcome> outcomes(String tenant, long from, long to) {
    ObjectNode query = SpanQueries.spans(tenant, from, to, null);
    ObjectNode exists = SpanQueries.json();
    exists.putObject("exists").put("field", OUTCOME);
    ((ArrayNode) query.path("bool").path("filter")).add(exists);
    record Winner(long start, String spanId, String outcome, double value) {}
    Map<String, Winner> winners = new HashMap<>();
    reader.scanSnapshot(query, null, List.of(TRACE_ID, SPAN_ID, START, OUTCOME, OUTCOME_VALUE), hit -> {
      JsonNode f = hit.path("fields");
      Winner w = new Winner(number(f, START, 0), text(f, SPAN_ID), text(f, OUTCOME),
          f.has(OUTCOME_VALUE) ? f.path(OUTCOME_VALUE).path(0).asDouble() : Double.NaN);
      winners.merge(text(f, TRACE_ID), w, (a, b) ->
          b.start() > a.start() || (b.start() == a.start() && b.spanId().compareTo(a.spanId()) > 0) ? b : a);
    });
    Map<TraceId, TraceOutcome> out = new HashMap<>();
    winners.forEach((traceId, w) -> out.put(TraceId.fromHex(traceId), new TraceOutcome(w.outcome(), w.value())));
    return out;
  }

  private static String text(JsonNode fields, String field) {
    JsonNode v = fields.path(field).path(0);
    return v.isMissingNode() || v.isNull() ? null : v.asText();
  }

  private static long number(JsonNode fields, String field, long absent) {
    JsonNode v = fields.path(field).path(0);
    return v.isMissingNode() || v.isNull() ? absent : v.asLong();
  }

  /** 16 hex digits of {@code hex} from {@code offset} as a long (big-endian); missing digits are 0. */
  private static long hexLong(String hex, int offset) {
    long v = 0;
    for (int i = offset; i < offset + 16; i++) {
      int digit = hex != null && i < hex.length() ? Character.digit(hex.charAt(i), 16) : 0;
      v = (v << 4) | Math.max(0, digit);
    }
    return v;
  }
}
