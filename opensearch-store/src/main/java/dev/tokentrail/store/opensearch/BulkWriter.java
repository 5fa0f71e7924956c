package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpMethod;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.StoreOverloadedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes batches of spans with OpenSearch's {@code _bulk} API from a bounded queue: each of a few
 * writer threads takes the batches waiting (up to {@code bulkSize} spans, batches that share no
 * span) and writes them together, so a busy store sends few large bulks (one translog fsync each)
 * instead of one per export. A batch is acknowledged once every operation of its own was
 * acknowledged (durably: the indices' translog is fsynced per request), and fails on its own items'
 * failures only; a full queue refuses at once with {@link StoreOverloadedException}, as does a
 * cluster answering 429 or rejecting any of a batch's items for load (re-sending the whole batch is
 * safe: document ids are deterministic). Before writing, the trace index is read (realtime) for the
 * days each trace already has spans in; an earlier copy of a span on another day is deleted in the
 * same bulk, after the new copy is written.
 */
final class BulkWriter implements AutoCloseable {
  /** Bulk bodies are cut at this size even below {@code bulkSize} operations. */
  private static final int MAX_BULK_BYTES = 16 << 20;

  private final OpenSearchClient client;
  private final IndexTemplates indices;
  private final Retention retention;
  private final int bulkSize;
  private final String refresh;
  private final int retryAfterSeconds;
  private final RollupMaintainer rollups;
  private final SpanLayouts layouts;
  private final OpenSearchStoreMetrics metrics;
  private final BlockingQueue<Batch> queue;
  private final List<Thread> writers = new ArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean closed;

  /** One accepted batch: its spans by document id and the future acknowledging it. */
  private record Batch(String tenant, Map<String, IngestedSpan> spans, CompletableFuture<Void> done) {}

  BulkWriter(OpenSearchClient client, IndexTemplates indices, Retention retention, RollupMaintainer rollups,
      OpenSearchStoreMetrics metrics, int bulkSize, int concurrency, int queueCapacity, boolean refreshOnWrite,
      int retryAfterSeconds) {
    this.client = client;
    this.rollups = rollups;
    this.layouts = new SpanLayouts(client);
    this.metrics = metrics;
    this.indices = indices;
    this.retention = retention;
    this.bulkSize = bulkSize;
    // Immediately: the span indices' own refresh interval is long (IndexTemplates).
    this.refresh = refreshOnWrite ? "true" : "false";
    this.retryAfterSeconds = retryAfterSeconds;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    for (int i = 0; i < concurrency; i++) {
      Thread t = new Thread(this::run, "opensearch-bulk-" + i);
      t.setDaemon(true);
      writers.add(t);
      t.start();
    }
  }

  CompletableFuture<Void> accept(String tenant, List<IngestedSpan> spans) {
    Map<String, IngestedSpan> batch = new LinkedHashMap<>();
    for (IngestedSpan s : spans) {
      if (!s.span().traceId().isValid() || s.span().spanId().isNone()) {
        // Nothing of a batch with an invalid span is kept.
        return CompletableFuture.failedFuture(new IllegalArgumentException("span: trace id " + s.span().traceId()
            + ", span id " + s.span().spanId() + " (expected: non-zero ids)"));
      }
      batch.put(SpanDocuments.id(tenant, s.span().traceId().hex(), s.span().spanId().hex()), s); // the later copy wins
    }
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    if (closed) {
      return CompletableFuture.failedFuture(new StoreClosedException("span store is closed", null));
    }
    Batch b = new Batch(tenant, batch, new CompletableFuture<>());
    if (!queue.offer(b)) {
      metrics.refused.labelValues("overloaded").inc();
      return CompletableFuture.failedFuture(new StoreOverloadedException(
          "OpenSearch write queue full (" + queue.size() + " batches waiting)", retryAfterSeconds));
    }
    if (closed && queue.remove(b)) { // the writers may have drained the queue and stopped already
      return CompletableFuture.failedFuture(new StoreClosedException("span store is closed", null));
    }
    return b.done.whenComplete((done, error) -> {
      if (error != null) {
        metrics.refused.labelValues(reason(error)).inc();
      }
    });
  }

  private static String reason(Throwable error) {
    Throwable cause = error.getCause() != null ? error.getCause() : error;
    return cause instanceof StoreOverloadedException ? "overloaded"
        : cause instanceof StoreClosedException ? "unavailable" : "refused";
  }

  /** Batches waiting for a bulk thread. */
  int queued() {
    return queue.size();
  }

  /** Batches being written now. */
  int inFlight() {
    return inFlight.get();
  }

  /** A writer thread: takes what is queued, up to one bulk's worth, until closed and drained. */
  private void run() {
    Batch carried = null;
    while (true) {
      Batch first = carried;
      carried = null;
      if (first == null) {
        try {
          first = queue.poll(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          return;
        }
        if (first == null) {
          if (closed) {
            return;
          }
          continue;
        }
      }
      List<Batch> group = new ArrayList<>();
      group.add(first);
      Set<String> ids = new HashSet<>(first.spans.keySet());
      int spans = first.spans.size();
      while (spans < bulkSize) {
        Batch next = queue.poll();
        if (next == null) {
          break;
        }
        // A batch re-sending a span of the group waits for the next bulk: its earlier copy must be known first.
        if (spans + next.spans.size() > bulkSize || !disjoint(ids, next.spans.keySet())) {
          carried = next;
          break;
        }
        group.add(next);
        ids.addAll(next.spans.keySet());
        spans += next.spans.size();
      }
      inFlight.addAndGet(group.size());
      try {
        write(group);
      } catch (RuntimeException e) {
        group.forEach(b -> b.done.completeExceptionally(e)); // re-sending is safe: ids are deterministic
      } finally {
        inFlight.addAndGet(-group.size());
      }
    }
  }

  private static boolean disjoint(Set<String> ids, Set<String> more) {
    for (String id : more) {
      if (ids.contains(id)) {
        return false;
      }
    }
    return true;
  }

  private void write(List<Batch> group) {
    retention.sweepIfDue();
    long cutoff = retention.cutoffNanos();
    List<List<IngestedSpan>> kept = new ArrayList<>(group.size());
    for (Batch b : group) {
      List<IngestedSpan> k = new ArrayList<>(b.spans.size());
      for (IngestedSpan s : b.spans.values()) {
        if (s.span().startEpochNanos() >= cutoff) {
          k.add(s); // spans already past retention are dropped on arrival
        }
      }
      kept.add(k);
    }
    Map<String, Set<String>> knownDays = knownDays(group, kept);
    Map<String, Set<String>> newDays = new LinkedHashMap<>();
    Map<String, BitSet> traceOwners = new HashMap<>();
    List<BulkOperation> ops = new ArrayList<>();
    List<BulkOperation> spanOps = new ArrayList<>();
    List<int[]> elsewhere = new ArrayList<>();
    for (int b = 0; b < group.size(); b++) {
      String tenant = group.get(b).tenant;
      List<IngestedSpan> spans = kept.get(b);
      for (int i = 0; i < spans.size(); i++) {
        IngestedSpan s = spans.get(i);
        String key = BulkOperation.traceDayKey(tenant, s.span().traceId().hex());
        String day = IndexTemplates.day(s.span().startEpochNanos());
        Set<String> days = knownDays.getOrDefault(key, Set.of());
        if (!days.contains(day)) {
          newDays.computeIfAbsent(key, t -> new HashSet<>()).add(day);
        }
        traceOwners.computeIfAbsent(key, t -> new BitSet()).set(b);
        if (days.size() > (days.contains(day) ? 1 : 0)) {
          elsewhere.add(new int[] {b, i});
        }
        spanOps.add(BulkOperation.index(b, tenant, s));
      }
    }
    // The trace index first, so it never lags the spans; earlier copies last, once replaced.
    newDays.forEach((key, days) -> {
      int cut = key.indexOf('\u0000');
      days.forEach(day -> ops.add(BulkOperation.traceDay(key.substring(0, cut), key.substring(cut + 1), day)));
    });
    Set<String> targets = new HashSet<>();
    spanOps.forEach(op -> targets.add(op.spanIndex(indices)));
    Map<String, Boolean> protobufLayout = layouts.resolve(targets);
    ops.addAll(spanOps);
    ops.addAll(staleCopies(group, kept, elsewhere, knownDays));
    BulkFailures failures = new BulkFailures(group.size(), traceOwners);
    send(ops, failures, protobufLayout);
    for (int b = 0; b < group.size(); b++) {
      Set<String> touched = new HashSet<>();
      for (IngestedSpan s : kept.get(b)) {
        touched.add(s.span().traceId().hex());
      }
      if (!touched.isEmpty()) {
        rollups.mark(group.get(b).tenant, touched); // also after a partial failure: some spans may be written
      }
      RuntimeException failure = failures.failure(b, retryAfterSeconds);
      if (failure != null) {
        group.get(b).done.completeExceptionally(failure);
      } else {
        metrics.spansWritten.inc(kept.get(b).size());
        group.get(b).done.complete(null);
      }
    }
  }

  /** The days each trace of the group has spans in (by {@link BulkOperation#traceDayKey}), read in real time. */
  private Map<String, Set<String>> knownDays(List<Batch> group, List<List<IngestedSpan>> kept) {
    ObjectNode body = SpanQueries.json();
    ArrayNode ids = body.putArray("ids");
    Map<String, String> keys = new HashMap<>();
    for (int b = 0; b < group.size(); b++) {
      String tenant = group.get(b).tenant;
      for (IngestedSpan s : kept.get(b)) {
        String docId = SpanDocuments.traceDocId(tenant, s.span().traceId().hex());
        if (keys.putIfAbsent(docId, BulkOperation.traceDayKey(tenant, s.span().traceId().hex())) == null) {
          ids.add(docId);
        }
      }
    }
    if (keys.isEmpty()) {
      return Map.of();
    }
    JsonNode answer = client.send(HttpMethod.POST, "/" + indices.traceIndex() + "/_mget?_source=days", body);
    Map<String, Set<String>> out = new HashMap<>();
    for (JsonNode doc : answer.path("docs")) {
      String key = keys.get(doc.path("_id").asText());
      if (key != null && doc.path("found").asBoolean(false)) {
        Set<String> days = new HashSet<>();
        doc.path("_source").path("days").forEach(d -> days.add(d.asText()));
        out.put(key, days);
      }
    }
    return out;
  }

  /** Deletes of the copies of the {@code elsewhere} spans (batch, position) stored under another day. */
  private List<BulkOperation> staleCopies(List<Batch> group, List<List<IngestedSpan>> kept, List<int[]> elsewhere,
      Map<String, Set<String>> knownDays) {
    if (elsewhere.isEmpty()) {
      return List.of();
    }
    ObjectNode body = SpanQueries.json();
    ArrayNode docs = body.putArray("docs");
    List<Integer> owners = new ArrayList<>();
    for (int[] at : elsewhere) {
      String tenant = group.get(at[0]).tenant;
      IngestedSpan s = kept.get(at[0]).get(at[1]);
      String day = IndexTemplates.day(s.span().startEpochNanos());
      for (String other : knownDays.get(BulkOperation.traceDayKey(tenant, s.span().traceId().hex()))) {
        if (!other.equals(day)) {
          ObjectNode doc = docs.addObject();
          doc.put("_index", indices.spanIndex(other));
          doc.put("_id", SpanDocuments.id(tenant, s.span().traceId().hex(), s.span().spanId().hex()));
          owners.add(at[0]);
        }
      }
    }
    JsonNode answer = client.send(HttpMethod.POST, "/_mget?_source=false", body);
    List<BulkOperation> deletes = new ArrayList<>();
    int i = 0;
    for (JsonNode doc : answer.path("docs")) {
      if (doc.path("found").asBoolean(false)) {
        deletes.add(BulkOperation.delete(owners.get(i), doc.path("_index").asText(), doc.path("_id").asText()));
      }
      i++;
    }
    return deletes;
  }

  /** Sends {@code ops} in order, in bodies of at most {@code bulkSize} operations and about {@link #MAX_BULK_BYTES}. */
  private void send(List<BulkOperation> ops, BulkFailures failures, Map<String, Boolean> protobufLayout) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.min(ops.size(), bulkSize) * 1024);
    int from = 0;
    try {
      JsonGenerator out = OpenSearchClient.JSON.getFactory().createGenerator(bytes);
      out.setRootValueSeparator(null);
      for (int i = 0; i < ops.size(); i++) {
        ops.get(i).write(out, indices, protobufLayout);
        out.flush();
        if (i + 1 - from >= bulkSize || bytes.size() >= MAX_BULK_BYTES || i + 1 == ops.size()) {
          bulk(bytes.toByteArray(), ops.subList(from, i + 1), failures);
          bytes.reset();
          from = i + 1;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void bulk(byte[] body, List<BulkOperation> ops, BulkFailures failures) {
    long started = System.nanoTime();
    // Only what failures need: OpenSearch then neither writes nor we parse each item's _index,
    // _version, result, _shards, _seq_no and _primary_term (about three quarters of the answer).
    JsonNode answer = client.send(HttpMethod.POST,
        "/_bulk?refresh=" + refresh + "&filter_path=errors,items.*._id,items.*.status,items.*.error", body);
    metrics.bulkLatency.observe((System.nanoTime() - started) / 1e9);
    if (answer.path("errors").asBoolean(false)) {
      failures.record(ops, answer.path("items"));
    }
  }

  /** Completes queued batches, then refuses new ones. */
  @Override
  public void close() {
    closed = true;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (Thread t : writers) {
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    for (Batch b; (b = queue.poll()) != null; ) {
      b.done.completeExceptionally(new StoreClosedException("span store closed before the batch was written", null));
    }
  }
}
