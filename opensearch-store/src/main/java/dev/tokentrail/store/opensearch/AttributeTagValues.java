package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokentrail.model.Span;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.TagValue;
import dev.tokentrail.store.eval.AttributeValues;
import dev.tokentrail.store.opensearch.SpanDocuments.AttributeFields;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The values of a span or resource attribute over a time range, each with the number of spans
 * holding it (TraceQL-typed: strings, booleans, numbers as ints or floats).
 *
 * <p>In span indices of mapping version 8 on ({@link SpanReader#indexKinds}), string and boolean
 * values are a terms aggregation over the {@code key=value} terms' doc values ({@link
 * SpanDocuments#SPAN_TERMS}), cut to the key by an {@code include} pattern; a filter aggregation
 * over {@link SpanDocuments#SPAN_BOOL_KEYS} tells how many of the spans holding {@code key=true}
 * (or {@code false}) hold the boolean. The aggregation leaves out the spans whose terms might not be
 * this key's values alone (the key holding a list, which may mix types, or another key beginning
 * {@code key=}); those, and the values without a term (numbers, strings longer than the term
 * limit), are read from the stored spans, at most {@link #SCANNED_SPANS} of them. A key holding
 * {@code =} (its terms may read as another key's) and span indices of earlier versions (no doc
 * values on the terms): every span holding the key is read, as all were before version 8.
 */
final class AttributeTagValues {
  /** Spans read per range for values that have no term (numbers, over-long strings). */
  static final int SCANNED_SPANS = 10_000;

  private final SpanReader reader;

  AttributeTagValues(SpanReader reader) {
    this.reader = reader;
  }

  /**
   * Adds the values of {@code field} (span, resource or either scope) in range to {@code counts}:
   * at least the {@code limit} most frequent of each source (the aggregation, the spans read).
   */
  void count(String tenant, FieldRef field, long from, long to, int limit, Map<TagValue, Long> counts) {
    SpanReader.IndexKinds indices = reader.indexKinds(from, to);
    if (indices.current() != null) {
      if (SpanQueries.termsReadAs(field.name())) {
        // The aggregation is answered while the spans it leaves out are read.
        CompletableFuture<JsonNode> aggregated =
            reader.searchAsync(indices.current(), aggregation(tenant, field, from, to, limit));
        scanLeftOut(indices.current(), tenant, field, from, to, counts);
        addAggregated(OpenSearchClient.join(aggregated).path("aggregations"), field, counts);
      } else {
        scanAll(indices.current(), tenant, field, from, to, counts);
      }
    }
    for (String earlier : indices.earlier()) {
      scanAll(earlier, tenant, field, from, to, counts);
    }
  }

  private static ObjectNode aggregation(String tenant, FieldRef field, long from, long to, int limit) {
    String key = field.name();
    ObjectNode body = SpanQueries.json();
    body.set("query", SpanQueries.spans(tenant, from, to, null));
    body.put("size", 0);
    ObjectNode aggs = body.putObject("aggs");
    for (AttributeFields scope : scopes(field)) {
      ObjectNode byScope = aggs.putObject(scope.scope());
      // Spans whose terms may not be read as this key's values alone (lists, keys "key=...") are read whole.
      ObjectNode plain = byScope.putObject("filter").putObject("bool");
      plain.putArray("filter").add(SpanQueries.term(scope.keys(), key));
      plain.putArray("must_not").add(SpanQueries.term(scope.listKeys(), key)).add(SpanQueries.confusableKeys(key, scope));
      ObjectNode sub = byScope.putObject("aggs");
      ObjectNode terms = sub.putObject("values").putObject("terms");
      terms.put("field", scope.terms());
      terms.put("include", SpanQueries.termsOf(key));
      terms.put("size", Math.max(1, Math.min(limit, 65_535)));
      for (String b : List.of("true", "false")) {
        ObjectNode both = SpanQueries.json();
        ArrayNode filter = both.putObject("bool").putArray("filter");
        filter.add(SpanQueries.term(scope.boolKeys(), key));
        filter.add(SpanQueries.term(scope.terms(), SpanDocuments.term(key, b)));
        sub.putObject("bool_" + b).set("filter", both);
      }
    }
    return body;
  }

  private static void addAggregated(JsonNode answer, FieldRef field, Map<TagValue, Long> counts) {
    int skip = field.name().length() + 1;
    for (AttributeFields scope : scopes(field)) {
      JsonNode byScope = answer.path(scope.scope());
      for (JsonNode bucket : byScope.path("values").path("buckets")) {
        String value = bucket.path("key").asText().substring(skip);
        long spans = bucket.path("doc_count").asLong();
        if (value.equals("true") || value.equals("false")) {
          long booleans = byScope.path("bool_" + value).path("doc_count").asLong();
          add(counts, new TagValue("bool", value), Math.min(booleans, spans));
          spans -= Math.min(booleans, spans);
        }
        add(counts, new TagValue("string", value), spans);
      }
    }
  }

  /**
   * The values the aggregation leaves out: of the spans holding the key, in a scope, without any
   * {@code key=} term (numbers, over-long strings), as a list, or beside a key {@code key=...} (at
   * most {@link #SCANNED_SPANS} spans); from a list or beside such a key every value, else the
   * numbers and over-long strings.
   */
  private void scanLeftOut(String target, String tenant, FieldRef field, long from, long to, Map<TagValue, Long> counts) {
    String key = field.name();
    ObjectNode query = SpanQueries.spans(tenant, from, to, null);
    ObjectNode either = SpanQueries.json();
    ObjectNode anyScope = either.putObject("bool");
    ArrayNode should = anyScope.putArray("should");
    for (AttributeFields scope : scopes(field)) {
      ObjectNode bool = should.addObject().putObject("bool");
      bool.putArray("filter").add(SpanQueries.term(scope.keys(), key));
      bool.putArray("should").add(SpanQueries.withoutTerm(key, scope)).add(SpanQueries.term(scope.listKeys(), key)).add(SpanQueries.confusableKeys(key, scope));
      bool.put("minimum_should_match", 1);
    }
    anyScope.put("minimum_should_match", 1);
    ((ArrayNode) query.path("bool").path("filter")).add(either);
    String confusable = key + "=";
    reader.scan(target, query, List.of(), SCANNED_SPANS, hit -> {
      Span span = SpanDocuments.read(hit).span();
      Set<TagValue> values = new LinkedHashSet<>();
      for (AttributeFields scope : scopes(field)) {
        Map<String, Object> attributes = AttributeValues.attributes(span, scope == AttributeFields.RESOURCE);
        Object value = attributes.get(key);
        boolean whole = value instanceof List<?> || attributes.keySet().stream().anyMatch(k -> k.startsWith(confusable));
        for (Object scalar : AttributeValues.scalars(value)) {
          if (whole || scalar instanceof Number || scalar instanceof String s
              && SpanDocuments.term(key, s).length() > SpanDocuments.MAX_TERM_CHARS) {
            values.add(AttributeValues.tagValue(scalar));
          }
        }
      }
      values.forEach(v -> add(counts, v, 1));
    });
  }

  /** Every value, read from each span holding the key (span indices before mapping version 8). */
  private void scanAll(String target, String tenant, FieldRef field, long from, long to, Map<TagValue, Long> counts) {
    SpanFilter has = new SpanFilter.Condition(field, SpanFilter.Op.EXISTS, null);
    reader.scan(target, SpanQueries.spans(tenant, from, to, has), List.of(), Long.MAX_VALUE,
        hit -> {
          Span span = SpanDocuments.read(hit).span();
          Set<TagValue> values = new LinkedHashSet<>();
          for (Object scalar : AttributeValues.scalars(span, field)) {
            values.add(AttributeValues.tagValue(scalar));
          }
          values.forEach(v -> add(counts, v, 1));
        });
  }

  private static void add(Map<TagValue, Long> counts, TagValue value, long spans) {
    if (spans > 0) {
      counts.merge(value, spans, Long::sum);
    }
  }

  private static List<AttributeFields> scopes(FieldRef field) {
    return field.scope() == FieldRef.Scope.ANY ? List.of(AttributeFields.SPAN, AttributeFields.RESOURCE)
        : List.of(AttributeFields.of(field));
  }
}
