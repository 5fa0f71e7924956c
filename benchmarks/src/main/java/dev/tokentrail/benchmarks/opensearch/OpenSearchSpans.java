package dev.tokentrail.benchmarks.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokentrail.benchmarks.ReferenceQueries;
import dev.tokentrail.benchmarks.SpanJson;
import dev.tokentrail.model.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The side-by-side benchmark's OpenSearch contender: an explicit index template and index for
 * {@link SpanJson} documents (one shard, no replica, default 1 s refresh and per-request translog
 * durability), the spans fed through {@code _bulk} with a fixed number of requests in flight, and
 * the reference searches as query DSL with the request cache off.
 */
public final class OpenSearchSpans {
  public static final String INDEX = "spans";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  public OpenSearchSpans(String httpUrl) {
    this.base = httpUrl;
  }

  /** Bulk results: documents acknowledged, failed, and the wall time until the last answer. */
  public record BulkResult(long acked, long failed, long nanos) {}

  /** Puts the index template and creates the index. */
  public void createIndex() throws IOException, InterruptedException {
    String keyword = "{\"type\":\"keyword\"}";
    String lng = "{\"type\":\"long\"}";
    String mapping =
        "{\"dynamic\":\"strict\",\"properties\":{"
            + String.join(",",
                field(SpanJson.TRACE_ID, keyword), field(SpanJson.SPAN_ID, keyword), field(SpanJson.PARENT_SPAN_ID, keyword),
                field(SpanJson.NAME, keyword), field(SpanJson.KIND, keyword), field(SpanJson.SERVICE, keyword),
                field(SpanJson.START_TIME, lng), field(SpanJson.TRACE_START, lng), field(SpanJson.DURATION, lng),
                field(SpanJson.STATUS, keyword), field(SpanJson.MODEL, keyword), field(SpanJson.RESPONSE_MODEL, keyword),
                field(SpanJson.PROVIDER, keyword), field(SpanJson.INPUT_TOKENS, lng), field(SpanJson.OUTPUT_TOKENS, lng),
                field(SpanJson.COST, "{\"type\":\"double\"}"), field(SpanJson.TEAM, keyword), field(SpanJson.PROJECT, keyword),
                field("scope", keyword),
                field("attributes", "{\"type\":\"object\",\"enabled\":false}"),
                field("resource", "{\"type\":\"object\",\"enabled\":false}"))
            + "}}";
    String template =
        "{\"index_patterns\":[\"" + INDEX + "*\"],\"template\":{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0},"
            + "\"mappings\":" + mapping + "}}";
    expectOk(send("PUT", "/_index_template/tokentrail-spans", template), "PUT index template");
    expectOk(send("PUT", "/" + INDEX, "{}"), "create index " + INDEX);
  }

  private static String field(String name, String type) {
    return "\"" + name + "\":" + type;
  }

  /**
   * Bulk request bodies of about {@code targetBytes} each, handed to {@code sink} as they fill: an
   * {@code index} action with {@code _id} = trace id + span id, then the span's JSON, per span.
   */
  public static void bulkBodies(Iterable<List<Span>> traces, int targetBytes, Consumer<byte[]> sink) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(targetBytes + 64 * 1024);
    for (List<Span> trace : traces) {
      long traceStart = Long.MAX_VALUE;
      for (Span s : trace) {
        traceStart = Math.min(traceStart, s.startEpochNanos());
      }
      for (Span s : trace) {
        body.writeBytes(("{\"index\":{\"_id\":\"" + s.traceId().hex() + s.spanId().hex() + "\"}}\n").getBytes(StandardCharsets.UTF_8));
        SpanJson.write(s, traceStart, body);
        body.write('\n');
        if (body.size() >= targetBytes) {
          sink.accept(body.toByteArray());
          body.reset();
        }
      }
    }
    if (body.size() > 0) {
      sink.accept(body.toByteArray());
    }
  }

  /**
   * Indexes the bodies once into a throwaway index of the same template, then deletes it: the
   * node's JIT and caches are warm when the measured bulk starts, as they are for a contender run
   * against the node afterwards.
   */
  public void warmUp(Iterable<byte[]> bodies, int inflight) throws IOException, InterruptedException {
    BulkResult result = bulk(INDEX + "-warmup", bodies, inflight, System.nanoTime());
    expectOk(send("DELETE", "/" + INDEX + "-warmup", null), "delete the warm-up index");
    if (result.failed() > 0) {
      throw new IOException(result.failed() + " documents of the warm-up failed");
    }
  }

  /** Sends the bodies to {@code _bulk} with {@code inflight} requests outstanding; counts item errors as failed. */
  public BulkResult bulk(Iterable<byte[]> bodies, int inflight, long startNanos) throws InterruptedException {
    return bulk(INDEX, bodies, inflight, startNanos);
  }

  private BulkResult bulk(String index, Iterable<byte[]> bodies, int inflight, long startNanos) throws InterruptedException {
    Semaphore slots = new Semaphore(inflight);
    AtomicLong acked = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    List<CompletableFuture<?>> pending = new ArrayList<>();
    long lastReport = startNanos;
    for (byte[] body : bodies) {
      slots.acquire();
      long docs = countLines(body) / 2;
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(base + "/" + index + "/_bulk?filter_path=errors,items.*.error"))
              .header("Content-Type", "application/x-ndjson")
              .timeout(Duration.ofSeconds(120))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              .build();
      pending.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
        try {
          if (e != null || r.statusCode() != 200) {
            failed.addAndGet(docs);
            firstError.compareAndSet(null, e != null ? e.toString() : r.statusCode() + " " + r.body());
            return;
          }
          JsonNode answer = JSON.readTree(r.body());
          long errors = answer.path("errors").asBoolean() ? answer.path("items").size() : 0;
          if (errors > 0) {
            firstError.compareAndSet(null, answer.path("items").get(0).toString());
          }
          failed.addAndGet(errors);
          acked.addAndGet(docs - errors);
        } catch (IOException ex) {
          failed.addAndGet(docs);
          firstError.compareAndSet(null, ex.toString());
        } finally {
          slots.release();
        }
      }));
      long t = System.nanoTime();
      if (t - lastReport > 5_000_000_000L) {
        lastReport = t;
        System.out.printf(Locale.ROOT, "  ... %d acknowledged, %.0f docs/s%n", acked.get(), acked.get() / ((t - startNanos) / 1e9));
      }
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
    long nanos = System.nanoTime() - startNanos;
    if (firstError.get() != null) {
      System.out.println("opensearch: bulk errors, the first: " + firstError.get());
    }
    return new BulkResult(acked.get(), failed.get(), nanos);
  }

  private static long countLines(byte[] body) {
    long n = 0;
    for (byte b : body) {
      if (b == '\n') {
        n++;
      }
    }
    return n;
  }

  /** {@code _refresh}: everything acknowledged becomes searchable. */
  public void refresh() throws IOException, InterruptedException {
    expectOk(send("POST", "/" + INDEX + "/_refresh", null), "refresh");
  }

  /** Documents visible to search. */
  public long count() throws IOException, InterruptedException {
    return JSON.readTree(expectOk(send("GET", "/" + INDEX + "/_count", null), "count")).path("count").asLong();
  }

  /** {@code _flush}, then the primary store size in bytes from {@code _cat/indices} (no force-merge). */
  public long storeBytesAfterFlush() throws IOException, InterruptedException {
    expectOk(send("POST", "/" + INDEX + "/_flush", null), "flush");
    JsonNode rows = JSON.readTree(expectOk(send("GET", "/_cat/indices/" + INDEX + "?bytes=b&h=pri.store.size&format=json", null), "cat indices"));
    return rows.get(0).path("pri.store.size").asLong();
  }

  /**
   * Primary store bytes of the indices {@code pattern} names after {@code _forcemerge} to one
   * segment each: what stays once merges have dropped deleted documents and the recovery source
   * OpenSearch keeps beside a filtered {@code _source} until then.
   */
  public long storeBytesAfterForceMerge(String pattern) throws IOException, InterruptedException {
    expectOk(send("POST", "/" + pattern + "/_forcemerge?max_num_segments=1", null), "force-merge");
    // The merged-away segments' files go once no reader holds them: refresh, flush, and wait until
    // the size stops changing.
    long previous = -1;
    for (int i = 0; i < 120; i++) {
      expectOk(send("POST", "/" + pattern + "/_refresh", null), "refresh");
      expectOk(send("POST", "/" + pattern + "/_flush?force=true", null), "flush");
      long total = 0;
      for (JsonNode row : JSON.readTree(expectOk(send("GET", "/_cat/indices/" + pattern + "?bytes=b&h=pri.store.size&format=json", null), "cat indices"))) {
        total += row.path("pri.store.size").asLong();
      }
      if (total == previous) {
        return total;
      }
      previous = total;
      Thread.sleep(1000);
    }
    return previous;
  }

  /**
   * The values of a keyword field, as a drop-down lists them: the most frequent first (ties by
   * value), at most {@code limit}.
   */
  public List<String> values(String field, int limit) throws IOException, InterruptedException {
    String body = "{\"size\":0,\"aggs\":{\"values\":{\"terms\":{\"field\":\"" + field + "\",\"size\":" + limit + "}}}}";
    List<String> out = new ArrayList<>();
    for (JsonNode bucket : JSON.readTree(expectOk(send("POST", "/" + INDEX + "/_search?request_cache=false", body), "values"))
        .path("aggregations").path("values").path("buckets")) {
      out.add(bucket.path("key").asText());
    }
    return out;
  }

  /**
   * The spend panel by hand: the cost of the spans with a cost summed per model and step ({@code
   * histogram} of the start in nanoseconds); the models, sorted.
   */
  public List<String> costByModel(long stepNanos) throws IOException, InterruptedException {
    String body = "{\"size\":0,\"query\":{\"range\":{\"" + SpanJson.COST + "\":{\"gt\":0}}},\"aggs\":{\"models\":{\"terms\":"
        + "{\"field\":\"" + SpanJson.MODEL + "\",\"size\":1000},\"aggs\":{\"steps\":{\"histogram\":{\"field\":\""
        + SpanJson.START_TIME + "\",\"interval\":" + stepNanos + "},\"aggs\":{\"cost\":{\"sum\":{\"field\":\"" + SpanJson.COST
        + "\"}}}}}}}}";
    List<String> out = new ArrayList<>();
    for (JsonNode bucket : JSON.readTree(expectOk(send("POST", "/" + INDEX + "/_search?request_cache=false", body), "cost by model"))
        .path("aggregations").path("models").path("buckets")) {
      out.add(bucket.path("key").asText());
    }
    out.sort(null);
    return out;
  }

  /** The trace ids of a reference search, newest trace first. */
  public List<String> search(ReferenceQueries queries, ReferenceQueries.Kind kind) throws IOException, InterruptedException {
    return search(queries, kind, false);
  }

  /**
   * {@link #search}, each trace also with what Tempo's search answer carries of it besides the
   * rollup: its matched span count and first three matched spans (id, name, start, duration, the
   * compared attributes), as {@code inner_hits} of the collapsed query (trace cost: a second
   * request for the twenty traces' first spans).
   */
  public List<String> searchWithSpansets(ReferenceQueries queries, ReferenceQueries.Kind kind)
      throws IOException, InterruptedException {
    return search(queries, kind, true);
  }

  private static final String INNER_HITS = ",\"inner_hits\":{\"name\":\"spans\",\"size\":3,\"sort\":[{\""
      + SpanJson.START_TIME + "\":\"asc\"}],\"_source\":[\"" + String.join("\",\"", SpanJson.SPAN_ID, SpanJson.NAME,
      SpanJson.START_TIME, SpanJson.DURATION, SpanJson.MODEL, SpanJson.INPUT_TOKENS, SpanJson.COST) + "\"]}";

  private List<String> search(ReferenceQueries queries, ReferenceQueries.Kind kind, boolean spansets)
      throws IOException, InterruptedException {
    String model = "{\"term\":{\"" + SpanJson.MODEL + "\":" + JSON.writeValueAsString(queries.model()) + "}}";
    String tokens = "{\"range\":{\"" + SpanJson.INPUT_TOKENS + "\":{\"gt\":" + queries.tokensAbove() + ",\"lt\":" + queries.tokensBelow() + "}}}";
    String filter = switch (kind) {
      case MODEL -> model;
      case TOKENS -> tokens;
      case MODEL_AND_TOKENS -> "{\"bool\":{\"filter\":[" + model + "," + tokens + "]}}";
      // Not match_all: OpenSearch 3.6 answers match_all + collapse + sort with a few wrong
      // traces from the 17th on (seen at 20,000 spans); an exists filter matching every span is exact.
      case ANY -> "{\"bool\":{\"filter\":{\"exists\":{\"field\":\"" + SpanJson.SPAN_ID + "\"}}}}";
      case TRACE_COST -> null;
    };
    List<String> ids = new ArrayList<>();
    if (filter != null) {
      String body = "{\"size\":" + ReferenceQueries.LIMIT + ",\"_source\":false,\"track_total_hits\":false,\"query\":" + filter
          + ",\"collapse\":{\"field\":\"" + SpanJson.TRACE_ID + "\"" + (spansets ? INNER_HITS : "") + "},\"sort\":[{\""
          + SpanJson.TRACE_START + "\":\"desc\"}]}";
      JsonNode hits = JSON.readTree(expectOk(send("POST", "/" + INDEX + "/_search?request_cache=false", body), "search")).path("hits").path("hits");
      for (JsonNode hit : hits) {
        ids.add(hit.path("fields").path(SpanJson.TRACE_ID).get(0).asText());
      }
      return ids;
    }
    // Trace cost: the newest 1,000 traces with a cost, their sums, the first 20 above the threshold.
    String body = "{\"size\":0,\"query\":{\"exists\":{\"field\":\"" + SpanJson.COST + "\"}},\"aggs\":{\"traces\":{\"terms\":{\"field\":\""
        + SpanJson.TRACE_ID + "\",\"size\":1000,\"order\":{\"start\":\"desc\"}},\"aggs\":{\"start\":{\"max\":{\"field\":\""
        + SpanJson.TRACE_START + "\"}},\"cost\":{\"sum\":{\"field\":\"" + SpanJson.COST + "\"}},"
        + "\"over\":{\"bucket_selector\":{\"buckets_path\":{\"c\":\"cost\"},\"script\":\"params.c > " + queries.costOver().toPlainString() + "\"}},"
        + "\"top\":{\"bucket_sort\":{\"size\":" + ReferenceQueries.LIMIT + "}}}}}}";
    JsonNode buckets = JSON.readTree(expectOk(send("POST", "/" + INDEX + "/_search?request_cache=false", body), "cost search"))
        .path("aggregations").path("traces").path("buckets");
    for (JsonNode bucket : buckets) {
      ids.add(bucket.path("key").asText());
    }
    if (spansets && !ids.isEmpty()) {
      String spans = "{\"size\":" + ids.size() + ",\"_source\":false,\"track_total_hits\":false,\"query\":{\"terms\":{\""
          + SpanJson.TRACE_ID + "\":" + JSON.writeValueAsString(ids) + "}},\"collapse\":{\"field\":\"" + SpanJson.TRACE_ID + "\""
          + INNER_HITS + "}}";
      JsonNode hits = JSON.readTree(expectOk(send("POST", "/" + INDEX + "/_search?request_cache=false", spans), "spansets"))
          .path("hits").path("hits");
      if (hits.size() != ids.size()) {
        throw new IOException("spansets of " + ids.size() + " traces, " + hits.size() + " answered");
      }
    }
    return ids;
  }

  private HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(300));
    b.header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String expectOk(HttpResponse<String> r, String what) throws IOException {
    if (r.statusCode() / 100 != 2) {
      throw new IOException("opensearch " + what + ": HTTP " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }
}
