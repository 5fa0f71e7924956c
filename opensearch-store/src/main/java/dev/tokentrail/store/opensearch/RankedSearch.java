package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.QueryCancellation;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSummary;
import dev.tokentrail.store.eval.SpanMatcher;
import dev.tokentrail.store.eval.TraceSearcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A trace search ranked by rollup documents: rollups are walked in the search's order (sorted by
 * OpenSearch, {@code search_after} pages that double, or shrink to what the matches so far say is
 * left) and only the traces of the current page are
 * evaluated, so a search stops as soon as its top N are certain. The rollup query carries what a
 * trace must satisfy as a whole (tenant, a span start possible in the window, trace duration bounds,
 * root service/name and trace duration conditions that are top-level conjuncts); when the spansets
 * select few spans (a capped hit count says so), their traces are listed first and only their
 * rollups walked. The walk's first page is asked for while the candidates are listed, without
 * them: its candidates are the filtered walk's first traces, so a search whose top N are among the
 * newest (or costliest) traces needs one round trip less; when an exact filter's are not, the
 * listed traces' own walk is taken from its start (its first page is then the answer).
 *
 * <p>Per page: a single filter that OpenSearch decides exactly ({@link SpanQueries#exact}) without
 * aggregates is answered by one aggregation (matched spans per trace, the first shown spans as top
 * hits) and no span is decided in Java; otherwise the page's spans the filters may select are loaded
 * and {@link TraceSearcher} decides the residue, the spanset operators and the aggregates.
 */
final class RankedSearch {
  /** Spansets matching at most this many spans list their traces before walking rollups. */
  private static final int FEW_SPANS = 5000;
  private static final int FIRST_PAGE = 32;
  private static final int MAX_PAGE = 10_000;
  private static final int MIN_PAGE = 16;

  private final SpanReader reader;

  RankedSearch(SpanReader reader) {
    this.reader = reader;
  }

  List<TraceMatch> run(String tenant, TraceSearch search) {
    TraceSearcher searcher = new TraceSearcher(search); // validates before anything is read
    QueryCancellation cancellation = QueryCancellation.current();
    // A single filter whose numeric comparisons the indexed numbers decide is exact once none of its
    // candidate spans lacks them (the candidate request counts those).
    SpanFilter single = search.aggregates().isEmpty() && search.spansets() instanceof Spansets.Filter f ? f.filter() : null;
    // The walk's first page without the candidates is asked for while they are listed: the order's
    // first traces, among which the first candidates often are (one round trip fewer then).
    int plainPage = Math.min(MAX_PAGE, Math.max(FIRST_PAGE, search.limit()));
    boolean mayList = !(search.spansets() instanceof Spansets.Filter f) || SpanQueries.superset(f.filter()) != null;
    int earlySize = mayList ? Math.min(MAX_PAGE, 2 * plainPage) : plainPage;
    CompletableFuture<JsonNode> early =
        reader.searchTracesAsync(page(rollupQuery(tenant, search, null), search, earlySize, null));
    boolean[] numbersDecide = {false};
    Set<String> candidates;
    try {
      candidates = candidates(tenant, search.spansets(), search.fromEpochNanos(), search.toEpochNanos(), numbersDecide);
    } catch (RuntimeException e) {
      early.cancel(false);
      throw e;
    }
    if (candidates != null && candidates.isEmpty()) {
      early.cancel(false);
      return List.of();
    }
    SpanFilter exactFilter = single != null && (SpanQueries.exact(single)
        || numbersDecide[0] && SpanQueries.exactWhereNumbersIndexed(single)) ? single : null;
    // With an exact filter and no trace-level condition every listed trace matches.
    boolean listedMatch = candidates != null && exactFilter != null && SpanQueries.traceLevelConjuncts(exactFilter).isEmpty();

    // The early page is a prefix of the order over a superset of the rollups the walk visits, so its
    // candidates are the walk's first traces. Without candidates it serves as the walk's first page.
    JsonNode earlyHits = OpenSearchClient.join(early).path("hits").path("hits");
    int used = candidates == null ? Math.min(plainPage, earlyHits.size()) : earlyHits.size();
    // The order holds no more rollups than those used.
    boolean exhausted = earlyHits.size() < earlySize && used == earlyHits.size();
    Map<String, TraceSummary> first = new LinkedHashMap<>();
    for (int i = 0; i < used; i++) {
      TraceSummary s = TraceRollups.read(earlyHits.get(i).path("_source"));
      if (candidates == null || candidates.contains(s.traceId().hex())) {
        first.put(s.traceId().hex(), s);
      }
    }
    if (listedMatch) {
      // Every one matches: the first N are the answer (their spans alone are loaded).
      Iterator<String> beyond = first.keySet().iterator();
      for (int i = 0; beyond.hasNext(); i++) {
        beyond.next();
        if (i >= search.limit()) {
          beyond.remove();
        }
      }
    }
    List<TraceMatch> out = new ArrayList<>();
    JsonNode after = null;
    int inspected = 0; // traces evaluated so far
    if (listedMatch && first.size() < search.limit() && !exhausted) {
      // Too few listed traces among the first: the listed ones' own walk finds the top N in one page.
      first.clear();
    } else {
      if (!first.isEmpty()) {
        out.addAll(evaluate(tenant, search, searcher, exactFilter, first, search.limit()));
        inspected += first.size();
      }
      if (out.size() >= search.limit() || exhausted || used == 0) {
        return out;
      }
      after = earlyHits.get(used - 1).path("sort");
    }
    ObjectNode rollupQuery = rollupQuery(tenant, search, candidates);
    // The first page holds the top N when every trace on it matches; listed candidates do not make
    // it larger (a page of all of them made the span query of the page as large as the candidates).
    int page = nextPage(plainPage, inspected, out.size(), search.limit());
    if (candidates != null) {
      page = Math.min(page, plainPage); // the listed traces' walk starts with a plain page at most
      if (listedMatch) {
        page = Math.max(1, search.limit()); // every listed trace matches: the first page is the answer
      }
      page = Math.min(page, candidates.size());
    }
    while (out.size() < search.limit()) {
      cancellation.check();
      JsonNode hits = reader.searchTraces(page(rollupQuery, search, page, after)).path("hits").path("hits");
      if (hits.isEmpty()) {
        break;
      }
      Map<String, TraceSummary> rollups = new LinkedHashMap<>();
      for (JsonNode hit : hits) {
        TraceSummary s = TraceRollups.read(hit.path("_source"));
        rollups.put(s.traceId().hex(), s);
      }
      out.addAll(evaluate(tenant, search, searcher, exactFilter, rollups, search.limit() - out.size()));
      inspected += rollups.size();
      if (hits.size() < page) {
        break;
      }
      after = hits.get(hits.size() - 1).path("sort");
      page = nextPage(page, inspected, out.size(), search.limit());
    }
    return out;
  }

  /**
   * The next page's size: twice the last one, or fewer when the share of traces that matched so far
   * says fewer suffice for the matches still wanted (with half again as many to spare), at least
   * {@link #MIN_PAGE}: a search whose matches are common loads fewer traces' spans than doubling would.
   */
  static int nextPage(int last, int inspected, int found, int limit) {
    int doubled = Math.min(MAX_PAGE, 2 * last);
    if (found == 0 || inspected == 0) {
      return doubled;
    }
    double estimate = Math.ceil((double) (limit - found) * inspected / found * 1.5);
    return (int) Math.max(Math.min(MIN_PAGE, doubled), Math.min(doubled, estimate));
  }

  /** A page of rollups in the search's order, after {@code after} (null: from the first). */
  private static ObjectNode page(ObjectNode rollupQuery, TraceSearch search, int size, JsonNode after) {
    ObjectNode body = SpanQueries.json();
    body.set("query", rollupQuery);
    body.put("size", size);
    body.put("track_total_hits", false);
    body.putObject("_source").putArray("excludes").add("days").add("last");
    body.set("sort", sort(search.order()));
    if (after != null) {
      body.set("search_after", after);
    }
    return body;
  }

  /** The matches among a page's traces, in the page's order, at most {@code wanted}. */
  private List<TraceMatch> evaluate(String tenant, TraceSearch search, TraceSearcher searcher, SpanFilter exactFilter,
      Map<String, TraceSummary> rollups, int wanted) {
    List<TraceMatch> matches = exactFilter != null
        ? exactMatches(tenant, search, exactFilter, rollups)
        : searcher.run(load(tenant, search, rollups).values(), wanted);
    return matches.subList(0, Math.min(matches.size(), wanted));
  }

  /**
   * The traces with a span the spansets may select, when few spans qualify; null when many do (the
   * rollup walk then finds them page by page). {@code numbersDecide[0]} is set when a single
   * filter's candidate spans all carry their indexed numbers (see {@link SpanQueries#exactWhereNumbersIndexed}).
   */
  private Set<String> candidates(String tenant, Spansets spansets, long from, long to, boolean[] numbersDecide) {
    return switch (spansets) {
      case Spansets.Filter f -> {
        ObjectNode narrowed = SpanQueries.superset(f.filter());
        if (narrowed == null) {
          yield null;
        }
        boolean numbers = !SpanQueries.exact(f.filter()) && SpanQueries.exactWhereNumbersIndexed(f.filter());
        SpanReader.Candidates found = reader.traceIdsIfFew(SpanQueries.spans(tenant, from, to, f.filter()), FEW_SPANS,
            numbers ? SpanQueries.numbersNotIndexed() : null);
        if (found == null) {
          yield null;
        }
        numbersDecide[0] = found.undecided() == 0;
        yield new LinkedHashSet<>(found.traceIds());
      }
      case Spansets.Combine c -> {
        Set<String> left = candidates(tenant, c.left(), from, to, numbersDecide);
        Set<String> right =
            left != null && left.isEmpty() && c.and() ? left : candidates(tenant, c.right(), from, to, numbersDecide);
        if (c.and()) {
          if (left == null || right == null) {
            yield left == null ? right : left;
          }
          left.retainAll(right);
          yield left;
        }
        if (left == null || right == null) {
          yield null;
        }
        left.addAll(right);
        yield left;
      }
    };
  }

  private static ObjectNode rollupQuery(String tenant, TraceSearch search, Set<String> candidates) {
    ObjectNode query = SpanQueries.json();
    ArrayNode must = query.putObject("bool").putArray("filter");
    must.add(SpanQueries.term(SpanDocuments.TENANT, tenant));
    must.addObject().putObject("exists").put("field", TraceRollups.SPANS);
    if (search.toEpochNanos() > 0) {
      must.add(range(TraceRollups.START, "lte", search.toEpochNanos()));
    }
    if (search.fromEpochNanos() > 0) {
      must.add(range(TraceRollups.LAST_START, "gte", search.fromEpochNanos()));
    }
    if (search.minTraceDurationNanos() > 0) {
      must.add(range(TraceRollups.DURATION, "gte", search.minTraceDurationNanos()));
    }
    if (search.maxTraceDurationNanos() > 0) {
      must.add(range(TraceRollups.DURATION, "lte", search.maxTraceDurationNanos()));
    }
    if (search.spansets() instanceof Spansets.Filter f) {
      for (Condition c : SpanQueries.traceLevelConjuncts(f.filter())) {
        ObjectNode q = traceLevel(c);
        if (q != null) {
          must.add(q);
        }
      }
    }
    if (candidates != null) {
      must.add(SpanQueries.terms(SpanDocuments.TRACE_ID, new ArrayList<>(candidates)));
    }
    return query;
  }

  /** A trace-level condition as a rollup query, where OpenSearch decides it exactly; else null (Java does). */
  private static ObjectNode traceLevel(Condition c) {
    if (c.field().name().equals(FieldRef.TRACE_DURATION)) {
      if (!(c.value() instanceof Number n)) {
        return null;
      }
      return switch (c.op()) {
        case EQ -> SpanQueries.term(TraceRollups.DURATION, n.longValue());
        case GT, GTE, LT, LTE -> range(TraceRollups.DURATION, c.op().name().toLowerCase(java.util.Locale.ROOT),
            n.longValue());
        default -> null;
      };
    }
    if (c.op() == SpanFilter.Op.EQ && c.value() instanceof String s) {
      return SpanQueries.term(c.field().name().equals(FieldRef.SERVICE) ? TraceRollups.ROOT_SERVICE
          : TraceRollups.ROOT_NAME, s);
    }
    return null;
  }

  private static ObjectNode range(String field, String op, long value) {
    ObjectNode range = SpanQueries.json();
    range.putObject("range").putObject(field).put(op, value);
    return range;
  }

  /** The order of {@link TraceSearcher#ranking}: its key descending, then newest, then trace id. */
  private static ArrayNode sort(TraceSearch.Order order) {
    ArrayNode sort = OpenSearchClient.JSON.createArrayNode();
    String key = switch (order) {
      case NEWEST -> null;
      case COST -> TraceRollups.COST;
      case TOKENS -> TraceRollups.TOKENS;
      case LLM_CALLS -> TraceRollups.CALLS;
    };
    if (key != null) {
      sort.addObject().put(key, "desc");
    }
    sort.addObject().put(TraceRollups.START, "desc");
    sort.addObject().put(SpanDocuments.TRACE_ID, "asc");
    return sort;
  }

  /** One aggregation: per trace of the page, its matched span count and first spans. */
  private List<TraceMatch> exactMatches(String tenant, TraceSearch search, SpanFilter filter,
      Map<String, TraceSummary> rollups) {
    ObjectNode body = SpanQueries.json();
    body.set("query", pageSpans(tenant, search, filter, rollups));
    body.put("size", 0);
    ObjectNode traces = body.putObject("aggs").putObject("traces");
    traces.putObject("terms").put("field", SpanDocuments.TRACE_ID).put("size", rollups.size());
    ObjectNode top = traces.putObject("aggs").putObject("first").putObject("top_hits");
    top.put("size", Math.max(1, search.spansPerTrace()));
    ArrayNode source = top.putArray("_source");
    SpanDocuments.SOURCE_FIELDS.forEach(source::add);
    top.putArray("stored_fields").add(SpanDocuments.SPAN); // indices of mapping version 6
    ArrayNode order = top.putArray("sort");
    order.addObject().put(SpanDocuments.START, "asc");
    order.addObject().put(SpanDocuments.SPAN_ID, "asc");
    Map<String, JsonNode> buckets = new HashMap<>();
    for (JsonNode b : reader.search(body).path("aggregations").path("traces").path("buckets")) {
      buckets.put(b.path("key").asText(), b);
    }
    List<Condition> traceLevel = SpanQueries.traceLevelConjuncts(filter);
    SpanMatcher rollupCheck = traceLevel.isEmpty() ? null
        : new SpanMatcher(new SpanFilter.And(List.copyOf(traceLevel)));
    List<TraceMatch> out = new ArrayList<>();
    for (TraceSummary summary : rollups.values()) {
      JsonNode bucket = buckets.get(summary.traceId().hex());
      if (bucket == null) {
        continue;
      }
      List<dev.tokentrail.model.Span> shown = new ArrayList<>();
      for (JsonNode hit : bucket.path("first").path("hits").path("hits")) {
        shown.add(SpanDocuments.read(hit).span());
      }
      if (rollupCheck != null && !rollupCheck.matches(shown.get(0), () -> summary)) {
        continue;
      }
      List<dev.tokentrail.model.Span> limited = shown.subList(0, Math.min(search.spansPerTrace(), shown.size()));
      out.add(new TraceMatch(summary, List.copyOf(limited), bucket.path("doc_count").asInt(), Map.of()));
    }
    return out;
  }

  /** The spans of the page's traces {@code filter}'s query selects in the search's window. */
  private static ObjectNode pageSpans(String tenant, TraceSearch search, SpanFilter filter,
      Map<String, TraceSummary> rollups) {
    ObjectNode query = SpanQueries.spans(tenant, search.fromEpochNanos(), search.toEpochNanos(), filter);
    ((ArrayNode) query.path("bool").path("filter"))
        .add(SpanQueries.terms(SpanDocuments.TRACE_ID, new ArrayList<>(rollups.keySet())));
    return query;
  }

  /** The page's traces, each with its rollup and those of its spans in the window any filter may select. */
  private Map<String, TraceSpans> load(String tenant, TraceSearch search, Map<String, TraceSummary> rollups) {
    List<ObjectNode> narrowed = new ArrayList<>();
    if (!supersets(search.spansets(), narrowed)) {
      narrowed = null;
    }
    ObjectNode query = SpanQueries.spans(tenant, search.fromEpochNanos(), search.toEpochNanos(), null);
    ArrayNode filter = (ArrayNode) query.path("bool").path("filter");
    filter.add(SpanQueries.terms(SpanDocuments.TRACE_ID, new ArrayList<>(rollups.keySet())));
    if (narrowed != null) {
      ObjectNode any = SpanQueries.json();
      ObjectNode bool = any.putObject("bool");
      ArrayNode should = bool.putArray("should");
      narrowed.forEach(should::add);
      bool.put("minimum_should_match", 1);
      filter.add(any);
    }
    Map<String, TraceSpans> out = new LinkedHashMap<>();
    for (TraceSummary s : rollups.values()) {
      out.put(s.traceId().hex(), new TraceSpans(s));
    }
    reader.scan(query, SpanDocuments.READ_FIELDS, List.of(SpanDocuments.TRACE_ID), hit -> {
      TraceSpans trace = out.get(hit.path("fields").path(SpanDocuments.TRACE_ID).path(0).asText());
      if (trace != null) {
        trace.put(SpanDocuments.read(hit));
      }
    });
    out.values().removeIf(t -> t.stored().isEmpty());
    return out;
  }

  /** Adds each filter's superset query; false when some filter may select every span. */
  private static boolean supersets(Spansets spansets, List<ObjectNode> out) {
    return switch (spansets) {
      case Spansets.Filter f -> {
        ObjectNode q = SpanQueries.superset(f.filter());
        if (q != null) {
          out.add(q);
        }
        yield q != null;
      }
      case Spansets.Combine c -> supersets(c.left(), out) & supersets(c.right(), out);
    };
  }
}
