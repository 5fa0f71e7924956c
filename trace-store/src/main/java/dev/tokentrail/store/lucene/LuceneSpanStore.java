package dev.tokentrail.store.lucene;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.otlp.SpanWireEncoder;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsAnswer;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.QueryCancellation;
import dev.tokentrail.store.QueryCancelledException;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.StoreOverloadedException;
import dev.tokentrail.store.TagNames;
import dev.tokentrail.store.TagValue;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceOutcome;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSummary;
import dev.tokentrail.store.Tenants;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.lucene.index.ExitableDirectoryReader;

/**
 * The embedded span store: a write-ahead log for durability, time-partitioned Lucene indices for
 * search, trace rollups for trace-level filters. This class wires the pieces and answers the
 * {@link SpanStore} contract by delegating to them.
 *
 * <p>Writes: {@code accept} reserves queue room ({@link WriteQueue}) and encodes the spans on the
 * caller's thread; the log thread ({@link IngestLog}) appends and fsyncs groups and acknowledges
 * them; indexing threads ({@link Indexer}, {@link SpanIndexing}) index acknowledged batches into
 * {@link Partitions}, deduplicating with each partition's {@link SpanKeyFilter} and feeding the
 * rollup deltas ({@link RollupMaintainer}); the coordinator writes rollups, refreshes and commits
 * ({@link IndexCommitter}); {@link Recovery} replays the log at open and after an index failure. Reads go
 * through near-real-time searchers ({@link StoreSnapshot}): {@link TraceLoader}, {@link
 * TraceSearcher}, {@link TraceRanking}, {@link TagCatalog}, {@link CallColumnsReader}.
 *
 * <p>Memory is bounded: a batch holds its decoded spans, documents and log record until indexed,
 * and the queue admits batches while both the span count and the estimated bytes are within
 * their limits ({@link StoreOverloadedException} past them). A failed write (a full disk, an I/O
 * error) makes {@link #accept} answer {@link StoreClosedException} while the cause lasts and is
 * retried with backoff: the log repairs its tail, the index reopens from its last commit and
 * replays the log. A {@link VirtualMachineError} stops the store and reaches the fatal error
 * handler (the server halts the process, and the restart replays the log).
 */
public final class LuceneSpanStore implements SpanStore {
  /** Set by {@link #close}: reads are refused from then on. */
  private volatile boolean closed;

  private static final String WAL_DIR = "wal";
  private static final String INDEX_DIR = "index";
  private static final String CHECKPOINT = "checkpoint";
  private static final int OVERLOADED_RETRY_SECONDS = 1;
  /** Log record encoders of the callers' threads (request threads are pooled). */
  private static final ThreadLocal<SpanWireEncoder> RECORD_ENCODERS = ThreadLocal.withInitial(SpanWireEncoder::create);

  private final Clock clock;
  private final StoreMetrics metrics;
  private final WriteHealth health;
  private final WriteQueue queue;
  private final WriteAheadLog wal;
  private final Partitions partitions;
  private final IngestLog log;
  private final Indexer indexer;
  private final TraceLoader loader;
  private final TraceRanking ranking;
  private final TraceSearcher searcher;
  private final TagCatalog tags;
  private final CallColumnsReader calls;

  LuceneSpanStore(LuceneSpanStoreBuilder b) throws IOException {
    this.clock = b.clock;
    Path indexRoot = b.dataDir.resolve(INDEX_DIR);
    Files.createDirectories(indexRoot);
    this.wal = WriteAheadLog.open(b.dataDir.resolve(WAL_DIR), b.walSegmentBytes, b.channelOpener);
    this.metrics = new StoreMetrics(b.registry);
    this.health = new WriteHealth(b.minRetryBackoff.toNanos(), b.maxRetryBackoff.toNanos(), b.onFatalError);
    this.queue = new WriteQueue(b.maxQueuedSpans, b.maxQueuedBytes);
    this.partitions = new Partitions(indexRoot, b.partitionDuration.toNanos(), b.retention.toNanos(),
        b.maxFutureSkew.toNanos(), b.ramBufferMb, b.maxIndexedFields, b.directoryWrapper, this::nowNanos,
        metrics.overflowValues::inc);
    RollupMaintainer rollups = new RollupMaintainer(partitions, metrics);
    IndexCommitter committer = new IndexCommitter(wal, b.dataDir.resolve(WAL_DIR).resolve(CHECKPOINT), partitions);
    this.indexer = new Indexer(partitions, rollups, committer, wal, health, queue, metrics, b.hooks, b.indexThreads,
        b.refreshInterval.toNanos(), b.commitInterval.toNanos(), b.retentionCheckInterval.toNanos());
    this.log = new IngestLog(wal, health, queue, metrics, indexer::enqueue);
    this.loader = new TraceLoader(partitions);
    this.ranking = new TraceRanking(partitions);
    this.searcher = new TraceSearcher(partitions, ranking, b.regexWorkLimit);
    this.tags = new TagCatalog(partitions);
    this.calls = new CallColumnsReader(partitions);
    registerGauges(committer);

    partitions.openExisting();
    indexer.recovery().recover();
    health.accepting = true;
    health.ready = true;
    log.start();
    indexer.start(log, wal.position());
  }

  private void registerGauges(IndexCommitter committer) {
    metrics.registerFieldBudgets(partitions);
    metrics.gauge("tokentrail_store_queue_spans", "Spans accepted and not yet indexed (held in memory)", queue::spans);
    metrics.gauge("tokentrail_store_queue_bytes", "Estimated heap held by the batches accepted and not yet indexed", queue::bytes);
    metrics.gauge("tokentrail_store_queue_limit_bytes", "store.max_queued_bytes: past it exports are told to retry", queue::maxBytes);
    metrics.gauge("tokentrail_store_writable", "1 when the store accepts writes; 0 while a write failure is retried, or when closed or failed",
        () -> health.writable() ? 1 : 0);
    metrics.gauge("tokentrail_store_partitions", "Open time partitions", partitions::size);
    metrics.gauge("tokentrail_store_size_bytes", "Bytes of index files on disk (refreshed at each commit)", committer::lastDiskSize);
  }

  public static LuceneSpanStoreBuilder builder(Path dataDir) {
    return new LuceneSpanStoreBuilder(requireNonNull(dataDir, "dataDir"));
  }

  /**
   * The default {@code maxQueuedBytes} for a heap of {@code maxHeapBytes}: an eighth of it,
   * between 16 MiB and 1 GiB.
   */
  public static long defaultMaxQueuedBytes(long maxHeapBytes) {
    return Math.max(16L << 20, Math.min(1L << 30, maxHeapBytes / 8));
  }

  // --- writes -------------------------------------------------------------------------------------

  @Override
  public CompletableFuture<Void> accept(String tenant, List<IngestedSpan> ingested) {
    requireNonNull(ingested, "spans");
    Tenants.check(tenant);
    List<Span> spans = new ArrayList<>(ingested.size());
    for (IngestedSpan s : ingested) {
      spans.add(s.span());
    }
    if (spans.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    Throwable dead = health.fatal;
    if (!health.accepting || dead != null) {
      metrics.refused.labelValues("closed").inc();
      return CompletableFuture.failedFuture(
          new StoreClosedException(dead != null ? "span store failed: " + dead : "span store is closed", dead));
    }
    WriteHealth.Fault fault = health.refusingFault();
    if (fault != null) {
      metrics.refused.labelValues("unavailable").inc();
      return CompletableFuture.failedFuture(new StoreClosedException(fault.describe(), fault.cause()));
    }
    int n = spans.size();
    // Reserve before encoding: a full queue costs the caller nothing but this estimate.
    long bytes;
    try {
      bytes = BatchSizes.estimate(spans);
    } catch (VirtualMachineError e) {
      health.fatal(e, "sizing a batch");
      throw e;
    }
    String full = queue.reserve(n, bytes);
    if (full != null) {
      metrics.refused.labelValues("overloaded").inc();
      return CompletableFuture.failedFuture(new StoreOverloadedException(full, OVERLOADED_RETRY_SECONDS));
    }
    PendingBatch batch;
    try {
      // The caller's thread writes the log record (the batch's resource groups, straight from the
      // model); each span's stored form is encoded later, by the thread that indexes it.
      long received = nowNanos();
      LlmCall[] calls = new LlmCall[n];
      int skewed = 0;
      for (int i = 0; i < n; i++) {
        Span span = spans.get(i);
        calls[i] = ingested.get(i).call();
        if (partitions.skewed(span.startEpochNanos(), received)) {
          skewed++;
        }
      }
      byte[] record = IngestLog.record(RECORD_ENCODERS.get(), tenant, spans);
      batch = new PendingBatch(tenant, spans, calls, record, received, skewed, bytes);
    } catch (VirtualMachineError e) {
      queue.unreserve(n, bytes);
      health.fatal(e, "encoding a batch");
      throw e;
    } catch (RuntimeException e) {
      queue.unreserve(n, bytes);
      return CompletableFuture.failedFuture(e);
    }
    log.submit(batch);
    return batch.done;
  }

  // --- reads --------------------------------------------------------------------------------------

  @Override
  public List<Span> getTrace(String tenant, TraceId traceId, long fromEpochNanos, long toEpochNanos) {
    checkOpen(tenant);
    requireNonNull(traceId, "traceId");
    return loader.getTrace(tenant, traceId, fromEpochNanos, toEpochNanos);
  }

  @Override
  public List<TraceMatch> search(String tenant, TraceSearch search) {
    checkOpen(tenant);
    requireNonNull(search, "search");
    return cancellable(() -> searcher.search(tenant, search));
  }

  @Override
  public TagNames tagNames(String tenant, long fromEpochNanos, long toEpochNanos, int limit) {
    checkOpen(tenant);
    return cancellable(() -> tags.tagNames(tenant, fromEpochNanos, toEpochNanos, limit));
  }

  @Override
  public List<TagValue> tagValues(String tenant, FieldRef field, long fromEpochNanos, long toEpochNanos, int limit) {
    checkOpen(tenant);
    return cancellable(() -> tags.tagValues(tenant, field, fromEpochNanos, toEpochNanos, limit));
  }

  @Override
  public CallTable llmCalls(String tenant, CallFilter filter) {
    return llmCalls(tenant, filter, Integer.MAX_VALUE);
  }

  @Override
  public CallTable llmCalls(String tenant, CallFilter filter, int maxCalls) {
    checkOpen(tenant);
    requireNonNull(filter, "filter");
    return calls.llmCalls(tenant, filter, maxCalls);
  }

  @Override
  public MetricsAnswer metrics(String tenant, MetricsQuery metricsQuery) {
    checkOpen(tenant);
    requireNonNull(metricsQuery, "metricsQuery");
    return cancellable(() -> searcher.metrics(tenant, metricsQuery));
  }

  @Override
  public Map<TraceId, TraceOutcome> outcomes(String tenant, long fromEpochNanos, long toEpochNanos) {
    checkOpen(tenant);
    return calls.outcomes(tenant, fromEpochNanos, toEpochNanos);
  }

  /** The rollup of one trace of the default tenant, or {@code null} when no span of it is stored. */
  public TraceSummary traceSummary(TraceId traceId) {
    return ranking.traceSummary(Tenants.DEFAULT, traceId);
  }

  /** The rollup of a default-tenant trace recomputed from its spans now (tests compare it with the kept one). */
  TraceSummary recomputedSummary(TraceId traceId) {
    TraceRollups.Accumulator acc = new TraceRollups.Accumulator(traceId);
    try (StoreSnapshot all = partitions.snapshot(0, 0)) {
      for (int i = 0; i < all.searchers.size(); i++) {
        TraceRollups.collect(all.searchers.get(i), all.parts.get(i), acc, Tenants.DEFAULT);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return acc.isEmpty() ? null : acc.toSummary();
  }

  /**
   * Runs a read under the thread's {@link QueryCancellation}: when its request is cancelled or
   * times out, the read stops at its next check (the readers of a {@link StoreSnapshot} check on
   * every term, point and doc-values step; collectors and the catch-all path check too) with
   * {@link QueryCancelledException}.
   */
  private <T> T cancellable(Supplier<T> read) {
    try {
      return read.get();
    } catch (ExitableDirectoryReader.ExitingReaderException e) {
      metrics.queriesCancelled.inc();
      String reason = QueryCancellation.current().reason();
      throw new QueryCancelledException("query cancelled: " + (reason != null ? reason : e.getMessage()));
    } catch (QueryCancelledException e) {
      metrics.queriesCancelled.inc();
      throw e;
    }
  }

  /** Reads of a closed store are refused, as the contract asks, rather than answered empty. */
  private void checkOpen(String tenant) {
    Tenants.check(tenant);
    if (closed) {
      throw new StoreClosedException("span store is closed", null);
    }
  }

  // --- state --------------------------------------------------------------------------------------

  @Override
  public boolean isReady() {
    return health.ready;
  }

  /** Spans accepted and not yet indexed. */
  long queuedSpans() {
    return queue.spans();
  }

  /** Estimated bytes held by the batches accepted and not yet indexed. */
  long queuedBytes() {
    return queue.bytes();
  }

  /** Whether writes are accepted now (false while a failed write is retried). */
  boolean writableNow() {
    return health.writable();
  }

  /** Every field name of every open partition's writer (tests bound it). */
  Set<String> fieldNames() {
    return partitions.fieldNames();
  }

  /** The open partitions (tests look inside them). */
  java.util.Collection<Partition> partitionsForTest() {
    return partitions.all();
  }

  /** Bytes of index files on disk across partitions (measured now). */
  public long sizeOnDisk() {
    return partitions.sizeOnDisk();
  }

  /** Names of the open partitions' directories, oldest first. */
  public List<String> partitionNames() {
    return partitions.names();
  }

  private long nowNanos() {
    Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Override
  public void close() {
    closed = true;
    if (!health.accepting && indexer.isStopped() && partitions.isEmpty()) {
      return;
    }
    health.ready = false;
    health.accepting = false;
    try {
      log.awaitStopped();
      indexer.awaitStopped();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    partitions.close();
    try {
      wal.close();
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(LuceneSpanStore.class).error("closing write-ahead log: {}", e.toString());
    }
  }
}
