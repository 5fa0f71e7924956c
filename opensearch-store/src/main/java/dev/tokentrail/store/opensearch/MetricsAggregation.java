package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsAnswer;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.MetricsSeries;
import dev.tokentrail.store.eval.MetricsEvaluator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A metrics query answered by OpenSearch aggregations alone, when it can be exactly: the filter
 * decided exactly by OpenSearch ({@link SpanQueries#exact}, no trace-level condition), grouped by
 * {@code name}, {@code status} or {@code kind} (nested terms aggregations), of no field or {@code
 * duration} ({@code stats}), without kept values, at most {@link #MAX_BUCKETS} steps. Steps are a
 * {@code filters} aggregation of exact range queries on the start (OpenSearch's histograms key on
 * doubles, too coarse for epoch nanoseconds); exemplars a {@code top_hits} per step. Every other
 * query (attribute groups or fields, quantiles, trace-level conditions, regexes) loads the spans
 * and buckets them in Java ({@link MetricsEvaluator#run}).
 */
final class MetricsAggregation {
  static final int MAX_BUCKETS = 1000;
  private static final List<String> GROUPABLE = List.of(FieldRef.NAME, FieldRef.STATUS, FieldRef.KIND);

  private MetricsAggregation() {}

  static boolean applies(MetricsQuery query) {
    if (query.keepValues() || query.buckets() > MAX_BUCKETS) {
      return false;
    }
    FieldRef field = query.field();
    if (field != null && !(field.scope() == FieldRef.Scope.INTRINSIC && field.name().equals(FieldRef.DURATION))) {
      return false;
    }
    for (FieldRef by : query.by()) {
      if (by.scope() != FieldRef.Scope.INTRINSIC || !GROUPABLE.contains(by.name())) {
        return false;
      }
    }
    return SpanQueries.exact(query.filter()) && SpanQueries.traceLevelConjuncts(query.filter()).isEmpty();
  }

  static MetricsAnswer run(SpanReader reader, String tenant, MetricsQuery query, MetricsEvaluator evaluator) {
    ObjectNode body = SpanQueries.json();
    body.set("query", SpanQueries.spans(tenant, Math.max(1, query.startNanos()), query.endNanos() - 1, query.filter()));
    body.put("size", 0);
    ObjectNode aggs = body.putObject("aggs");
    for (int i = 0; i < query.by().size(); i++) {
      ObjectNode group = aggs.putObject("g" + i);
      group.putObject("terms").put("field", docField(query.by().get(i))).put("size", 65_536);
      aggs = group.putObject("aggs");
    }
    ObjectNode steps = aggs.putObject("steps");
    ObjectNode filters = steps.putObject("filters").putObject("filters");
    for (int b = 0; b < query.buckets(); b++) {
      long from = query.startNanos() + b * query.stepNanos();
      long to = Math.min(query.endNanos(), from + query.stepNanos());
      ObjectNode range = filters.putObject(Integer.toString(b)).putObject("range").putObject(SpanDocuments.START);
      range.put("gte", from);
      range.put("lt", b == query.buckets() - 1 ? query.endNanos() : to);
    }
    ObjectNode perStep = steps.putObject("aggs");
    if (query.field() != null) {
      perStep.putObject("d").putObject("stats").put("field", SpanDocuments.DURATION);
    }
    if (query.maxExemplars() > 0) {
      ObjectNode top = perStep.putObject("ex").putObject("top_hits");
      top.put("size", 1);
      top.put("_source", false);
      ArrayNode fields = top.putArray("docvalue_fields");
      fields.add(SpanDocuments.TRACE_ID).add(SpanDocuments.SPAN_ID).add(SpanDocuments.START).add(SpanDocuments.DURATION);
      ArrayNode sort = top.putArray("sort");
      if (query.field() != null) {
        sort.addObject().put(SpanDocuments.DURATION, "desc");
      }
      sort.addObject().put(SpanDocuments.START, "asc");
      sort.addObject().put(SpanDocuments.SPAN_ID, "asc");
    }
    List<MetricsEvaluator.BucketStats> out = new ArrayList<>();
    collect(reader.search(body).path("aggregations"), 0, new ArrayList<>(), query, out);
    return evaluator.fromBuckets(out);
  }

  private static void collect(JsonNode aggs, int depth, List<Object> group, MetricsQuery query,
      List<MetricsEvaluator.BucketStats> out) {
    if (depth < query.by().size()) {
      for (JsonNode b : aggs.path("g" + depth).path("buckets")) {
        List<Object> next = new ArrayList<>(group);
        next.add(b.path("key").asText());
        collect(b, depth + 1, next, query, out);
      }
      return;
    }
    List<Object> key = Collections.unmodifiableList(group);
    JsonNode buckets = aggs.path("steps").path("buckets");
    for (int b = 0; b < query.buckets(); b++) {
      JsonNode step = buckets.path(Integer.toString(b));
      long count = step.path("doc_count").asLong();
      if (count == 0) {
        continue;
      }
      boolean numeric = query.field() != null;
      JsonNode stats = step.path("d");
      MetricsSeries.Exemplar exemplar = null;
      JsonNode hit = step.path("ex").path("hits").path("hits").path(0);
      if (!hit.isMissingNode()) {
        JsonNode f = hit.path("fields");
        exemplar = new MetricsSeries.Exemplar(TraceId.fromHex(f.path(SpanDocuments.TRACE_ID).path(0).asText()),
            SpanId.fromHex(f.path(SpanDocuments.SPAN_ID).path(0).asText()), f.path(SpanDocuments.START).path(0).asLong(), b,
            numeric ? f.path(SpanDocuments.DURATION).path(0).asLong() / 1e9 : Double.NaN);
      }
      out.add(new MetricsEvaluator.BucketStats(key, b, count, numeric ? count : 0,
          numeric ? stats.path("sum").asDouble() / 1e9 : 0, numeric ? stats.path("min").asDouble() / 1e9 : Double.NaN,
          numeric ? stats.path("max").asDouble() / 1e9 : Double.NaN, exemplar));
    }
  }

  private static String docField(FieldRef by) {
    return switch (by.name()) {
      case FieldRef.NAME -> SpanDocuments.NAME;
      case FieldRef.STATUS -> SpanDocuments.STATUS;
      default -> SpanDocuments.KIND;
    };
  }
}
