package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpMethod;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.StoreOverloadedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Writes batches of spans with OpenSearch's {@code _bulk} API on a bounded pool: a batch is
 * acknowledged once every one of its operations was acknowledged (durably: the indices' translog
 * is fsynced per request); a full queue refuses at once with {@link StoreOverloadedException}, as
 * does a cluster answering 429 or rejecting any item for load (re-sending the whole batch is safe:
 * document ids are deterministic). Before writing, the trace index is read (realtime) for the days
 * each trace already has spans in; an earlier copy of a span on another day is deleted in the same
 * bulk, after the new copy is written.
 */
final class BulkWriter implements AutoCloseable {
  private final OpenSearchClient client;
  private final IndexTemplates indices;
  private final Retention retention;
  private final int bulkSize;
  private final String refresh;
  private final int retryAfterSeconds;
  private final ThreadPoolExecutor pool;

  BulkWriter(OpenSearchClient client, IndexTemplates indices, Retention retention, int bulkSize, int concurrency,
      int queueCapacity, boolean refreshOnWrite, int retryAfterSeconds) {
    this.client = client;
    this.indices = indices;
    this.retention = retention;
    this.bulkSize = bulkSize;
    this.refresh = refreshOnWrite ? "wait_for" : "false";
    this.retryAfterSeconds = retryAfterSeconds;
    this.pool = new ThreadPoolExecutor(concurrency, concurrency, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(queueCapacity), r -> {
          Thread t = new Thread(r, "opensearch-bulk");
          t.setDaemon(true);
          return t;
        });
  }

  CompletableFuture<Void> accept(String tenant, List<IngestedSpan> spans) {
    Map<String, IngestedSpan> batch = new LinkedHashMap<>();
    for (IngestedSpan s : spans) {
      if (!s.span().traceId().isValid() || s.span().spanId().isNone()) {
        // Nothing of a batch with an invalid span is kept.
        return CompletableFuture.failedFuture(new IllegalArgumentException("span: trace id " + s.span().traceId()
            + ", span id " + s.span().spanId() + " (expected: a valid trace id and span id, not all zero)"));
      }
      String traceId = s.span().traceId().hex();
      String spanId = s.span().spanId().hex();
      batch.put(SpanDocuments.id(tenant, traceId, spanId), s); // the later copy in a batch wins
    }
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    try {
      return CompletableFuture.runAsync(() -> write(tenant, batch), pool);
    } catch (RejectedExecutionException e) {
      if (pool.isShutdown()) {
        return CompletableFuture.failedFuture(new StoreClosedException("span store is closed", e));
      }
      return CompletableFuture.failedFuture(new StoreOverloadedException(
          "OpenSearch write queue full (" + pool.getQueue().size() + " batches waiting)", retryAfterSeconds));
    }
  }

  private void write(String tenant, Map<String, IngestedSpan> batch) {
    retention.sweepIfDue();
    long cutoff = retention.cutoffNanos();
    List<IngestedSpan> kept = new ArrayList<>(batch.size());
    for (IngestedSpan s : batch.values()) {
      if (s.span().startEpochNanos() >= cutoff) {
        kept.add(s); // spans already past retention are dropped on arrival
      }
    }
    if (kept.isEmpty()) {
      return;
    }
    Map<String, Set<String>> knownDays = knownDays(tenant, kept);
    List<Op> ops = new ArrayList<>();
    Map<String, Set<String>> newDays = new HashMap<>();
    List<IngestedSpan> elsewhere = new ArrayList<>();
    for (IngestedSpan s : kept) {
      String traceId = s.span().traceId().hex();
      String day = IndexTemplates.day(s.span().startEpochNanos());
      Set<String> days = knownDays.getOrDefault(traceId, Set.of());
      if (!days.contains(day)) {
        newDays.computeIfAbsent(traceId, t -> new HashSet<>()).add(day);
      }
      if (days.size() > (days.contains(day) ? 1 : 0)) {
        elsewhere.add(s);
      }
    }
    // The trace index first, so it never lags the spans; earlier copies last, once replaced.
    newDays.forEach((traceId, days) -> days.forEach(day -> ops.add(Op.traceDay(tenant, traceId, day))));
    for (IngestedSpan s : kept) {
      ops.add(Op.index(tenant, s));
    }
    ops.addAll(staleCopies(tenant, elsewhere, knownDays));
    for (int i = 0; i < ops.size(); i += bulkSize) {
      bulk(ops.subList(i, Math.min(ops.size(), i + bulkSize)));
    }
  }

  /** The days each trace of the batch has spans in, read from the trace index in real time. */
  private Map<String, Set<String>> knownDays(String tenant, List<IngestedSpan> spans) {
    ObjectNode body = SpanQueries.json();
    ArrayNode ids = body.putArray("ids");
    Set<String> traces = new HashSet<>();
    for (IngestedSpan s : spans) {
      if (traces.add(s.span().traceId().hex())) {
        ids.add(SpanDocuments.traceDocId(tenant, s.span().traceId().hex()));
      }
    }
    JsonNode answer = client.send(HttpMethod.POST, "/" + indices.traceIndex() + "/_mget?_source=" + SpanDocuments.TRACE_ID + ",days", body);
    Map<String, Set<String>> out = new HashMap<>();
    for (JsonNode doc : answer.path("docs")) {
      if (doc.path("found").asBoolean(false)) {
        Set<String> days = new HashSet<>();
        doc.path("_source").path("days").forEach(d -> days.add(d.asText()));
        out.put(doc.path("_source").path(SpanDocuments.TRACE_ID).asText(), days);
      }
    }
    return out;
  }

  /** Deletes of the copies of {@code spans} stored under another day than their new start's. */
  private List<Op> staleCopies(String tenant, List<IngestedSpan> spans, Map<String, Set<String>> knownDays) {
    if (spans.isEmpty()) {
      return List.of();
    }
    ObjectNode body = SpanQueries.json();
    ArrayNode docs = body.putArray("docs");
    for (IngestedSpan s : spans) {
      String day = IndexTemplates.day(s.span().startEpochNanos());
      for (String other : knownDays.get(s.span().traceId().hex())) {
        if (!other.equals(day)) {
          ObjectNode doc = docs.addObject();
          doc.put("_index", indices.spanIndex(other));
          doc.put("_id", SpanDocuments.id(tenant, s.span().traceId().hex(), s.span().spanId().hex()));
        }
      }
    }
    JsonNode answer = client.send(HttpMethod.POST, "/_mget?_source=false", body);
    List<Op> deletes = new ArrayList<>();
    for (JsonNode doc : answer.path("docs")) {
      if (doc.path("found").asBoolean(false)) {
        deletes.add(Op.delete(doc.path("_index").asText(), doc.path("_id").asText()));
      }
    }
    return deletes;
  }

  private void bulk(List<Op> ops) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(ops.size() * 1024);
    try (JsonGenerator out = OpenSearchClient.JSON.getFactory().createGenerator(bytes)) {
      out.setRootValueSeparator(null);
      for (Op op : ops) {
        op.write(out, this);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    JsonNode answer = client.send(HttpMethod.POST, "/_bulk?refresh=" + refresh, bytes.toByteArray());
    if (answer.path("errors").asBoolean(false)) {
      failOnItems(answer.path("items"));
    }
  }

  /** Maps failed items: any rejected for load makes the batch retryable; other failures name the first. */
  private void failOnItems(JsonNode items) {
    int failed = 0;
    int overloaded = 0;
    String first = null;
    for (JsonNode item : items) {
      JsonNode result = item.elements().next();
      int status = result.path("status").asInt();
      boolean missingDelete = item.has("delete") && status == 404;
      if (status < 300 || missingDelete) {
        continue;
      }
      failed++;
      if (status == 429 || result.path("error").path("type").asText().contains("rejected_execution")) {
        overloaded++;
      }
      if (first == null) {
        first = result.path("_id").asText() + ": " + result.path("error");
      }
    }
    if (failed == 0) {
      return;
    }
    if (overloaded > 0) {
      throw new StoreOverloadedException("OpenSearch rejected " + overloaded + " of " + items.size()
          + " bulk items for load; first: " + OpenSearchClient.abbreviate(first), retryAfterSeconds);
    }
    throw new OpenSearchClient.OpenSearchException(400, "OpenSearch refused " + failed + " of " + items.size()
        + " bulk items; first: " + OpenSearchClient.abbreviate(first));
  }

  /** Completes queued batches, then refuses new ones. */
  @Override
  public void close() {
    pool.shutdown();
    try {
      pool.awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One bulk operation. */
  private record Op(int type, String tenant, IngestedSpan span, String traceId, String day, String index, String id) {
    static Op index(String tenant, IngestedSpan span) {
      return new Op(0, tenant, span, null, null, null, null);
    }

    static Op traceDay(String tenant, String traceId, String day) {
      return new Op(1, tenant, null, traceId, day, null, null);
    }

    static Op delete(String index, String id) {
      return new Op(2, null, null, null, null, index, id);
    }

    void write(JsonGenerator out, BulkWriter writer) throws IOException {
      IndexTemplates indices = writer.indices;
      switch (type) {
        case 0 -> {
          Span s = span.span();
          out.writeStartObject();
          out.writeObjectFieldStart("index");
          out.writeStringField("_index", indices.spanIndex(IndexTemplates.day(s.startEpochNanos())));
          out.writeStringField("_id", SpanDocuments.id(tenant, s.traceId().hex(), s.spanId().hex()));
          out.writeEndObject();
          out.writeEndObject();
          out.writeRaw('\n');
          SpanDocuments.write(out, tenant, span);
        }
        case 1 -> {
          out.writeStartObject();
          out.writeObjectFieldStart("update");
          out.writeStringField("_index", indices.traceIndex());
          out.writeStringField("_id", SpanDocuments.traceDocId(tenant, traceId));
          out.writeNumberField("retry_on_conflict", 5);
          out.writeEndObject();
          out.writeEndObject();
          out.writeRaw('\n');
          out.writeStartObject();
          out.writeObjectFieldStart("script");
          out.writeStringField("source", "if (ctx._source.days.contains(params.day)) { ctx.op = 'noop' } else {"
              + " ctx._source.days.add(params.day); if (params.day.compareTo(ctx._source.last) > 0) {"
              + " ctx._source.last = params.day } }");
          out.writeObjectFieldStart("params");
          out.writeStringField("day", day);
          out.writeEndObject();
          out.writeEndObject();
          out.writeObjectFieldStart("upsert");
          out.writeStringField(SpanDocuments.TENANT, tenant);
          out.writeStringField(SpanDocuments.TRACE_ID, traceId);
          out.writeArrayFieldStart("days");
          out.writeString(day);
          out.writeEndArray();
          out.writeStringField("last", day);
          out.writeEndObject();
          out.writeEndObject();
        }
        default -> {
          out.writeStartObject();
          out.writeObjectFieldStart("delete");
          out.writeStringField("_index", index);
          out.writeStringField("_id", id);
          out.writeEndObject();
          out.writeEndObject();
        }
      }
      out.writeRaw('\n');
    }
  }
}
