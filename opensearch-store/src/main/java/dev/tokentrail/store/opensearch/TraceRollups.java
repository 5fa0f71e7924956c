package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpMethod;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.TraceSummary;
import dev.tokentrail.store.eval.RollupRow;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rollup documents: one per (tenant, trace) in the trace index, next to the days the trace has
 * spans in, holding its {@link TraceSummary} so searches rank and filter traces without loading
 * spans. A rollup is recomputed from all of the trace's stored spans (their doc values, never whole
 * documents) after writes touched the trace, so late and re-sent spans are counted right; see
 * {@link RollupMaintainer} for when.
 */
final class TraceRollups {
  static final String START = "start";
  static final String LAST_START = "last_start";
  static final String DURATION = "duration";
  static final String SPANS = "spans";
  static final String CALLS = "calls";
  static final String ERRORS = "errors";
  static final String COST = "cost";
  static final String INPUT = "input";
  static final String OUTPUT = "output";
  static final String TOKENS = "tokens";
  static final String MODELS = "models";
  static final String TEAM = "team";
  static final String PROJECT = "project";
  static final String ROOT_SERVICE = "root_service";
  static final String ROOT_NAME = "root_name";

  /** Doc values a rollup is computed from. */
  private static final List<String> ROW_FIELDS = List.of(SpanDocuments.TRACE_ID, SpanDocuments.SPAN_ID,
      SpanDocuments.START, SpanDocuments.END, SpanDocuments.STATUS, SpanDocuments.PARENT_ID, SpanDocuments.SERVICE,
      SpanDocuments.NAME, SpanDocuments.CALL, SpanDocuments.COST, SpanDocuments.INPUT, SpanDocuments.OUTPUT,
      SpanDocuments.MODEL, SpanDocuments.TEAM, SpanDocuments.PROJECT);
  private static final int TRACES_PER_SEARCH = 1000;

  private final OpenSearchClient client;
  private final IndexTemplates indices;
  private final SpanReader reader;

  TraceRollups(OpenSearchClient client, IndexTemplates indices, SpanReader reader) {
    this.client = client;
    this.indices = indices;
    this.reader = reader;
  }

  /** Adds the rollup fields to a trace index mapping's properties. */
  static void mapping(ObjectNode properties) {
    for (String f : new String[] {START, LAST_START, DURATION, SPANS, CALLS, ERRORS, INPUT, OUTPUT, TOKENS}) {
      properties.putObject(f).put("type", "long");
    }
    properties.putObject(COST).put("type", "double");
    for (String f : new String[] {MODELS, TEAM, PROJECT, ROOT_SERVICE, ROOT_NAME}) {
      properties.putObject(f).put("type", "keyword");
    }
  }

  /**
   * Recomputes and writes the rollups of {@code traceIds} of {@code tenant} from their spans as the
   * span indices show them now (the caller refreshed them).
   */
  void update(String tenant, Collection<String> traceIds, boolean waitForRefresh) {
    List<String> ids = new ArrayList<>(traceIds);
    for (int i = 0; i < ids.size(); i += TRACES_PER_SEARCH) {
      Map<String, List<RollupRow>> rows = rows(tenant, ids.subList(i, Math.min(ids.size(), i + TRACES_PER_SEARCH)));
      if (!rows.isEmpty()) {
        write(tenant, rows, waitForRefresh);
      }
    }
  }

  private Map<String, List<RollupRow>> rows(String tenant, List<String> traceIds) {
    ObjectNode query = SpanQueries.spans(tenant, 0, 0, null);
    ((ArrayNode) query.path("bool").path("filter")).add(SpanQueries.terms(SpanDocuments.TRACE_ID, traceIds));
    Map<String, List<RollupRow>> out = new HashMap<>();
    reader.scan(query, null, ROW_FIELDS, hit -> {
      JsonNode f = hit.path("fields");
      out.computeIfAbsent(text(f, SpanDocuments.TRACE_ID), t -> new ArrayList<>()).add(new RollupRow(
          SpanId.fromHex(text(f, SpanDocuments.SPAN_ID)), f.path(SpanDocuments.START).path(0).asLong(),
          f.path(SpanDocuments.END).path(0).asLong(), "error".equals(text(f, SpanDocuments.STATUS)),
          !f.has(SpanDocuments.PARENT_ID), text(f, SpanDocuments.SERVICE), text(f, SpanDocuments.NAME),
          f.path(SpanDocuments.CALL).path(0).asBoolean(false),
          f.has(SpanDocuments.COST) ? f.get(SpanDocuments.COST).get(0).asDouble() : Double.NaN,
          f.path(SpanDocuments.INPUT).path(0).asLong(-1), f.path(SpanDocuments.OUTPUT).path(0).asLong(-1),
          text(f, SpanDocuments.MODEL), text(f, SpanDocuments.TEAM), text(f, SpanDocuments.PROJECT)));
    });
    return out;
  }

  private static String text(JsonNode fields, String field) {
    JsonNode v = fields.path(field).path(0);
    return v.isMissingNode() || v.isNull() ? null : v.asText();
  }

  private void write(String tenant, Map<String, List<RollupRow>> rows, boolean waitForRefresh) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(rows.size() * 400);
    try (var out = OpenSearchClient.JSON.getFactory().createGenerator(bytes)) {
      out.setRootValueSeparator(null);
      for (Map.Entry<String, List<RollupRow>> e : rows.entrySet()) {
        TraceSummary s = RollupRow.summarize(TraceId.fromHex(e.getKey()), e.getValue());
        long lastStart = Long.MIN_VALUE;
        for (RollupRow row : e.getValue()) {
          lastStart = Math.max(lastStart, row.start());
        }
        out.writeStartObject();
        out.writeObjectFieldStart("update");
        out.writeStringField("_index", indices.traceIndex());
        out.writeStringField("_id", SpanDocuments.traceDocId(tenant, e.getKey()));
        out.writeEndObject();
        out.writeEndObject();
        out.writeRaw('\n');
        out.writeStartObject();
        out.writeBooleanField("doc_as_upsert", true);
        out.writeObjectFieldStart("doc");
        out.writeStringField(SpanDocuments.TENANT, tenant);
        out.writeStringField(SpanDocuments.TRACE_ID, e.getKey());
        out.writeNumberField(START, s.startEpochNanos());
        out.writeNumberField(LAST_START, lastStart);
        out.writeNumberField(DURATION, s.durationNanos());
        out.writeNumberField(SPANS, s.spanCount());
        out.writeNumberField(CALLS, s.llmCallCount());
        out.writeNumberField(ERRORS, s.errorCount());
        out.writeNumberField(COST, s.costUsd());
        out.writeNumberField(INPUT, s.inputTokens());
        out.writeNumberField(OUTPUT, s.outputTokens());
        out.writeNumberField(TOKENS, s.totalTokens());
        out.writeArrayFieldStart(MODELS);
        for (String m : s.models()) {
          out.writeString(m);
        }
        out.writeEndArray();
        out.writeStringField(TEAM, s.team());
        out.writeStringField(PROJECT, s.project());
        out.writeStringField(ROOT_SERVICE, s.rootServiceName());
        out.writeStringField(ROOT_NAME, s.rootSpanName());
        out.writeEndObject();
        out.writeEndObject();
        out.writeRaw('\n');
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    JsonNode answer = client.send(HttpMethod.POST, "/_bulk?refresh=" + (waitForRefresh ? "wait_for" : "false"),
        bytes.toByteArray());
    if (answer.path("errors").asBoolean(false)) {
      for (JsonNode item : answer.path("items")) {
        JsonNode result = item.elements().next();
        if (result.path("status").asInt() >= 300) {
          throw new OpenSearchClient.OpenSearchException(result.path("status").asInt(),
              "rollup of " + result.path("_id").asText() + " not written: " + result.path("error"));
        }
      }
    }
  }

  /** The rollup of a trace index hit's {@code _source}. */
  static TraceSummary read(JsonNode source) {
    List<String> models = new ArrayList<>();
    source.path(MODELS).forEach(m -> models.add(m.asText()));
    return new TraceSummary(TraceId.fromHex(source.path(SpanDocuments.TRACE_ID).asText()), text(source.get(ROOT_SERVICE)),
        text(source.get(ROOT_NAME)), source.path(START).asLong(), source.path(DURATION).asLong(),
        source.path(SPANS).asInt(), source.path(CALLS).asInt(), source.path(ERRORS).asInt(),
        source.path(COST).asDouble(), source.path(INPUT).asLong(), source.path(OUTPUT).asLong(), List.copyOf(models),
        text(source.get(TEAM)), text(source.get(PROJECT)));
  }

  private static String text(JsonNode v) {
    return v == null || v.isNull() ? null : v.asText();
  }
}
