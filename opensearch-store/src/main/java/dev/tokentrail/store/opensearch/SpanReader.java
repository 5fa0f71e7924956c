package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpMethod;
import dev.tokentrail.store.QueryCancellation;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The read primitives every read is built of: walking the hits of a query page by page with
 * {@code search_after} (sorted by the unique document key, so pages never skip or repeat), the
 * distinct trace ids of a query as a composite aggregation, and whole traces by id. Each page checks
 * the thread's {@link QueryCancellation}.
 */
final class SpanReader {
  /** Hits per page of a scan reading spans. */
  private static final int PAGE = 2000;
  /**
   * Hits per page of a scan reading doc values only (a few hundred bytes a hit): each page runs the
   * query again, so fewer, larger pages cost OpenSearch less.
   */
  private static final int DOC_VALUES_PAGE = 5_000;
  private static final int TRACES_PER_LOAD = 500;
  private static final String KEEP_ALIVE = "2m";

  private final OpenSearchClient client;
  private final IndexTemplates indices;

  SpanReader(OpenSearchClient client, IndexTemplates indices) {
    this.client = client;
    this.indices = indices;
  }

  private String searchPath() {
    return searchPath(indices.spanIndexPattern());
  }

  private static String searchPath(String target) {
    return "/" + target + "/_search?ignore_unavailable=true&allow_no_indices=true";
  }

  String spanIndexPattern() {
    return indices.spanIndexPattern();
  }

  /**
   * Every hit of {@code query}: with {@code sourceFields} (null: no {@code _source} and no span;
   * otherwise the span too, for {@link SpanDocuments#read}) and {@code docValueFields} (null: none).
   */
  void scan(ObjectNode query, List<String> sourceFields, List<String> docValueFields, Consumer<JsonNode> hit) {
    scan(searchPath(), query, sourceFields, docValueFields, Long.MAX_VALUE, hit, null);
  }

  /**
   * {@link #scan} over the span indices {@code target} names (a comma-separated index expression),
   * stopping after {@code maxHits} hits.
   */
  void scan(String target, ObjectNode query, List<String> sourceFields, long maxHits, Consumer<JsonNode> hit) {
    scan(searchPath(target), query, sourceFields, null, maxHits, hit, null);
  }

  /**
   * {@link #scan} over a point in time of the span indices: every page sees the indices as they
   * were when the read began, so a span re-written during a long read is seen once (or not at all,
   * when it arrived after the start), never twice.
   */
  void scanSnapshot(ObjectNode query, List<String> sourceFields, List<String> docValueFields, Consumer<JsonNode> hit) {
    String pit;
    try {
      pit = client.send(HttpMethod.POST, "/" + indices.spanIndexPattern()
          + "/_search/point_in_time?keep_alive=" + KEEP_ALIVE + "&allow_partial_pit_creation=false", null)
          .path("pit_id").asText(null);
    } catch (OpenSearchClient.OpenSearchException e) {
      if (e.status() == 404) {
        return; // no span index yet
      }
      throw e;
    }
    if (pit == null) {
      scan(searchPath(), query, sourceFields, docValueFields, Long.MAX_VALUE, hit, null);
      return;
    }
    try {
      scan(searchPath(), query, sourceFields, docValueFields, Long.MAX_VALUE, hit, pit);
    } finally {
      ObjectNode ids = SpanQueries.json();
      ids.putArray("pit_id").add(pit);
      try {
        client.send(HttpMethod.DELETE, "/_search/point_in_time", ids);
      } catch (RuntimeException e) {
        // it expires after KEEP_ALIVE on its own
      }
    }
  }

  private void scan(String path, ObjectNode query, List<String> sourceFields, List<String> docValueFields,
      long maxHits, Consumer<JsonNode> hit, String pit) {
    QueryCancellation cancellation = QueryCancellation.current();
    JsonNode after = null;
    long left = maxHits;
    while (left > 0) {
      cancellation.check();
      ObjectNode body = SpanQueries.json();
      body.set("query", query);
      int pageSize = (int) Math.min(left, sourceFields == null ? DOC_VALUES_PAGE : PAGE);
      body.put("size", pageSize);
      body.put("track_total_hits", false);
      if (sourceFields == null) {
        // Neither _source nor _id: fetching a hit's _id alone decompresses its stored-field block.
        body.put("stored_fields", "_none_");
      } else {
        ArrayNode includes = body.putArray("_source");
        sourceFields.forEach(includes::add);
        // The span: in _source (mapping version 7 on, and before 6), or a stored field (version 6).
        for (String f : SpanDocuments.SOURCE_FIELDS) {
          if (!sourceFields.contains(f)) {
            includes.add(f);
          }
        }
        body.putArray("stored_fields").add(SpanDocuments.SPAN);
      }
      if (docValueFields != null) {
        ArrayNode fields = body.putArray("docvalue_fields");
        docValueFields.forEach(fields::add);
      }
      // Unique per tenant but for a span's transient copy under another day, the same span.
      body.putArray("sort").add(SpanDocuments.TRACE_ID).add(SpanDocuments.SPAN_ID);
      if (after != null) {
        body.set("search_after", after);
      }
      JsonNode answer;
      if (pit == null) {
        answer = client.send(HttpMethod.POST, path, body);
      } else {
        body.putObject("pit").put("id", pit).put("keep_alive", KEEP_ALIVE);
        answer = client.send(HttpMethod.POST, "/_search", body);
        pit = answer.path("pit_id").asText(pit);
      }
      JsonNode hits = answer.path("hits").path("hits");
      for (JsonNode h : hits) {
        hit.accept(h);
      }
      left -= hits.size();
      if (hits.size() < pageSize) {
        return;
      }
      after = hits.get(hits.size() - 1).path("sort");
    }
  }

  /** One search request over the span indices. */
  JsonNode search(ObjectNode body) {
    return client.send(HttpMethod.POST, searchPath(), body);
  }

  /** One search request over the span indices {@code target} names (a comma-separated index expression). */
  JsonNode search(String target, ObjectNode body) {
    return client.send(HttpMethod.POST, searchPath(target), body);
  }

  /** {@link #search(String, ObjectNode)}, answered while the caller goes on ({@link OpenSearchClient#join} waits). */
  CompletableFuture<JsonNode> searchAsync(String target, ObjectNode body) {
    return client.sendAsync(HttpMethod.POST, searchPath(target), body);
  }

  /** Longest index expression put in a request's path (OpenSearch refuses request lines over 4 KB). */
  static final int MAX_TARGET_CHARS = 3_000;

  /**
   * The span indices that may hold spans starting in a range, by kind: an index expression for
   * those of mapping version 8 on, whose attribute terms and numeric fields have doc values (null
   * when there are none, or when no expression under {@link #MAX_TARGET_CHARS} names them: then
   * they are among {@code earlier} too), and the others, as index expressions of at most {@link
   * #MAX_TARGET_CHARS} each.
   */
  record IndexKinds(String current, List<String> earlier) {}

  /**
   * The span indices by kind, from their mappings: of version 8 on when {@code span_bool_keys} is
   * mapped (only the template adds it) and the terms have doc values (versions before 4 had them,
   * but none of the fields version 8 added); only days overlapping [from, to] (0: unbounded). The
   * version 8 indices are named by the pattern less the earlier indices when that is short enough,
   * so a day index created meanwhile (from the current template) is read too.
   */
  IndexKinds indexKinds(long from, long to) {
    JsonNode mappings = client.send(HttpMethod.GET, "/" + indices.spanIndexPattern() + "/_mapping/field/"
        + SpanDocuments.SPAN_TERMS + "," + SpanDocuments.SPAN_BOOL_KEYS + "?ignore_unavailable=true&allow_no_indices=true", null);
    List<String> allEarlier = new ArrayList<>();
    List<String> current = new ArrayList<>();
    List<String> earlier = new ArrayList<>();
    for (Map.Entry<String, JsonNode> index : mappings.properties()) {
      String name = index.getKey();
      JsonNode fields = index.getValue().path("mappings");
      JsonNode terms = fields.path(SpanDocuments.SPAN_TERMS).path("mapping").path(SpanDocuments.SPAN_TERMS);
      boolean isCurrent = terms.path("doc_values").asBoolean(true) && fields.has(SpanDocuments.SPAN_BOOL_KEYS);
      if (!isCurrent) {
        allEarlier.add(name);
      }
      if (indices.mayHold(name, from, to)) {
        (isCurrent ? current : earlier).add(name);
      }
    }
    String target = null;
    if (!current.isEmpty()) {
      StringBuilder pattern = new StringBuilder(indices.spanIndexPattern());
      allEarlier.forEach(name -> pattern.append(",-").append(name));
      String names = String.join(",", current);
      target = pattern.length() <= MAX_TARGET_CHARS ? pattern.toString() : names.length() <= MAX_TARGET_CHARS ? names : null;
    }
    if (target == null) {
      earlier.addAll(current);
    }
    List<String> earlierTargets = new ArrayList<>();
    StringBuilder chunk = new StringBuilder();
    for (String name : earlier) {
      if (chunk.length() > 0 && chunk.length() + 1 + name.length() > MAX_TARGET_CHARS) {
        earlierTargets.add(chunk.toString());
        chunk.setLength(0);
      }
      chunk.append(chunk.length() > 0 ? "," : "").append(name);
    }
    if (chunk.length() > 0) {
      earlierTargets.add(chunk.toString());
    }
    return new IndexKinds(target, earlierTargets);
  }

  /** One search request over the trace index (rollups). */
  JsonNode searchTraces(ObjectNode body) {
    return OpenSearchClient.join(searchTracesAsync(body));
  }

  /** {@link #searchTraces}, answered while the caller goes on ({@link OpenSearchClient#join} waits). */
  CompletableFuture<JsonNode> searchTracesAsync(ObjectNode body) {
    return client.sendAsync(HttpMethod.POST, "/" + indices.traceIndex() + "/_search", body);
  }

  /**
   * The distinct trace ids of the spans a query selects, and how many of those spans {@code
   * undecided} also selects (-1 when not asked).
   */
  record Candidates(Set<String> traceIds, long undecided) {}

  /**
   * The distinct trace ids of the spans {@code query} selects when they are at most {@code
   * maxSpans} (at most 10,000), else null: one request, each shard collecting at most {@code
   * maxSpans} + 1 spans ({@code terminate_after}), so a broad query costs no more than a narrow one.
   * With {@code undecided} (may be null), the same request counts the selected spans it matches.
   */
  Candidates traceIdsIfFew(ObjectNode query, int maxSpans, ObjectNode undecided) {
    QueryCancellation.current().check();
    ObjectNode body = SpanQueries.json();
    body.set("query", query);
    body.put("size", 0);
    body.put("track_total_hits", true);
    body.put("terminate_after", maxSpans + 1);
    ObjectNode aggs = body.putObject("aggs");
    ObjectNode composite = aggs.putObject("traces").putObject("composite");
    composite.put("size", 10_000);
    composite.putArray("sources").addObject().putObject("t").putObject("terms").put("field", SpanDocuments.TRACE_ID);
    if (undecided != null) {
      aggs.putObject("undecided").set("filter", undecided);
    }
    JsonNode answer = client.send(HttpMethod.POST, searchPath(), body);
    if (answer.path("terminated_early").asBoolean(false) || answer.path("hits").path("total").path("value").asLong() > maxSpans) {
      return null;
    }
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode b : answer.path("aggregations").path("traces").path("buckets")) {
      out.add(b.path("key").path("t").asText());
    }
    long count = undecided == null ? -1 : answer.path("aggregations").path("undecided").path("doc_count").asLong(-1);
    return new Candidates(out, count);
  }

  /** The distinct trace ids of the spans {@code query} selects, paged through a composite aggregation. */
  Set<String> traceIds(ObjectNode query) {
    QueryCancellation cancellation = QueryCancellation.current();
    Set<String> out = new LinkedHashSet<>();
    JsonNode after = null;
    while (true) {
      cancellation.check();
      ObjectNode body = SpanQueries.json();
      body.set("query", query);
      body.put("size", 0);
      ObjectNode composite = body.putObject("aggs").putObject("traces").putObject("composite");
      composite.put("size", 10_000);
      composite.putArray("sources").addObject().putObject("t").putObject("terms").put("field", SpanDocuments.TRACE_ID);
      if (after != null) {
        composite.set("after", after);
      }
      JsonNode agg = client.send(HttpMethod.POST, searchPath(), body).path("aggregations").path("traces");
      JsonNode buckets = agg.path("buckets");
      for (JsonNode b : buckets) {
        out.add(b.path("key").path("t").asText());
      }
      if (buckets.size() < 10_000 || !agg.has("after_key")) {
        return out;
      }
      after = agg.get("after_key");
    }
  }

  /** Every stored span of each trace, by trace id (traces without spans left out). */
  Map<String, TraceSpans> loadTraces(String tenant, Collection<String> traceIds) {
    Map<String, TraceSpans> out = new LinkedHashMap<>();
    List<String> ids = new ArrayList<>(traceIds);
    for (int i = 0; i < ids.size(); i += TRACES_PER_LOAD) {
      ObjectNode query = SpanQueries.spans(tenant, 0, 0, null);
      ((ArrayNode) query.path("bool").path("filter"))
          .add(SpanQueries.terms(SpanDocuments.TRACE_ID, ids.subList(i, Math.min(ids.size(), i + TRACES_PER_LOAD))));
      scan(query, SpanDocuments.READ_FIELDS, List.of(SpanDocuments.TRACE_ID), hit -> {
        String traceId = hit.path("fields").path(SpanDocuments.TRACE_ID).path(0).asText();
        out.computeIfAbsent(traceId, TraceSpans::new).put(SpanDocuments.read(hit));
      });
    }
    return out;
  }
}
