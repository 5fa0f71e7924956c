package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.model.Span;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsAnswer;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.TagNames;
import dev.tokentrail.store.TagValue;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.eval.MetricsEvaluator;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Trace reads: trace by id, search, tag discovery and metrics. OpenSearch selects (tenant, window,
 * the pushed-down part of each filter, see {@link SpanQueries}) and aggregates what it can exactly
 * (tag names, tag values: {@link AttributeTagValues}, root names from rollups); searches rank rollup documents
 * ({@link RankedSearch}); metrics are aggregations where they can be exactly ({@link MetricsAggregation}), else
 * the selected spans are loaded and bucketed in Java ({@link MetricsEvaluator}).
 */
final class TraceQueries {
  private final SpanReader reader;
  private final AttributeTagValues attributeValues;

  TraceQueries(SpanReader reader) {
    this.reader = reader;
    this.attributeValues = new AttributeTagValues(reader);
  }

  List<Span> getTrace(String tenant, TraceId traceId) {
    String id = traceId.hex();
    TraceSpans trace = reader.loadTraces(tenant, List.of(id)).get(id);
    return trace == null ? List.of() : trace.ordered().stream().map(StoredSpan::span).toList();
  }

  List<TraceMatch> search(String tenant, TraceSearch search) {
    return new RankedSearch(reader).run(tenant, search);
  }

  TagNames tagNames(String tenant, long from, long to, int limit) {
    ObjectNode body = SpanQueries.json();
    body.set("query", SpanQueries.spans(tenant, from, to, null));
    body.put("size", 0);
    ObjectNode aggs = body.putObject("aggs");
    for (String field : List.of(SpanDocuments.SPAN_KEYS, SpanDocuments.RESOURCE_KEYS)) {
      ObjectNode terms = aggs.putObject(field).putObject("terms");
      terms.put("field", field);
      terms.put("size", Math.max(1, limit));
      terms.putObject("order").put("_key", "asc");
    }
    JsonNode answer = reader.search(body).path("aggregations");
    return new TagNames(keys(answer.path(SpanDocuments.SPAN_KEYS), limit), keys(answer.path(SpanDocuments.RESOURCE_KEYS), limit));
  }

  private static List<String> keys(JsonNode agg, int limit) {
    List<String> out = new ArrayList<>();
    for (JsonNode b : agg.path("buckets")) {
      if (out.size() < limit) {
        out.add(b.path("key").asText());
      }
    }
    return out;
  }

  List<TagValue> tagValues(String tenant, FieldRef field, long from, long to, int limit) {
    Map<TagValue, Long> counts = new HashMap<>();
    if (field.scope() == FieldRef.Scope.INTRINSIC) {
      switch (field.name()) {
        case FieldRef.NAME -> countTerms(tenant, SpanDocuments.NAME, from, to, counts);
        case FieldRef.STATUS -> countTerms(tenant, SpanDocuments.STATUS, from, to, counts);
        case FieldRef.KIND -> countTerms(tenant, SpanDocuments.KIND, from, to, counts);
        case FieldRef.SERVICE -> countRollups(tenant, TraceRollups.ROOT_SERVICE, from, to, counts);
        case FieldRef.ROOT_NAME -> countRollups(tenant, TraceRollups.ROOT_NAME, from, to, counts);
        default -> throw new IllegalArgumentException("intrinsic: " + field.name() + " has no enumerable values");
      }
    } else {
      attributeValues.count(tenant, field, from, to, limit, counts);
    }
    List<Map.Entry<TagValue, Long>> ranked = new ArrayList<>(counts.entrySet());
    ranked.sort(Map.Entry.<TagValue, Long>comparingByValue().reversed().thenComparing(Map.Entry::getKey, VALUE_ORDER));
    List<TagValue> out = new ArrayList<>();
    for (Map.Entry<TagValue, Long> e : ranked.subList(0, Math.min(limit, ranked.size()))) {
      out.add(e.getKey());
    }
    return out;
  }

  /** Counts of a keyword field's values over the spans in range, as a terms aggregation. */
  private void countTerms(String tenant, String field, long from, long to, Map<TagValue, Long> counts) {
    ObjectNode body = SpanQueries.json();
    body.set("query", SpanQueries.spans(tenant, from, to, null));
    body.put("size", 0);
    ObjectNode terms = body.putObject("aggs").putObject("values").putObject("terms");
    terms.put("field", field);
    terms.put("size", 65_536);
    for (JsonNode b : reader.search(body).path("aggregations").path("values").path("buckets")) {
      counts.put(new TagValue("string", b.path("key").asText()), b.path("doc_count").asLong());
    }
  }

  /** Counts of a rollup field's values over the traces starting in range (from their rollups). */
  private void countRollups(String tenant, String field, long from, long to, Map<TagValue, Long> counts) {
    ObjectNode query = SpanQueries.json();
    ArrayNode filter = query.putObject("bool").putArray("filter");
    filter.add(SpanQueries.term(SpanDocuments.TENANT, tenant));
    ObjectNode start = filter.addObject().putObject("range").putObject(TraceRollups.START);
    start.put("gte", Math.max(0, from));
    if (to > 0) {
      start.put("lte", to);
    }
    ObjectNode body = SpanQueries.json();
    body.set("query", query);
    body.put("size", 0);
    ObjectNode terms = body.putObject("aggs").putObject("values").putObject("terms");
    terms.put("field", field);
    terms.put("size", 65_536);
    for (JsonNode b : reader.searchTraces(body).path("aggregations").path("values").path("buckets")) {
      counts.put(new TagValue("string", b.path("key").asText()), b.path("doc_count").asLong());
    }
  }

  /**
   * Ties: strings and booleans before numbers; strings by value, numbers numerically; a boolean
   * before the string that reads the same.
   */
  private static final java.util.Comparator<TagValue> VALUE_ORDER = (a, b) -> {
    boolean an = isNumber(a);
    boolean bn = isNumber(b);
    if (an != bn) {
      return an ? 1 : -1;
    }
    int byValue = an ? Double.compare(Double.parseDouble(a.value()), Double.parseDouble(b.value()))
        : a.value().compareTo(b.value());
    return byValue != 0 ? byValue : a.type().compareTo(b.type());
  };

  private static boolean isNumber(TagValue v) {
    return v.type().equals("int") || v.type().equals("float");
  }

  MetricsAnswer metrics(String tenant, MetricsQuery query) {
    MetricsEvaluator evaluator = new MetricsEvaluator(query); // validates before anything is read
    if (MetricsAggregation.applies(query)) {
      MetricsAnswer answer = MetricsAggregation.run(reader, tenant, query, evaluator);
      if (answer != null) {
        return answer;
      }
    }
    // [start, end): the range query is inclusive, the evaluator drops spans at end.
    ObjectNode select = SpanQueries.spans(tenant, Math.max(1, query.startNanos()), query.endNanos(), query.filter());
    Collection<TraceSpans> traces;
    if (hasTraceLevel(query.filter())) {
      traces = reader.loadTraces(tenant, reader.traceIds(select)).values();
    } else {
      Map<String, TraceSpans> byTrace = new HashMap<>();
      reader.scan(select, SpanDocuments.READ_FIELDS, List.of(SpanDocuments.TRACE_ID), hit -> {
        String traceId = hit.path("fields").path(SpanDocuments.TRACE_ID).path(0).asText();
        byTrace.computeIfAbsent(traceId, TraceSpans::new).put(SpanDocuments.read(hit));
      });
      traces = byTrace.values();
    }
    return evaluator.run(traces);
  }

  private static boolean hasTraceLevel(SpanFilter filter) {
    return switch (filter) {
      case SpanFilter.All all -> false;
      case SpanFilter.And and -> and.filters().stream().anyMatch(TraceQueries::hasTraceLevel);
      case SpanFilter.Or or -> or.filters().stream().anyMatch(TraceQueries::hasTraceLevel);
      case SpanFilter.Condition c -> c.field().scope() == FieldRef.Scope.INTRINSIC
          && List.of(FieldRef.SERVICE, FieldRef.ROOT_NAME, FieldRef.TRACE_DURATION).contains(c.field().name());
    };
  }
}
