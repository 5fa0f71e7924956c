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
import dev.tokentrail.store.opensearch.SpanDocuments.AttributeFields;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A metrics query answered by OpenSearch aggregations alone, when it can be exactly: the filter
 * decided by OpenSearch ({@link SpanQueries#unsure}: exact, or exact once no selected span is
 * unsure; no trace-level condition), grouped by {@code name}, {@code status}, {@code kind} or span
 * and resource attributes with string values (nested terms aggregations, attributes over {@code
 * key=value} terms cut to the key, and a filter aggregation for the spans without the attribute:
 * the nil group), of no field, {@code duration} or a span attribute with its own numeric field
 * ({@link SpanDocuments#NUMERIC_FIELDS}) ({@code stats}), without kept values, at most {@link
 * #MAX_BUCKETS} steps, over span indices of mapping version 8 on. Steps are a {@code filters}
 * aggregation of exact range queries on the start (OpenSearch's histograms key on doubles, too
 * coarse for epoch nanoseconds); exemplars a {@code top_hits} per step.
 *
 * <p>The same request counts the selected spans an aggregation could misread: a grouping attribute
 * holding a list (grouped by its first element), a boolean, a number or an over-long string
 * instead of string values alone, or any span with a key beginning {@code key=} (whose terms read
 * as the key's); a numeric field holding a list (the smallest number counts) or without indexed
 * numbers; the filter's unsure spans. When there are any, when a grouping level has more groups
 * than its terms aggregation returned, when the query needs version 8's fields (attribute groups,
 * an attribute field, {@code =~ ".*"}) and a day index of an earlier mapping version overlaps the
 * range, or when OpenSearch refuses the number of buckets, the query loads the spans and buckets
 * them in Java ({@link MetricsEvaluator#run}), as every other query does (quantiles, trace-level
 * conditions, regexes other than {@code .*} and plain strings, keys holding {@code =}).
 */
final class MetricsAggregation {
  static final int MAX_BUCKETS = 1000;
  private static final List<String> GROUPABLE = List.of(FieldRef.NAME, FieldRef.STATUS, FieldRef.KIND);

  /** Queries answered by aggregations since start, for tests. */
  static final java.util.concurrent.atomic.AtomicLong ANSWERED = new java.util.concurrent.atomic.AtomicLong();

  private MetricsAggregation() {}

  static boolean applies(MetricsQuery query) {
    if (query.keepValues() || query.buckets() > MAX_BUCKETS) {
      return false;
    }
    FieldRef field = query.field();
    if (field != null && numericField(field) == null
        && !(field.scope() == FieldRef.Scope.INTRINSIC && field.name().equals(FieldRef.DURATION))) {
      return false;
    }
    for (FieldRef by : query.by()) {
      boolean intrinsic = by.scope() == FieldRef.Scope.INTRINSIC && GROUPABLE.contains(by.name());
      boolean attribute = (by.scope() == FieldRef.Scope.SPAN || by.scope() == FieldRef.Scope.RESOURCE)
          && SpanQueries.termsReadAs(by.name());
      if (!intrinsic && !attribute) {
        return false;
      }
    }
    return SpanQueries.unsure(query.filter()) != null;
  }

  /** The numeric document field of a span attribute with one, else null. */
  private static String numericField(FieldRef field) {
    return field.scope() == FieldRef.Scope.SPAN ? SpanDocuments.NUMERIC_FIELDS.get(field.name()) : null;
  }

  /** The answer, or null when OpenSearch cannot give it exactly (see the class comment): Java buckets the spans then. */
  static MetricsAnswer run(SpanReader reader, String tenant, MetricsQuery query, MetricsEvaluator evaluator) {
    String numeric = query.field() == null ? null : numericField(query.field());
    boolean needsVersion8 = numeric != null || SpanQueries.needsVersion8(query.filter())
        || query.by().stream().anyMatch(by -> by.scope() != FieldRef.Scope.INTRINSIC);
    String target = null; // every span index
    if (needsVersion8) {
      SpanReader.IndexKinds indices = reader.indexKinds(query.startNanos(), query.endNanos());
      if (indices.current() == null || !indices.earlier().isEmpty()) {
        return null;
      }
      target = indices.current();
    }
    ObjectNode body = SpanQueries.json();
    body.set("query", SpanQueries.spans(tenant, Math.max(1, query.startNanos()), query.endNanos() - 1, query.filter()));
    body.put("size", 0);
    ObjectNode aggs = body.putObject("aggs");
    List<ObjectNode> unsure = new ArrayList<>(SpanQueries.unsure(query.filter()));
    for (FieldRef by : query.by()) {
      if (by.scope() != FieldRef.Scope.INTRINSIC) {
        AttributeFields scope = AttributeFields.of(by);
        unsure.add(SpanQueries.withoutStringTerm(by.name(), scope, false));
        unsure.add(SpanQueries.term(scope.listKeys(), by.name()));
        // Any span with a key beginning "key=": its terms would read as this key's groups.
        unsure.add(SpanQueries.confusableKeys(by.name(), scope));
      }
    }
    if (numeric != null) {
      unsure.add(SpanQueries.term(SpanDocuments.SPAN_LIST_KEYS, query.field().name()));
      unsure.add(SpanQueries.numbersUnindexed(SpanDocuments.SPAN_KEYS, query.field().name()));
    }
    if (!unsure.isEmpty()) {
      ObjectNode any = aggs.putObject("unsure").putObject("filter").putObject("bool");
      ArrayNode should = any.putArray("should");
      unsure.forEach(should::add);
      any.put("minimum_should_match", 1);
    }
    levels(aggs, 0, query, numeric);
    JsonNode answer;
    try {
      answer = target == null ? reader.search(body) : reader.search(target, body);
    } catch (RuntimeException e) {
      // More groups times steps than the cluster's search.max_buckets (OpenSearch answers 503 or 400).
      if (e.getMessage() != null && e.getMessage().contains("too_many_buckets")) {
        return null;
      }
      throw e;
    }
    answer = answer.path("aggregations");
    if (answer.path("unsure").path("doc_count").asLong(0) > 0 || truncated(answer, 0, query.by().size())) {
      return null;
    }
    List<MetricsEvaluator.BucketStats> out = new ArrayList<>();
    collect(answer, 0, new ArrayList<>(), query, numeric, out);
    ANSWERED.incrementAndGet();
    return evaluator.fromBuckets(out);
  }

  /** Whether a grouping level left groups out (more than its terms aggregation's size). */
  private static boolean truncated(JsonNode aggs, int depth, int levels) {
    if (depth == levels) {
      return false;
    }
    JsonNode group = aggs.path("g" + depth);
    if (group.path("sum_other_doc_count").asLong(0) > 0) {
      return true;
    }
    for (JsonNode b : group.path("buckets")) {
      if (truncated(b, depth + 1, levels)) {
        return true;
      }
    }
    return truncated(aggs.path("n" + depth), depth + 1, levels);
  }

  /** The aggregations of grouping level {@code depth} (then of the steps) into {@code aggs}. */
  private static void levels(ObjectNode aggs, int depth, MetricsQuery query, String numeric) {
    if (depth == query.by().size()) {
      steps(aggs, query, numeric);
      return;
    }
    FieldRef by = query.by().get(depth);
    ObjectNode group = aggs.putObject("g" + depth);
    ObjectNode terms = group.putObject("terms");
    terms.put("size", 65_535);
    if (by.scope() == FieldRef.Scope.INTRINSIC) {
      terms.put("field", docField(by));
    } else {
      AttributeFields scope = AttributeFields.of(by);
      terms.put("field", scope.terms());
      terms.put("include", SpanQueries.termsOf(by.name()));
      // The nil group: spans without the attribute.
      ObjectNode nil = aggs.putObject("n" + depth);
      nil.putObject("filter").putObject("bool").putArray("must_not").add(SpanQueries.term(scope.keys(), by.name()));
      levels(nil.putObject("aggs"), depth + 1, query, numeric);
    }
    levels(group.putObject("aggs"), depth + 1, query, numeric);
  }

  private static void steps(ObjectNode aggs, MetricsQuery query, String numeric) {
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
    String valueField = numeric != null ? numeric : SpanDocuments.DURATION;
    if (query.field() != null) {
      perStep.putObject("d").putObject("stats").put("field", valueField);
    }
    if (query.maxExemplars() > 0) {
      ObjectNode top = perStep.putObject("ex").putObject("top_hits");
      top.put("size", 1);
      top.put("_source", false);
      ArrayNode fields = top.putArray("docvalue_fields");
      fields.add(SpanDocuments.TRACE_ID).add(SpanDocuments.SPAN_ID).add(SpanDocuments.START).add(valueField);
      ArrayNode sort = top.putArray("sort");
      if (query.field() != null) {
        // Largest value first; with an attribute field only spans holding it are exemplars (missing last, then dropped).
        sort.addObject().putObject(valueField).put("order", "desc").put("missing", "_last");
      }
      sort.addObject().put(SpanDocuments.START, "asc");
      sort.addObject().put(SpanDocuments.SPAN_ID, "asc");
    }
  }

  private static void collect(JsonNode aggs, int depth, List<Object> group, MetricsQuery query, String numeric,
      List<MetricsEvaluator.BucketStats> out) {
    if (depth < query.by().size()) {
      FieldRef by = query.by().get(depth);
      int skip = by.scope() == FieldRef.Scope.INTRINSIC ? 0 : by.name().length() + 1;
      for (JsonNode b : aggs.path("g" + depth).path("buckets")) {
        List<Object> next = new ArrayList<>(group);
        next.add(b.path("key").asText().substring(skip));
        collect(b, depth + 1, next, query, numeric, out);
      }
      JsonNode nil = aggs.path("n" + depth);
      if (nil.path("doc_count").asLong(0) > 0) {
        List<Object> next = new ArrayList<>(group);
        next.add(null);
        collect(nil, depth + 1, next, query, numeric, out);
      }
      return;
    }
    List<Object> key = Collections.unmodifiableList(group);
    JsonNode buckets = aggs.path("steps").path("buckets");
    boolean hasField = query.field() != null;
    double scale = numeric != null ? 1 : 1e9;
    String valueField = numeric != null ? numeric : SpanDocuments.DURATION;
    for (int b = 0; b < query.buckets(); b++) {
      JsonNode step = buckets.path(Integer.toString(b));
      long count = step.path("doc_count").asLong();
      if (count == 0) {
        continue;
      }
      JsonNode stats = step.path("d");
      long fieldCount = hasField ? stats.path("count").asLong() : 0;
      MetricsSeries.Exemplar exemplar = null;
      JsonNode hit = step.path("ex").path("hits").path("hits").path(0);
      if (!hit.isMissingNode()) {
        JsonNode f = hit.path("fields");
        JsonNode value = f.path(valueField).path(0);
        if (!hasField || !value.isMissingNode()) {
          exemplar = new MetricsSeries.Exemplar(TraceId.fromHex(f.path(SpanDocuments.TRACE_ID).path(0).asText()),
              SpanId.fromHex(f.path(SpanDocuments.SPAN_ID).path(0).asText()), f.path(SpanDocuments.START).path(0).asLong(), b,
              hasField ? value.asDouble() / scale : Double.NaN);
        }
      }
      boolean values = fieldCount > 0;
      out.add(new MetricsEvaluator.BucketStats(key, b, count, fieldCount,
          values ? stats.path("sum").asDouble() / scale : 0, values ? stats.path("min").asDouble() / scale : Double.NaN,
          values ? stats.path("max").asDouble() / scale : Double.NaN, exemplar));
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
