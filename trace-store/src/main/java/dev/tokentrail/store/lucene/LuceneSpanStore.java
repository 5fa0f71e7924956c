package dev.tokentrail.store.lucene;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tokentrail.model.Ids;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.OtlpSpans;
import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.analysis.OutcomeAnalysis;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.StoreOverloadedException;
import dev.tokentrail.store.TagNames;
import dev.tokentrail.store.TagValue;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSummary;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.SortedNumericSortField;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded span store: a write-ahead log for durability, time-partitioned Lucene indices for
 * search, trace rollups for trace-level filters.
 *
 * <p>Two threads own every mutation. The log thread appends queued batches to the write-ahead log,
 * fsyncs each group and acknowledges it: an acknowledgement never waits for indexing. The writer
 * thread then indexes the acknowledged batches, recomputes rollups, refreshes, commits and applies
 * retention. Readers use near-real-time searchers refreshed every {@code refreshInterval}.
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
  private static final Logger LOG = LoggerFactory.getLogger(LuceneSpanStore.class);
  private static final String WAL_DIR = "wal";
  private static final String INDEX_DIR = "index";
  private static final String CHECKPOINT = "checkpoint";
  private static final int MAX_SPANS_PER_CYCLE = 20_000;
  /** Rollups are recomputed (in a refresh) once this many traces are waiting, also during replay. */
  private static final int MAX_DIRTY_TRACES = 50_000;
  private static final int OVERLOADED_RETRY_SECONDS = 1;

  private final Path dataDir;
  private final Path indexRoot;
  private final long partitionNanos;
  private final long retentionNanos;
  private final long maxFutureSkewNanos;
  private final long refreshIntervalNanos;
  private final long commitIntervalNanos;
  private final long retentionCheckNanos;
  private final int maxQueuedSpans;
  private final long maxQueuedBytes;
  private final double ramBufferMb;
  private final long minBackoffNanos;
  private final long maxBackoffNanos;
  private final Clock clock;
  private final int maxIndexedFields;
  private final int regexWorkLimit;
  /** Attribute field budgets by partition start; created before the partition when a batch is built. */
  private final java.util.concurrent.ConcurrentHashMap<Long, FieldBudget> fieldBudgets = new java.util.concurrent.ConcurrentHashMap<>();
  private final UnaryOperator<org.apache.lucene.store.Directory> directoryWrapper;
  private final Consumer<Throwable> onFatalError;
  private final WriteHooks hooks;

  private final WriteAheadLog wal;
  private final ConcurrentSkipListMap<Long, Partition> partitions = new ConcurrentSkipListMap<>();
  /** Accepted, waiting for the log thread. */
  private final BlockingQueue<PendingBatch> appendQueue = new LinkedBlockingQueue<>();
  /** Durable and acknowledged, waiting for the writer thread. */
  private final BlockingQueue<PendingBatch> indexQueue = new LinkedBlockingQueue<>();
  /** Spans and estimated bytes of the batches accepted and not yet indexed (or refused later). */
  private final AtomicLong queuedSpans = new AtomicLong();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final Thread logThread;
  private final Thread writerThread;
  private final CountDownLatch logStopped = new CountDownLatch(1);
  private final CountDownLatch writerStopped = new CountDownLatch(1);
  private volatile boolean logDone;
  /** Set before the log thread's last drain of the append queue. */
  private volatile boolean logDraining;
  private volatile boolean accepting;
  private volatile boolean ready;
  /** A VirtualMachineError: the store refuses writes for good. */
  private volatile Throwable fatal;
  /** A failing write-ahead log or index: writes are refused until {@link Fault#retryAtNanos}. */
  private volatile Fault logFault;
  private volatile Fault indexFault;
  /** Log position after the last batch the writer indexed (writer thread only). */
  private WriteAheadLog.Position indexedThrough;
  /** Log position after the last batch the writer took from its queue (writer thread only). */
  private WriteAheadLog.Position takenThrough;
  /** Where the failed group started: the log repair truncates back to it (log thread only). */
  private WriteAheadLog.Position failedGroupMark;
  private final Set<String> dirtyTraces = new LinkedHashSet<>();
  /** The batches the writer took in its current cycle (writer thread only). */
  private final List<PendingBatch> cycle = new ArrayList<>();
  private final AtomicLong lastDiskSize = new AtomicLong();

  private final Histogram writeLatency;
  private final Counter spansStored;
  private final Counter clockSkewed;
  private final Counter indexErrors;
  private final Counter overflowValues;
  private final Counter queriesCancelled;
  private final Counter writeFailures;
  private final Counter refused;

  /** A failing stage: its cause, consecutive failures and when to try again. */
  private record Fault(String stage, Throwable cause, int failures, long sinceNanos, long retryAtNanos) {
    String describe() {
      return "span store cannot write (" + stage + ": " + cause + "); retrying";
    }
  }

  /** Test seams on the writer thread. */
  interface WriteHooks {
    WriteHooks NONE = new WriteHooks() {};

    /** Before the writer indexes an acknowledged batch. */
    default void beforeIndex(List<Span> spans) {}

    /** After the writer indexed it (rollups follow at the next refresh). */
    default void afterIndex(List<Span> spans) {}
  }

  /** A batch accepted for writing, encoded and turned into documents on the caller's thread. */
  private static final class PendingBatch {
    final List<Span> spans;
    byte[] payload;
    Document[] documents;
    final long receivedNanos;
    final long payloadBytes;
    final long bytes;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    /** Log position after this batch's record; set by the log thread. */
    WriteAheadLog.Position end;
    private final AtomicBoolean released = new AtomicBoolean();

    PendingBatch(List<Span> spans, byte[] payload, Document[] documents, long receivedNanos, long bytes) {
      this.spans = spans;
      this.payload = payload;
      this.documents = documents;
      this.receivedNanos = receivedNanos;
      this.payloadBytes = Math.min(bytes, payload.length);
      this.bytes = bytes;
    }
  }

  private LuceneSpanStore(Builder b) throws IOException {
    this.dataDir = b.dataDir;
    this.indexRoot = dataDir.resolve(INDEX_DIR);
    this.partitionNanos = b.partitionDuration.toNanos();
    this.retentionNanos = b.retention.toNanos();
    this.maxFutureSkewNanos = b.maxFutureSkew.toNanos();
    this.refreshIntervalNanos = b.refreshInterval.toNanos();
    this.commitIntervalNanos = b.commitInterval.toNanos();
    this.retentionCheckNanos = b.retentionCheckInterval.toNanos();
    this.maxQueuedSpans = b.maxQueuedSpans;
    this.maxQueuedBytes = b.maxQueuedBytes;
    this.ramBufferMb = b.ramBufferMb;
    this.minBackoffNanos = b.minRetryBackoff.toNanos();
    this.maxBackoffNanos = Math.max(minBackoffNanos, b.maxRetryBackoff.toNanos());
    this.clock = b.clock;
    this.maxIndexedFields = b.maxIndexedFields;
    this.regexWorkLimit = b.regexWorkLimit;
    this.directoryWrapper = b.directoryWrapper;
    this.onFatalError = b.onFatalError;
    this.hooks = b.hooks;
    Files.createDirectories(indexRoot);
    this.wal = WriteAheadLog.open(dataDir.resolve(WAL_DIR), b.walSegmentBytes, b.channelOpener);

    PrometheusRegistry registry = b.registry;
    writeLatency =
        Histogram.builder()
            .name("tokentrail_store_write_seconds")
            .help("Time to make a group of batches durable: log append and fsync, from the log thread's view")
            .register(registry);
    spansStored =
        Counter.builder()
            .name("tokentrail_store_spans_written_total")
            .help("Spans written to the store (re-sent duplicates included; they replace)")
            .register(registry);
    clockSkewed =
        Counter.builder()
            .name("tokentrail_store_clock_skew_spans_total")
            .help("Spans whose start time was outside the retention window or too far in the future, partitioned by receive time")
            .register(registry);
    indexErrors =
        Counter.builder()
            .name("tokentrail_store_index_errors_total")
            .help("Spans acknowledged but refused by the index (see the log for each)")
            .register(registry);
    overflowValues =
        Counter.builder()
            .name("tokentrail_store_overflow_attribute_values_total")
            .help("Attribute values indexed through the catch-all fields because their partition's attribute field budget (store.max_indexed_fields) was spent; still stored and searchable, more slowly")
            .register(registry);
    queriesCancelled =
        Counter.builder()
            .name("tokentrail_store_queries_cancelled_total")
            .help("Reads stopped because their request was cancelled or timed out")
            .register(registry);
    GaugeWithCallback.builder()
        .name("tokentrail_store_indexed_attribute_fields")
        .help("Attribute fields indexed as their own Lucene fields, per partition (at most store.max_indexed_fields plus the server's own)")
        .labelNames("partition")
        .callback(cb -> fieldBudgets.forEach((start, budget) -> cb.call(budget.indexedFields(), Partition.directoryName(start, partitionNanos))))
        .register(registry);
    GaugeWithCallback.builder()
        .name("tokentrail_store_partition_overflow_attribute_values")
        .help("Attribute values this process indexed through the catch-all fields, per partition")
        .labelNames("partition")
        .callback(cb -> fieldBudgets.forEach((start, budget) -> cb.call(budget.overflowValues(), Partition.directoryName(start, partitionNanos))))
        .register(registry);
    writeFailures =
        Counter.builder()
            .name("tokentrail_store_write_failures_total")
            .help("Failed writes (stage: log = append/fsync, index = indexing/refresh/commit, recovery = a retry that failed again); the store retries with backoff")
            .labelNames("stage")
            .register(registry);
    refused =
        Counter.builder()
            .name("tokentrail_store_refused_batches_total")
            .help("Batches refused by accept (reason: overloaded = queue full, 429; unavailable = a write failure being retried, 503; closed = shut down or failed for good)")
            .labelNames("reason")
            .register(registry);
    GaugeWithCallback.builder()
        .name("tokentrail_store_queue_spans")
        .help("Spans accepted and not yet indexed (held in memory)")
        .callback(cb -> cb.call(queuedSpans.get()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("tokentrail_store_queue_bytes")
        .help("Estimated heap held by the batches accepted and not yet indexed")
        .callback(cb -> cb.call(queuedBytes.get()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("tokentrail_store_queue_limit_bytes")
        .help("store.max_queued_bytes: past it exports are told to retry")
        .callback(cb -> cb.call(maxQueuedBytes))
        .register(registry);
    GaugeWithCallback.builder()
        .name("tokentrail_store_writable")
        .help("1 when the store accepts writes; 0 while a write failure is retried, or when closed or failed")
        .callback(cb -> cb.call(writable() ? 1 : 0))
        .register(registry);
    GaugeWithCallback.builder()
        .name("tokentrail_store_partitions")
        .help("Open time partitions")
        .callback(cb -> cb.call(partitions.size()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("tokentrail_store_size_bytes")
        .help("Bytes of index files on disk (refreshed at each commit)")
        .callback(cb -> cb.call(lastDiskSize.get()))
        .register(registry);

    openExistingPartitions();
    recover();
    this.indexedThrough = wal.position();
    this.takenThrough = indexedThrough;
    this.logThread = new Thread(this::logLoop, "tokentrail-store-log");
    this.logThread.setDaemon(false);
    this.writerThread = new Thread(this::writeLoop, "tokentrail-store-writer");
    this.writerThread.setDaemon(false);
    this.accepting = true;
    this.ready = true;
    this.logThread.start();
    this.writerThread.start();
  }

  public static Builder builder(Path dataDir) {
    return new Builder(requireNonNull(dataDir, "dataDir"));
  }

  /**
   * The default {@code maxQueuedBytes} for a heap of {@code maxHeapBytes}: an eighth of it,
   * between 16 MiB and 1 GiB.
   */
  public static long defaultMaxQueuedBytes(long maxHeapBytes) {
    return Math.max(16L << 20, Math.min(1L << 30, maxHeapBytes / 8));
  }

  /** Configures a {@link LuceneSpanStore}; defaults suit a single server. */
  public static final class Builder {
    private final Path dataDir;
    private Duration partitionDuration = Duration.ofDays(1);
    private Duration retention = Duration.ofDays(14);
    private Duration maxFutureSkew = Duration.ofHours(1);
    private Duration refreshInterval = Duration.ofMillis(250);
    private Duration commitInterval = Duration.ofSeconds(10);
    private Duration retentionCheckInterval = Duration.ofMinutes(1);
    private Duration minRetryBackoff = Duration.ofMillis(250);
    private Duration maxRetryBackoff = Duration.ofSeconds(10);
    private int maxQueuedSpans = 200_000;
    private long maxQueuedBytes = defaultMaxQueuedBytes(Runtime.getRuntime().maxMemory());
    private long walSegmentBytes = 64L * 1024 * 1024;
    private double ramBufferMb = 64;
    private int maxIndexedFields = 10_000;
    private int regexWorkLimit = org.apache.lucene.util.automaton.Operations.DEFAULT_DETERMINIZE_WORK_LIMIT;
    private Clock clock = Clock.systemUTC();
    private PrometheusRegistry registry = new PrometheusRegistry();
    private Consumer<Throwable> onFatalError = t -> {};
    private WriteAheadLog.ChannelOpener channelOpener = WriteAheadLog.ChannelOpener.DEFAULT;
    private UnaryOperator<org.apache.lucene.store.Directory> directoryWrapper = UnaryOperator.identity();
    private WriteHooks hooks = WriteHooks.NONE;

    private Builder(Path dataDir) {
      this.dataDir = dataDir;
    }

    public Builder partitionDuration(Duration d) {
      requirePositive(d, "partitionDuration");
      if (d.toSeconds() < 60 || d.toNanos() % 1_000_000_000L != 0) {
        throw new IllegalArgumentException("partitionDuration: " + d + " (expected: whole seconds, >= 1m)");
      }
      this.partitionDuration = d;
      return this;
    }

    public Builder retention(Duration d) {
      this.retention = requirePositive(d, "retention");
      return this;
    }

    public Builder maxFutureSkew(Duration d) {
      this.maxFutureSkew = requirePositive(d, "maxFutureSkew");
      return this;
    }

    public Builder refreshInterval(Duration d) {
      this.refreshInterval = requirePositive(d, "refreshInterval");
      return this;
    }

    public Builder commitInterval(Duration d) {
      this.commitInterval = requirePositive(d, "commitInterval");
      return this;
    }

    public Builder retentionCheckInterval(Duration d) {
      this.retentionCheckInterval = requirePositive(d, "retentionCheckInterval");
      return this;
    }

    public Builder maxQueuedSpans(int n) {
      if (n <= 0) {
        throw new IllegalArgumentException("maxQueuedSpans: " + n + " (expected: > 0)");
      }
      this.maxQueuedSpans = n;
      return this;
    }

    /**
     * Estimated heap the batches accepted and not yet indexed may hold (decoded spans, documents,
     * log records); past it {@link #accept} refuses with {@link StoreOverloadedException}. One
     * batch is always taken into an empty queue, whatever its size.
     */
    public Builder maxQueuedBytes(long n) {
      if (n <= 0) {
        throw new IllegalArgumentException("maxQueuedBytes: " + n + " (expected: > 0)");
      }
      this.maxQueuedBytes = n;
      return this;
    }

    /** First and longest wait before a failed write is retried (doubling in between). */
    public Builder retryBackoff(Duration min, Duration max) {
      this.minRetryBackoff = requirePositive(min, "retryBackoff.min");
      this.maxRetryBackoff = requirePositive(max, "retryBackoff.max");
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException("retryBackoff.max: " + max + " (expected: >= min " + min + ")");
      }
      return this;
    }

    /**
     * Called once, on the thread that caught it, with a {@link VirtualMachineError}
     * (OutOfMemoryError...) thrown while writing. The store has stopped writing by then; the server
     * halts the process so that a supervisor restarts it. The default only logs.
     */
    public Builder onFatalError(Consumer<Throwable> handler) {
      this.onFatalError = requireNonNull(handler, "onFatalError");
      return this;
    }

    public Builder walSegmentBytes(long n) {
      if (n < 1024) {
        throw new IllegalArgumentException("walSegmentBytes: " + n + " (expected: >= 1024)");
      }
      this.walSegmentBytes = n;
      return this;
    }

    public Builder ramBufferMb(double mb) {
      if (mb <= 0) {
        throw new IllegalArgumentException("ramBufferMb: " + mb + " (expected: > 0)");
      }
      this.ramBufferMb = mb;
      return this;
    }

    /**
     * Attribute fields ({@code a.KEY}, {@code an.KEY}, {@code r.KEY}, {@code rn.KEY}) one partition
     * indexes as their own Lucene fields; later keys go to the catch-all fields.
     */
    public Builder maxIndexedFields(int n) {
      if (n <= 0) {
        throw new IllegalArgumentException("maxIndexedFields: " + n + " (expected: > 0)");
      }
      this.maxIndexedFields = n;
      return this;
    }

    /** Lucene's determinize work limit for TraceQL regexes; more complex patterns are refused. */
    public Builder regexWorkLimit(int n) {
      if (n <= 0) {
        throw new IllegalArgumentException("regexWorkLimit: " + n + " (expected: > 0)");
      }
      this.regexWorkLimit = n;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    public Builder registry(PrometheusRegistry registry) {
      this.registry = requireNonNull(registry, "registry");
      return this;
    }

    Builder channelOpener(WriteAheadLog.ChannelOpener opener) {
      this.channelOpener = requireNonNull(opener, "channelOpener");
      return this;
    }

    Builder directoryWrapper(UnaryOperator<org.apache.lucene.store.Directory> wrapper) {
      this.directoryWrapper = requireNonNull(wrapper, "directoryWrapper");
      return this;
    }

    Builder hooks(WriteHooks hooks) {
      this.hooks = requireNonNull(hooks, "hooks");
      return this;
    }

    /** Opens the store, replaying the write-ahead log left by an earlier run. */
    public LuceneSpanStore open() {
      try {
        return new LuceneSpanStore(this);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open span store in " + dataDir + ": " + e.getMessage(), e);
      }
    }

    private static Duration requirePositive(Duration d, String name) {
      requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
      }
      return d;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  @Override
  public CompletableFuture<Void> accept(String tenant, List<IngestedSpan> ingested) {
    requireNonNull(ingested, "spans");
    checkTenant(tenant);
    List<Span> spans = new ArrayList<>(ingested.size());
    for (IngestedSpan s : ingested) {
      spans.add(s.span());
    }
    if (spans.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    Throwable dead = fatal;
    if (!accepting || dead != null) {
      refused.labelValues("closed").inc();
      return CompletableFuture.failedFuture(
          new StoreClosedException(dead != null ? "span store failed: " + dead : "span store is closed", dead));
    }
    Fault fault = refusingFault();
    if (fault != null) {
      refused.labelValues("unavailable").inc();
      return CompletableFuture.failedFuture(new StoreClosedException(fault.describe(), fault.cause()));
    }
    int n = spans.size();
    // Reserve before encoding: a full queue costs the caller nothing but this estimate.
    long bytes;
    try {
      bytes = BatchSizes.estimate(spans);
    } catch (VirtualMachineError e) {
      fatal(e, "sizing a batch");
      throw e;
    }
    long queued = queuedSpans.addAndGet(n);
    long queuedNow = queuedBytes.addAndGet(bytes);
    // One batch larger than a whole limit is still taken when nothing else is queued.
    if ((queued > maxQueuedSpans || queuedNow > maxQueuedBytes) && queued != n) {
      queuedSpans.addAndGet(-n);
      queuedBytes.addAndGet(-bytes);
      refused.labelValues("overloaded").inc();
      return CompletableFuture.failedFuture(
          new StoreOverloadedException(
              "span store write queue is full (" + (queued - n) + " spans, " + (queuedNow - bytes)
                  + " bytes queued; limits " + maxQueuedSpans + " spans, " + maxQueuedBytes + " bytes); retry later",
              OVERLOADED_RETRY_SECONDS));
    }
    PendingBatch batch;
    try {
      // Encoding and document building happen on the caller's thread, so the log thread only
      // appends and syncs. Each span is encoded once: its bytes are both the stored blob and its
      // entry in the log record (a TracesData of one ResourceSpans per span).
      long received = nowNanos();
      Document[] documents = new Document[n];
      byte[][] blobs = new byte[n][];
      for (int i = 0; i < n; i++) {
        Span span = spans.get(i);
        blobs[i] = SpanDocuments.encode(span);
        documents[i] = SpanDocuments.toDocument(span, blobs[i], fieldBudget(span, received));
      }
      batch = new PendingBatch(spans, logRecord(blobs), documents, received, bytes);
    } catch (VirtualMachineError e) {
      queuedSpans.addAndGet(-n);
      queuedBytes.addAndGet(-bytes);
      fatal(e, "encoding a batch");
      throw e;
    } catch (RuntimeException e) {
      queuedSpans.addAndGet(-n);
      queuedBytes.addAndGet(-bytes);
      return CompletableFuture.failedFuture(e);
    }
    appendQueue.add(batch);
    // The log thread may have drained its queue for the last time (close, a fatal error) between
    // the check above and the add: then nobody would answer this batch.
    if (logDraining && appendQueue.remove(batch)) {
      refuse(batch, new StoreClosedException("span store is closed", fatal));
    }
    return batch.done;
  }

  /** The fault that refuses writes now; null once its retry time came (the next batch probes). */
  private Fault refusingFault() {
    long now = System.nanoTime();
    Fault f = logFault;
    if (f != null && now - f.retryAtNanos() < 0) {
      return f;
    }
    f = indexFault;
    return f;
  }

  private boolean writable() {
    return accepting && fatal == null && logFault == null && indexFault == null;
  }

  private void release(PendingBatch batch) {
    if (batch.released.compareAndSet(false, true)) {
      queuedSpans.addAndGet(-batch.spans.size());
      queuedBytes.addAndGet(-(batch.bytes - (batch.payload == null ? batch.payloadBytes : 0)));
      batch.payload = null;
      batch.documents = null;
    }
  }

  private void refuse(PendingBatch batch, Throwable error) {
    release(batch);
    batch.done.completeExceptionally(error);
  }

  private long backoffNanos(int failures) {
    long wait = minBackoffNanos;
    for (int i = 1; i < failures && wait < maxBackoffNanos; i++) {
      wait *= 2;
    }
    return Math.min(wait, maxBackoffNanos);
  }

  private Fault nextFault(Fault previous, String stage, Throwable cause) {
    int failures = previous == null ? 1 : previous.failures() + 1;
    long now = System.nanoTime();
    return new Fault(stage, cause, failures, previous == null ? now : previous.sinceNanos(), now + backoffNanos(failures));
  }

  // --- the log thread: append, fsync, acknowledge ------------------------------------------------

  private void logLoop() {
    List<PendingBatch> group = new ArrayList<>();
    try {
      while (fatal == null) {
        PendingBatch first = appendQueue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (!accepting && appendQueue.isEmpty()) {
            break;
          }
          continue;
        }
        group.add(first);
        int spans = first.spans.size();
        PendingBatch more;
        while (spans < MAX_SPANS_PER_CYCLE && (more = appendQueue.poll()) != null) {
          group.add(more);
          spans += more.spans.size();
        }
        appendGroup(group);
        group.clear();
      }
    } catch (VirtualMachineError e) {
      fatal(e, "appending to the write-ahead log");
    } catch (Throwable t) {
      // Not expected (appendGroup handles I/O failures); stop for good rather than spin.
      fatal(t, "the write-ahead log thread");
    } finally {
      logDraining = true;
      StoreClosedException closed = new StoreClosedException("span store is closed", fatal);
      for (PendingBatch b : group) {
        refuse(b, closed);
      }
      PendingBatch b;
      while ((b = appendQueue.poll()) != null) {
        refuse(b, closed);
      }
      logDone = true;
      logStopped.countDown();
    }
  }

  private void appendGroup(List<PendingBatch> group) {
    Fault fault = logFault;
    if (fault != null && !repairLog(fault)) {
      StoreClosedException error = new StoreClosedException(logFault.describe(), logFault.cause());
      for (PendingBatch b : group) {
        refuse(b, error);
      }
      return;
    }
    WriteAheadLog.Position mark = wal.position();
    long start = System.nanoTime();
    try {
      for (PendingBatch batch : group) {
        wal.append(batch.receivedNanos, batch.payload);
        batch.end = wal.position();
      }
      wal.sync();
    } catch (IOException | RuntimeException e) {
      // Nothing of the group was acknowledged: undo it and refuse writes until the log works.
      writeFailures.labelValues("log").inc();
      Fault next = nextFault(logFault, "write-ahead log", e);
      logFault = next;
      if (next.failures() == 1) {
        LOG.error("write-ahead log append failed: {}; refusing writes (503) and retrying with backoff. Acknowledged spans are safe.", e.toString());
      } else {
        LOG.warn("write-ahead log still failing (attempt {}): {}", next.failures(), e.toString());
      }
      failedGroupMark = mark;
      try {
        wal.truncateTo(mark);
      } catch (IOException | RuntimeException repair) {
        LOG.debug("write-ahead log: undoing the failed group failed too ({}); retrying later", repair.toString());
      }
      StoreClosedException error = new StoreClosedException(next.describe(), e);
      for (PendingBatch b : group) {
        refuse(b, error);
      }
      PendingBatch b;
      while ((b = appendQueue.poll()) != null) {
        refuse(b, error);
      }
      return;
    }
    writeLatency.observe((System.nanoTime() - start) / 1e9);
    if (logFault != null) {
      Fault recovered = logFault;
      logFault = null;
      LOG.info("write-ahead log writable again after {} failed attempt(s) in {} ms", recovered.failures(),
          (System.nanoTime() - recovered.sinceNanos()) / 1_000_000);
    }
    for (PendingBatch batch : group) {
      // The record is durable: its bytes are no longer held.
      queuedBytes.addAndGet(-batch.payloadBytes);
      batch.payload = null;
      indexQueue.add(batch);
      batch.done.complete(null);
    }
  }

  /** Undoes what a failed group left once the backoff passed; false while the cause lasts. */
  private boolean repairLog(Fault fault) {
    if (System.nanoTime() - fault.retryAtNanos() < 0) {
      return false;
    }
    try {
      wal.truncateTo(failedGroupMark != null ? failedGroupMark : wal.position());
      failedGroupMark = null;
      return true;
    } catch (IOException | RuntimeException e) {
      writeFailures.labelValues("recovery").inc();
      logFault = nextFault(fault, "write-ahead log", e);
      return false;
    }
  }

  /** Concatenated {@code resource_spans} fields: a valid {@code TracesData}. */
  private static byte[] logRecord(byte[][] blobs) {
    int size = 0;
    for (byte[] blob : blobs) {
      size += 1 + com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag(blob.length) + blob.length;
    }
    byte[] out = new byte[size];
    com.google.protobuf.CodedOutputStream coded = com.google.protobuf.CodedOutputStream.newInstance(out);
    try {
      for (byte[] blob : blobs) {
        coded.writeByteArray(1, blob);
      }
      coded.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  // --- the writer thread: index, rollups, refresh, commit, retention ------------------------------

  private void writeLoop() {
    long nextRefresh = System.nanoTime() + refreshIntervalNanos;
    long nextCommit = System.nanoTime() + commitIntervalNanos;
    long nextRetention = System.nanoTime();
    boolean clean = false;
    try {
      while (fatal == null) {
        if (indexFault != null) {
          if (!accepting && logDone) {
            LOG.warn("closing while the index cannot be written ({}); the next start replays the write-ahead log", indexFault.cause().toString());
            break;
          }
          retryIndex();
          continue;
        }
        cycle.clear();
        try {
          PendingBatch batch = indexQueue.poll(Math.max(1, (nextRefresh - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
          int spans = 0;
          while (batch != null) {
            cycle.add(batch);
            takenThrough = batch.end;
            indexBatch(batch);
            spans += batch.spans.size();
            batch = spans < MAX_SPANS_PER_CYCLE ? indexQueue.poll() : null;
          }
          long now = System.nanoTime();
          if (now >= nextRefresh || dirtyTraces.size() >= MAX_DIRTY_TRACES) {
            refreshAndRollup();
            nextRefresh = System.nanoTime() + refreshIntervalNanos;
          }
          if (now >= nextCommit) {
            commit();
            nextCommit = System.nanoTime() + commitIntervalNanos;
          }
          if (now >= nextRetention) {
            applyRetention();
            nextRetention = System.nanoTime() + retentionCheckNanos;
          }
          if (!accepting && logDone && indexQueue.isEmpty()) {
            refreshAndRollup();
            commit();
            clean = true;
            break;
          }
        } catch (IOException | RuntimeException e) {
          // The batches of this cycle are in the log; the retry replays them from there.
          for (PendingBatch b : cycle) {
            release(b);
          }
          writeFailures.labelValues("index").inc();
          indexFault = nextFault(null, "index", e);
          LOG.error("index write failed: {}; refusing writes (503) and retrying with backoff. Acknowledged spans are safe in the write-ahead log.", e.toString(), e);
        }
      }
    } catch (VirtualMachineError e) {
      fatal(e, "indexing");
    } catch (Throwable t) {
      fatal(t, "the index writer thread");
    } finally {
      if (!clean) {
        for (PendingBatch b : cycle) {
          release(b);
        }
        PendingBatch b;
        while ((b = indexQueue.poll()) != null) {
          release(b);
        }
      }
      writerStopped.countDown();
    }
  }

  private void indexBatch(PendingBatch batch) throws IOException {
    hooks.beforeIndex(batch.spans);
    index(batch.spans, batch.documents, batch.receivedNanos);
    indexedThrough = batch.end;
    release(batch);
    hooks.afterIndex(batch.spans);
  }

  /**
   * After an index failure: waits out the backoff, then reopens every partition from its last
   * commit and replays the log from the checkpoint through the last acknowledged batch, one
   * record at a time (the pending batches' prebuilt documents are dropped: the log has them).
   * A commit at the end proves the disk takes writes again.
   */
  private void retryIndex() throws InterruptedException {
    Fault fault = indexFault;
    long wait = fault.retryAtNanos() - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(100)));
      return;
    }
    try {
      List<PendingBatch> taken = new ArrayList<>();
      indexQueue.drainTo(taken);
      if (!taken.isEmpty()) {
        takenThrough = taken.get(taken.size() - 1).end;
      }
      WriteAheadLog.Position upTo = takenThrough;
      for (PendingBatch b : taken) {
        release(b);
      }
      for (Partition p : new ArrayList<>(partitions.values())) {
        try {
          p.close();
        } catch (IOException | RuntimeException e) {
          LOG.debug("closing partition {} after a failure: {}", p.path, e.toString());
        }
        partitions.remove(p.startNanos);
      }
      openExistingPartitions();
      WriteAheadLog.Position from = WriteAheadLog.readCheckpoint(dataDir.resolve(WAL_DIR).resolve(CHECKPOINT));
      long[] spans = new long[1];
      long records = wal.replay(from, upTo, (received, payload) -> spans[0] += replayRecord(received, payload));
      indexedThrough = upTo;
      refreshAndRollup();
      for (Partition p : partitions.values()) {
        p.needsCommit = true;
      }
      commit();
      indexFault = null;
      LOG.info("index writable again after {} failed attempt(s) in {} ms; replayed {} spans from {} log records",
          fault.failures(), (System.nanoTime() - fault.sinceNanos()) / 1_000_000, spans[0], records);
    } catch (IOException | RuntimeException e) {
      writeFailures.labelValues("recovery").inc();
      indexFault = nextFault(fault, "index", e);
      LOG.warn("index still failing (attempt {}): {}; next try in {} ms", indexFault.failures(), e.toString(),
          backoffNanos(indexFault.failures()) / 1_000_000);
    }
  }

  /** Indexes one log record; recomputes rollups when many traces wait, so replay stays bounded. */
  private int replayRecord(long received, byte[] payload) throws IOException {
    List<Span> batch = decodePayload(payload);
    index(batch, null, received);
    if (dirtyTraces.size() >= MAX_DIRTY_TRACES) {
      refreshAndRollup();
    }
    return batch.size();
  }

  private void index(List<Span> spans, Document[] documents, long receivedNanos) throws IOException {
    for (int i = 0; i < spans.size(); i++) {
      Span span = spans.get(i);
      long at = span.startEpochNanos();
      boolean skewed = at < receivedNanos - retentionNanos + partitionNanos || at > receivedNanos + maxFutureSkewNanos;
      if (skewed) {
        at = receivedNanos;
        clockSkewed.inc();
      }
      Partition partition = partitionFor(at);
      try {
        Document document = documents != null ? documents[i] : SpanDocuments.toDocument(span, SpanDocuments.encode(span), fieldBudget(partition.startNanos));
        partition.writer.updateDocument(SpanDocuments.spanKeyTerm(span), document);
        if (skewed) {
          // Partitioned by receive time, a span written again on a later day (re-sent, or rewritten
          // by a reprice) lands in another partition: remove the copy an earlier receive left.
          for (Partition other : partitions.values()) {
            if (other != partition) {
              other.writer.deleteDocuments(SpanDocuments.spanKeyTerm(span));
              other.needsRefresh = true;
              other.needsCommit = true;
            }
          }
        }
      } catch (IllegalArgumentException e) {
        // Lucene refused this one document (a limit we did not foresee); the others go on. The
        // span stays in the write-ahead log until the next commit, so the log has the evidence.
        indexErrors.inc();
        LOG.error("span {} of trace {} could not be indexed: {}", span.spanId(), span.traceId(), e.getMessage());
        continue;
      }
      partition.needsRefresh = true;
      partition.needsCommit = true;
      dirtyTraces.add(span.traceId());
    }
    spansStored.inc(spans.size());
  }

  /** The field budget of the partition {@link #index} puts the span in (the same skew rule). */
  private FieldBudget fieldBudget(Span span, long receivedNanos) {
    long at = span.startEpochNanos();
    if (at < receivedNanos - retentionNanos + partitionNanos || at > receivedNanos + maxFutureSkewNanos) {
      at = receivedNanos;
    }
    return fieldBudget(Math.floorDiv(at, partitionNanos) * partitionNanos);
  }

  private FieldBudget fieldBudget(long partitionStart) {
    FieldBudget budget = fieldBudgets.get(partitionStart);
    if (budget != null) {
      return budget;
    }
    // Budgets of partitions retention deleted go with them.
    long cutoff = nowNanos() - retentionNanos - partitionNanos;
    fieldBudgets.keySet().removeIf(start -> start < cutoff && !partitions.containsKey(start));
    return fieldBudgets.computeIfAbsent(partitionStart, start -> {
      Partition p = partitions.get(start);
      return new FieldBudget(maxIndexedFields, p == null ? List.of() : p.writer.getFieldNames(), overflowValues::inc);
    });
  }

  /** Every field name of every open partition's writer (tests bound it). */
  Set<String> fieldNames() {
    Set<String> names = new TreeSet<>();
    for (Partition p : partitions.values()) {
      names.addAll(p.writer.getFieldNames());
    }
    return names;
  }

  private Partition partitionFor(long epochNanos) throws IOException {
    long start = Math.floorDiv(epochNanos, partitionNanos) * partitionNanos;
    Partition partition = partitions.get(start);
    if (partition == null) {
      partition = Partition.open(indexRoot, start, partitionNanos, ramBufferMb, directoryWrapper);
      partitions.put(start, partition);
    }
    return partition;
  }

  private void refreshAndRollup() throws IOException {
    refreshDirty();
    if (dirtyTraces.isEmpty()) {
      return;
    }
    List<IndexSearcher> searchers = new ArrayList<>();
    List<Partition> open = new ArrayList<>(partitions.values());
    try {
      for (Partition p : open) {
        searchers.add(p.searchers.acquire());
      }
      for (String traceId : dirtyTraces) {
        TraceRollups.Accumulator acc = new TraceRollups.Accumulator(traceId);
        for (int i = 0; i < open.size(); i++) {
          TraceRollups.collect(searchers.get(i), open.get(i), acc);
        }
        if (acc.isEmpty()) {
          continue;
        }
        Term key = TraceRollups.rollupKey(traceId);
        for (Partition p : open) {
          if (p == acc.home) {
            p.writer.updateDocument(key, TraceRollups.toDocument(acc.toSummary()));
          } else {
            p.writer.deleteDocuments(key);
          }
          p.needsRefresh = true;
          p.needsCommit = true;
        }
      }
      dirtyTraces.clear();
    } finally {
      for (int i = 0; i < searchers.size(); i++) {
        open.get(i).searchers.release(searchers.get(i));
      }
    }
    refreshDirty();
  }

  private void refreshDirty() throws IOException {
    for (Partition p : partitions.values()) {
      if (p.needsRefresh) {
        p.needsRefresh = false;
        p.searchers.maybeRefreshBlocking();
      }
    }
  }

  /**
   * Commits every changed partition, then moves the log checkpoint to what the writer has
   * indexed. Rollups are brought up to date first, so a commit never lacks a rollup its spans
   * need (a replay after the checkpoint would not recompute it).
   */
  private void commit() throws IOException {
    if (!dirtyTraces.isEmpty()) {
      refreshAndRollup();
    }
    boolean any = false;
    for (Partition p : partitions.values()) {
      any |= p.needsCommit;
    }
    if (!any) {
      return;
    }
    WriteAheadLog.Position checkpoint = wal.rollForCheckpoint(indexedThrough);
    long size = 0;
    for (Partition p : partitions.values()) {
      if (p.needsCommit) {
        p.writer.commit();
        p.needsCommit = false;
      }
      size += p.sizeOnDisk();
    }
    lastDiskSize.set(size);
    WriteAheadLog.writeCheckpoint(dataDir.resolve(WAL_DIR).resolve(CHECKPOINT), checkpoint);
    wal.deleteBefore(checkpoint);
  }

  private void applyRetention() throws IOException {
    long cutoff = nowNanos() - retentionNanos;
    for (Partition p : new ArrayList<>(partitions.values())) {
      if (p.endNanos <= cutoff) {
        partitions.remove(p.startNanos);
        LOG.info("retention: deleting partition {} (ended before the {} retention window)", p.path.getFileName(), Duration.ofNanos(retentionNanos));
        p.delete();
      }
    }
  }

  /**
   * A {@link VirtualMachineError} (or an error no retry can fix): the store stops writing for
   * good, refuses what is queued, and hands the error to the fatal error handler once. Nothing is
   * committed: the acknowledged spans are in the write-ahead log, replayed by the next start.
   */
  private void fatal(Throwable t, String during) {
    boolean first;
    synchronized (this) {
      first = fatal == null;
      if (first) {
        fatal = t;
      }
    }
    accepting = false;
    ready = false;
    if (!first) {
      return;
    }
    try {
      LOG.error("fatal error while {}: {}; the span store stops writing. Acknowledged spans are in the write-ahead log and are replayed on restart.", during, t.toString());
    } catch (Throwable ignored) {
      // Logging can fail after an OutOfMemoryError; the handler still runs.
    }
    try {
      onFatalError.accept(t);
    } catch (Throwable ignored) {
      // A handler that fails leaves the store stopped, as without one.
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery

  private void openExistingPartitions() throws IOException {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(indexRoot)) {
      for (Path dir : dirs) {
        long[] bounds = Partition.parseName(dir.getFileName().toString());
        if (bounds == null) {
          LOG.warn("ignoring unexpected directory {}", dir);
          continue;
        }
        if (!partitions.containsKey(bounds[0])) {
          partitions.put(bounds[0], Partition.open(indexRoot, bounds[0], bounds[1], ramBufferMb, directoryWrapper));
        }
      }
    }
  }

  /**
   * Replays every log record after the checkpoint, one record at a time, recomputing rollups
   * whenever {@link #MAX_DIRTY_TRACES} traces wait: recovery needs no more memory than ingest.
   */
  private void recover() throws IOException {
    Path checkpointFile = dataDir.resolve(WAL_DIR).resolve(CHECKPOINT);
    WriteAheadLog.Position from = WriteAheadLog.readCheckpoint(checkpointFile);
    long[] spans = new long[1];
    long records = wal.replay(from, (received, payload) -> spans[0] += replayRecord(received, payload));
    if (records > 0) {
      LOG.info("recovered {} spans from {} write-ahead log records", spans[0], records);
      refreshAndRollup();
    }
    for (Partition p : partitions.values()) {
      p.needsCommit = true;
    }
    commit();
  }

  private static List<Span> decodePayload(byte[] payload) throws IOException {
    try {
      return OtlpSpans.decode(TracesData.parseFrom(payload).getResourceSpansList()).spans();
    } catch (InvalidProtocolBufferException e) {
      throw new IOException("write-ahead log record passed its checksum but is not decodable", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /** Searchers over the partitions overlapping a time range, released together. */
  private final class Snapshot implements AutoCloseable {
    final List<Partition> parts = new ArrayList<>();
    final List<IndexSearcher> searchers = new ArrayList<>();
    private final List<IndexSearcher> acquired = new ArrayList<>();

    Snapshot(long from, long to) {
      dev.tokentrail.store.QueryCancellation cancellation = dev.tokentrail.store.QueryCancellation.current();
      for (Partition p : partitions.values()) {
        if (p.overlaps(from, to)) {
          try {
            IndexSearcher searcher = p.searchers.acquire();
            acquired.add(searcher);
            parts.add(p);
            if (cancellation.isNone()) {
              searchers.add(searcher);
            } else {
              // Terms, points and doc values of this reader stop the read once it is cancelled.
              searchers.add(new IndexSearcher(org.apache.lucene.index.ExitableDirectoryReader.wrap(
                  (org.apache.lucene.index.DirectoryReader) searcher.getIndexReader(), cancellation::isCancelled)));
            }
          } catch (org.apache.lucene.store.AlreadyClosedException e) {
            // Deleted by retention meanwhile: nothing to read there.
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
    }

    @Override
    public void close() {
      for (int i = 0; i < parts.size(); i++) {
        try {
          parts.get(i).searchers.release(acquired.get(i));
        } catch (IOException | org.apache.lucene.store.AlreadyClosedException e) {
          LOG.debug("releasing searcher: {}", e.toString());
        }
      }
    }
  }

  @Override
  public List<Span> getTrace(String tenant, String traceId, long fromEpochNanos, long toEpochNanos) {
    checkTenant(tenant);
    String id = Ids.normalizeTraceId(traceId);
    if (id == null) {
      throw new IllegalArgumentException("traceId: " + traceId + " (expected: up to 32 hex digits)");
    }
    Query query =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.TRACE_ID, SpanDocuments.traceIdBytes(id))), Occur.FILTER)
            .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
            .build();
    List<Span> spans = new ArrayList<>();
    try (Snapshot snapshot = new Snapshot(fromEpochNanos, toEpochNanos)) {
      for (IndexSearcher searcher : snapshot.searchers) {
        collectSpans(searcher, query, Integer.MAX_VALUE, spans);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    spans.sort(Comparator.comparingLong(Span::startEpochNanos));
    return spans;
  }

  private static void collectSpans(IndexSearcher searcher, Query query, int max, List<Span> out)
      throws IOException {
    List<int[]> hits = new ArrayList<>();
    searcher.search(
        query,
        new SimpleCollector() {
          int base;

          @Override
          protected void doSetNextReader(LeafReaderContext context) {
            base = context.docBase;
          }

          @Override
          public void collect(int doc) {
            if (hits.size() < max) {
              hits.add(new int[] {base + doc});
            }
          }

          @Override
          public ScoreMode scoreMode() {
            return ScoreMode.COMPLETE_NO_SCORES;
          }
        });
    StoredFields stored = searcher.storedFields();
    for (int[] hit : hits) {
      out.add(SpanDocuments.decode(stored.document(hit[0]).getBinaryValue(SpanDocuments.BLOB)));
    }
  }

  /**
   * Runs a read under the thread's {@link dev.tokentrail.store.QueryCancellation}: when its request
   * is cancelled or times out, the read stops at its next check (the readers of a {@link Snapshot}
   * check on every term, point and doc-values step; collectors and the catch-all path check too)
   * with {@link dev.tokentrail.store.QueryCancelledException}.
   */
  private <T> T cancellable(java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (org.apache.lucene.index.ExitableDirectoryReader.ExitingReaderException e) {
      queriesCancelled.inc();
      String reason = dev.tokentrail.store.QueryCancellation.current().reason();
      throw new dev.tokentrail.store.QueryCancelledException("query cancelled: " + (reason != null ? reason : e.getMessage()));
    } catch (dev.tokentrail.store.QueryCancelledException e) {
      queriesCancelled.inc();
      throw e;
    }
  }

  @Override
  public List<TraceMatch> search(String tenant, TraceSearch search) {
    checkTenant(tenant);
    requireNonNull(search, "search");
    return cancellable(() -> doSearch(search));
  }

  private List<TraceMatch> doSearch(TraceSearch search) {
    List<FieldRef> aggregateFields = new ArrayList<>();
    for (AggregateCondition a : search.aggregates()) {
      if (a.field() != null && !aggregateFields.contains(a.field())) {
        aggregateFields.add(a.field());
      }
    }
    if (search.spansets() instanceof Spansets.Filter f
        && f.filter() instanceof SpanFilter.All
        && search.aggregates().isEmpty()) {
      return rankRollups(search);
    }
    try (Snapshot snapshot = new Snapshot(search.fromEpochNanos(), search.toEpochNanos())) {
      // 1. Spans matching each spanset, grouped by trace; spansets combined as trace sets.
      Map<BytesRef, TraceHits> matched = evaluate(search.spansets(), search, snapshot, aggregateFields);
      if (matched.isEmpty()) {
        return List.of();
      }
      // 2. Aggregate conditions per trace.
      if (!search.aggregates().isEmpty()) {
        matched.values().removeIf(hits -> !passes(hits, search.aggregates(), aggregateFields));
      }
      // 3. Rank the matched traces by their rollups: one pass over the rollup doc values keeps the
      //    top `limit` (no per-trace term lookups), then only those summaries are decoded.
      List<TraceSummary> ranked = rankMatched(matched, search);
      // 4. Load the few matched spans shown per trace.
      List<TraceMatch> out = new ArrayList<>(Math.min(search.limit(), ranked.size()));
      for (TraceSummary summary : ranked) {
        if (out.size() >= search.limit()) {
          break;
        }
        TraceHits hits = matched.get(SpanDocuments.traceIdBytes(summary.traceId()));
        List<Span> spans = new ArrayList<>(hits.docs.size());
        for (long packed : hits.docs) {
          IndexSearcher searcher = snapshot.searchers.get((int) (packed >>> 32));
          spans.add(SpanDocuments.decode(searcher.storedFields().document((int) packed).getBinaryValue(SpanDocuments.BLOB)));
        }
        spans.sort(Comparator.comparingLong(Span::startEpochNanos));
        out.add(new TraceMatch(summary, spans, hits.count, aggregateValues(hits, search.aggregates(), aggregateFields)));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every trace in the window, ranked: answered from the rollup documents alone with a sorted
   * top-N search, never touching span documents except the few shown per trace.
   */
  private List<TraceMatch> rankRollups(TraceSearch search) {
    BooleanQuery.Builder query =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.TYPE, TraceRollups.TYPE_TRACE)), Occur.FILTER)
            .add(timeRange(TraceRollups.T_START, search.fromEpochNanos(), search.toEpochNanos()), Occur.FILTER);
    if (search.minTraceDurationNanos() > 0 || search.maxTraceDurationNanos() > 0) {
      query.add(LongField.newRangeQuery(TraceRollups.T_DURATION,
          search.minTraceDurationNanos(),
          search.maxTraceDurationNanos() > 0 ? search.maxTraceDurationNanos() : Long.MAX_VALUE), Occur.FILTER);
    }
    SortField newest = new SortedNumericSortField(TraceRollups.T_START, SortField.Type.LONG, true);
    Sort sort = switch (search.order()) {
      case NEWEST -> new Sort(newest);
      case COST -> new Sort(new SortedNumericSortField(TraceRollups.T_COST, SortField.Type.DOUBLE, true), newest);
      case TOKENS -> new Sort(new SortedNumericSortField(TraceRollups.T_TOKENS, SortField.Type.LONG, true), newest);
      case LLM_CALLS -> new Sort(new SortedNumericSortField(TraceRollups.T_LLM_CALLS, SortField.Type.LONG, true), newest);
    };
    // A rollup lives in its trace's earliest partition, which may start before the window.
    try (Snapshot snapshot = new Snapshot(0, search.toEpochNanos())) {
      if (snapshot.searchers.isEmpty()) {
        return List.of();
      }
      org.apache.lucene.index.IndexReader[] readers = new org.apache.lucene.index.IndexReader[snapshot.searchers.size()];
      for (int i = 0; i < readers.length; i++) {
        readers[i] = snapshot.searchers.get(i).getIndexReader();
      }
      try (org.apache.lucene.index.MultiReader all = new org.apache.lucene.index.MultiReader(readers, false)) {
        IndexSearcher searcher = new IndexSearcher(all);
        org.apache.lucene.search.TopDocs top = searcher.search(query.build(), search.limit(), sort);
        StoredFields stored = searcher.storedFields();
        List<TraceMatch> out = new ArrayList<>(top.scoreDocs.length);
        for (org.apache.lucene.search.ScoreDoc hit : top.scoreDocs) {
          TraceSummary summary = TraceRollups.decode(stored.document(hit.doc).getBinaryValue(TraceRollups.T_SUMMARY));
          List<Span> spans = new ArrayList<>();
          if (search.spansPerTrace() > 0) {
            Query traceSpans =
                new BooleanQuery.Builder()
                    .add(new TermQuery(new Term(SpanDocuments.TRACE_ID, SpanDocuments.traceIdBytes(summary.traceId()))), Occur.FILTER)
                    .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
                    .build();
            collectSpans(searcher, traceSpans, search.spansPerTrace(), spans);
            spans.sort(Comparator.comparingLong(Span::startEpochNanos));
          }
          out.add(new TraceMatch(summary, spans, summary.spanCount(), Map.of()));
        }
        return out;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A rollup document that made the top-N: where it is and its sort keys. */
  private record RankedRollup(double primary, long start, int searcher, int doc) {}

  private List<TraceSummary> rankMatched(Map<BytesRef, TraceHits> matched, TraceSearch search) throws IOException {
    String sortField = switch (search.order()) {
      case NEWEST -> TraceRollups.T_START;
      case COST -> TraceRollups.T_COST;
      case TOKENS -> TraceRollups.T_TOKENS;
      case LLM_CALLS -> TraceRollups.T_LLM_CALLS;
    };
    boolean doubleSort = search.order() == TraceSearch.Order.COST;
    Comparator<RankedRollup> best = Comparator.comparingDouble(RankedRollup::primary)
        .thenComparingLong(RankedRollup::start);
    java.util.PriorityQueue<RankedRollup> top = new java.util.PriorityQueue<>(search.limit() + 1, best);
    java.util.Set<BytesRef> withRollup = new java.util.HashSet<>();
    Query rollups = new TermQuery(new Term(SpanDocuments.TYPE, TraceRollups.TYPE_TRACE));
    try (Snapshot all = new Snapshot(0, 0)) {
      for (int i = 0; i < all.searchers.size(); i++) {
        int searcherIndex = i;
        IndexSearcher searcher = all.searchers.get(i);
        searcher.search(rollups, new SimpleCollector() {
          SortedDocValues ids;
          SortedNumericDocValues sort;
          SortedNumericDocValues starts;
          SortedNumericDocValues durations;
          int base;

          @Override
          protected void doSetNextReader(LeafReaderContext context) throws IOException {
            LeafReader r = context.reader();
            ids = DocValues.getSorted(r, TraceRollups.T_TRACE_ID);
            sort = DocValues.getSortedNumeric(r, sortField);
            starts = DocValues.getSortedNumeric(r, TraceRollups.T_START);
            durations = DocValues.getSortedNumeric(r, TraceRollups.T_DURATION);
            base = context.docBase;
          }

          @Override
          public void collect(int doc) throws IOException {
            if (!ids.advanceExact(doc)) {
              return;
            }
            BytesRef id = ids.lookupOrd(ids.ordValue());
            if (!matched.containsKey(id)) {
              return;
            }
            withRollup.add(BytesRef.deepCopyOf(id));
            long duration = durations.advanceExact(doc) ? durations.nextValue() : 0;
            if ((search.minTraceDurationNanos() > 0 && duration < search.minTraceDurationNanos())
                || (search.maxTraceDurationNanos() > 0 && duration > search.maxTraceDurationNanos())) {
              return;
            }
            long raw = sort.advanceExact(doc) ? sort.nextValue() : 0;
            double primary = doubleSort ? NumericUtils.sortableLongToDouble(raw) : raw;
            long start = starts.advanceExact(doc) ? starts.nextValue() : 0;
            top.add(new RankedRollup(primary, start, searcherIndex, base + doc));
            if (top.size() > search.limit()) {
              top.poll();
            }
          }

          @Override
          public ScoreMode scoreMode() {
            return ScoreMode.COMPLETE_NO_SCORES;
          }
        });
      }
      List<TraceSummary> ranked = new ArrayList<>(top.size());
      for (RankedRollup r : top) {
        IndexSearcher searcher = all.searchers.get(r.searcher());
        ranked.add(TraceRollups.decode(searcher.storedFields().document(r.doc()).getBinaryValue(TraceRollups.T_SUMMARY)));
      }
      // Traces whose rollup is not refreshed yet (their spans arrived within the last moment).
      if (withRollup.size() < matched.size()) {
        for (BytesRef id : matched.keySet()) {
          if (!withRollup.contains(id)) {
            TraceSummary summary = computeSummary(Ids.toHex(BytesRef.deepCopyOf(id).bytes));
            if ((search.minTraceDurationNanos() <= 0 || summary.durationNanos() >= search.minTraceDurationNanos())
                && (search.maxTraceDurationNanos() <= 0 || summary.durationNanos() <= search.maxTraceDurationNanos())) {
              ranked.add(summary);
            }
          }
        }
      }
      ranked.sort(comparator(search.order()));
      return ranked.size() > search.limit() ? ranked.subList(0, search.limit()) : ranked;
    }
  }

  /** One trace's matched spans: how many, the first few, and running aggregates per field. */
  private static final class TraceHits {
    int count;
    final List<Long> docs = new ArrayList<>(3);
    final double[] sum;
    final double[] min;
    final double[] max;
    final long[] n;

    TraceHits(int fields) {
      sum = new double[fields];
      min = new double[fields];
      max = new double[fields];
      n = new long[fields];
      java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
      java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
    }

    void add(double value, int field) {
      sum[field] += value;
      min[field] = Math.min(min[field], value);
      max[field] = Math.max(max[field], value);
      n[field]++;
    }

    void merge(TraceHits other, int spss) {
      count += other.count;
      for (long doc : other.docs) {
        if (docs.size() < spss && !docs.contains(doc)) {
          docs.add(doc);
        }
      }
      for (int i = 0; i < sum.length; i++) {
        sum[i] += other.sum[i];
        min[i] = Math.min(min[i], other.min[i]);
        max[i] = Math.max(max[i], other.max[i]);
        n[i] += other.n[i];
      }
    }
  }

  private Map<BytesRef, TraceHits> evaluate(
      Spansets node, TraceSearch search, Snapshot snapshot, List<FieldRef> fields) throws IOException {
    return switch (node) {
      case Spansets.Filter f -> {
        Query query =
            new BooleanQuery.Builder()
                .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
                .add(timeRange(SpanDocuments.START, search.fromEpochNanos(), search.toEpochNanos()), Occur.FILTER)
                .add(SpanQueries.compile(f.filter(), this::traceLevelQuery, regexWorkLimit), Occur.FILTER)
                .build();
        Map<BytesRef, TraceHits> hits = new HashMap<>();
        for (int i = 0; i < snapshot.searchers.size(); i++) {
          collectMatches(snapshot.searchers.get(i), i, query, search.spansPerTrace(), fields, hits);
        }
        yield hits;
      }
      case Spansets.Combine c -> {
        Map<BytesRef, TraceHits> left = evaluate(c.left(), search, snapshot, fields);
        if (c.and() && left.isEmpty()) {
          yield left;
        }
        Map<BytesRef, TraceHits> right = evaluate(c.right(), search, snapshot, fields);
        if (c.and()) {
          left.keySet().retainAll(right.keySet());
          for (Map.Entry<BytesRef, TraceHits> e : left.entrySet()) {
            e.getValue().merge(right.get(e.getKey()), search.spansPerTrace());
          }
        } else {
          for (Map.Entry<BytesRef, TraceHits> e : right.entrySet()) {
            TraceHits existing = left.putIfAbsent(e.getKey(), e.getValue());
            if (existing != null) {
              existing.merge(e.getValue(), search.spansPerTrace());
            }
          }
        }
        yield left;
      }
    };
  }

  /** Trace-level intrinsics are answered by the rollups: the matching traces' ids. */
  private Query traceLevelQuery(SpanFilter.Condition condition) {
    Query rollups =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.TYPE, TraceRollups.TYPE_TRACE)), Occur.FILTER)
            .add(SpanQueries.rollupCondition(condition, regexWorkLimit), Occur.FILTER)
            .build();
    List<BytesRef> ids = new ArrayList<>();
    try (Snapshot all = new Snapshot(0, 0)) {
      for (IndexSearcher searcher : all.searchers) {
        searcher.search(
            rollups,
            new SimpleCollector() {
              SortedDocValues traceIds;

              @Override
              protected void doSetNextReader(LeafReaderContext context) throws IOException {
                traceIds = context.reader().getSortedDocValues(TraceRollups.T_TRACE_ID);
              }

              @Override
              public void collect(int doc) throws IOException {
                if (traceIds != null && traceIds.advanceExact(doc)) {
                  ids.add(BytesRef.deepCopyOf(traceIds.lookupOrd(traceIds.ordValue())));
                }
              }

              @Override
              public ScoreMode scoreMode() {
                return ScoreMode.COMPLETE_NO_SCORES;
              }
            });
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (ids.isEmpty()) {
      return new org.apache.lucene.search.MatchNoDocsQuery("no trace matches " + condition);
    }
    return new TermInSetQuery(SpanDocuments.TRACE_ID, ids);
  }

  private static boolean passes(TraceHits hits, List<AggregateCondition> aggregates, List<FieldRef> fields) {
    for (AggregateCondition a : aggregates) {
      double value = aggregateValue(hits, a, fields);
      if (Double.isNaN(value) || !a.test(value)) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, Double> aggregateValues(TraceHits hits, List<AggregateCondition> aggregates, List<FieldRef> fields) {
    if (aggregates.isEmpty()) {
      return Map.of();
    }
    Map<String, Double> out = new java.util.LinkedHashMap<>();
    for (AggregateCondition a : aggregates) {
      out.put(a.label(), aggregateValue(hits, a, fields));
    }
    return out;
  }

  private static double aggregateValue(TraceHits hits, AggregateCondition a, List<FieldRef> fields) {
    if (a.function() == AggregateCondition.Function.COUNT) {
      return hits.count;
    }
    int i = fields.indexOf(a.field());
    if (hits.n[i] == 0) {
      return Double.NaN;
    }
    return switch (a.function()) {
      case SUM -> hits.sum[i];
      case AVG -> hits.sum[i] / hits.n[i];
      case MIN -> hits.min[i];
      case MAX -> hits.max[i];
      case COUNT -> hits.count;
    };
  }

  /**
   * Collects matching spans grouped by trace. Within a segment, spans are grouped by the trace id's
   * segment ordinal (an array slot, no hashing per span); each segment's groups are merged into the
   * result by trace id once, when the segment is done.
   */
  private static void collectMatches(
      IndexSearcher searcher, int searcherIndex, Query query, int spss, List<FieldRef> fields, Map<BytesRef, TraceHits> out)
      throws IOException {
    int fieldCount = fields.size();
    final class Grouping extends SimpleCollector {
      SortedDocValues traceIds;
      TraceHits[] byOrd;
      org.roaringbitmap.RoaringBitmap touched;
      final SortedNumericDocValues[] primary = new SortedNumericDocValues[fieldCount];
      final SortedNumericDocValues[] fallback = new SortedNumericDocValues[fieldCount];
      final boolean[] rawLong = new boolean[fieldCount];
      int base;

      @Override
      protected void doSetNextReader(LeafReaderContext context) throws IOException {
        flush();
        LeafReader reader = context.reader();
        traceIds = reader.getSortedDocValues(SpanDocuments.TRACE_ID);
        byOrd = traceIds == null ? null : new TraceHits[traceIds.getValueCount()];
        touched = new org.roaringbitmap.RoaringBitmap();
        base = context.docBase;
        for (int i = 0; i < fieldCount; i++) {
          FieldRef f = fields.get(i);
          fallback[i] = null;
          rawLong[i] = false;
          switch (f.scope()) {
            case SPAN -> primary[i] = reader.getSortedNumericDocValues(SpanDocuments.SPAN_NUM + f.name());
            case RESOURCE -> primary[i] = reader.getSortedNumericDocValues(SpanDocuments.RESOURCE_NUM + f.name());
            case ANY -> {
              primary[i] = reader.getSortedNumericDocValues(SpanDocuments.SPAN_NUM + f.name());
              fallback[i] = reader.getSortedNumericDocValues(SpanDocuments.RESOURCE_NUM + f.name());
            }
            case INTRINSIC -> {
              if (!f.name().equals(FieldRef.DURATION)) {
                throw new IllegalArgumentException("aggregate over " + f + " (expected: a numeric attribute or duration)");
              }
              primary[i] = reader.getSortedNumericDocValues(SpanDocuments.DURATION);
              rawLong[i] = true;
            }
          }
        }
      }

      final dev.tokentrail.store.QueryCancellation cancellation = dev.tokentrail.store.QueryCancellation.current();
      int collected;

      @Override
      public void collect(int doc) throws IOException {
        if ((++collected & 1023) == 0) {
          cancellation.check();
        }
        if (traceIds == null || !traceIds.advanceExact(doc)) {
          return;
        }
        int ord = traceIds.ordValue();
        TraceHits hits = byOrd[ord];
        if (hits == null) {
          hits = new TraceHits(fieldCount);
          byOrd[ord] = hits;
          touched.add(ord);
        }
        hits.count++;
        if (hits.docs.size() < spss) {
          hits.docs.add(((long) searcherIndex << 32) | (base + doc));
        }
        for (int i = 0; i < fieldCount; i++) {
          SortedNumericDocValues values = primary[i];
          if (values == null || !values.advanceExact(doc)) {
            values = fallback[i];
            if (values == null || !values.advanceExact(doc)) {
              continue;
            }
          }
          long raw = values.nextValue();
          hits.add(rawLong[i] ? raw : NumericUtils.sortableLongToDouble(raw), i);
        }
      }

      void flush() throws IOException {
        if (byOrd == null) {
          return;
        }
        org.roaringbitmap.IntIterator ords = touched.getIntIterator();
        while (ords.hasNext()) {
          int ord = ords.next();
          BytesRef id = traceIds.lookupOrd(ord);
          TraceHits existing = out.get(id);
          if (existing == null) {
            out.put(BytesRef.deepCopyOf(id), byOrd[ord]);
          } else {
            existing.merge(byOrd[ord], spss);
          }
        }
        byOrd = null;
      }

      @Override
      public ScoreMode scoreMode() {
        return ScoreMode.COMPLETE_NO_SCORES;
      }
    }
    Grouping grouping = new Grouping();
    searcher.search(query, grouping);
    grouping.flush();
  }

  private Map<String, TraceSummary> summaries(Set<BytesRef> traceIds) throws IOException {
    Map<String, TraceSummary> out = new HashMap<>();
    Query query = new TermInSetQuery(TraceRollups.T_TRACE_ID, traceIds);
    try (Snapshot all = new Snapshot(0, 0)) {
      for (IndexSearcher searcher : all.searchers) {
        List<int[]> hits = new ArrayList<>();
        searcher.search(
            query,
            new SimpleCollector() {
              int base;

              @Override
              protected void doSetNextReader(LeafReaderContext context) {
                base = context.docBase;
              }

              @Override
              public void collect(int doc) {
                hits.add(new int[] {base + doc});
              }

              @Override
              public ScoreMode scoreMode() {
                return ScoreMode.COMPLETE_NO_SCORES;
              }
            });
        StoredFields stored = searcher.storedFields();
        for (int[] hit : hits) {
          TraceSummary s = TraceRollups.decode(stored.document(hit[0]).getBinaryValue(TraceRollups.T_SUMMARY));
          out.put(s.traceId(), s);
        }
      }
    }
    return out;
  }

  /** A rollup computed on read, for a trace whose rollup is not yet refreshed. */
  private TraceSummary computeSummary(String traceId) throws IOException {
    TraceRollups.Accumulator acc = new TraceRollups.Accumulator(traceId);
    try (Snapshot all = new Snapshot(0, 0)) {
      for (int i = 0; i < all.searchers.size(); i++) {
        TraceRollups.collect(all.searchers.get(i), all.parts.get(i), acc);
      }
    }
    return acc.toSummary();
  }

  /** The rollup of one trace, or {@code null} when no span of it is stored. */
  public TraceSummary traceSummary(String traceId) {
    String id = Ids.normalizeTraceId(traceId);
    if (id == null) {
      throw new IllegalArgumentException("traceId: " + traceId + " (expected: up to 32 hex digits)");
    }
    try {
      TraceSummary s = summaries(Set.of(SpanDocuments.traceIdBytes(id))).get(id);
      if (s == null) {
        TraceSummary computed = computeSummary(id);
        return computed.spanCount() == 0 ? null : computed;
      }
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Comparator<TraceSummary> comparator(TraceSearch.Order order) {
    Comparator<TraceSummary> newest = Comparator.comparingLong(TraceSummary::startEpochNanos).reversed();
    return switch (order) {
      case NEWEST -> newest;
      case COST -> Comparator.comparingDouble(TraceSummary::costUsd).reversed().thenComparing(newest);
      case TOKENS -> Comparator.comparingLong(TraceSummary::totalTokens).reversed().thenComparing(newest);
      case LLM_CALLS -> Comparator.comparingInt(TraceSummary::llmCallCount).reversed().thenComparing(newest);
    };
  }

  private static Query timeRange(String field, long from, long to) {
    return LongField.newRangeQuery(field, from <= 0 ? Long.MIN_VALUE : from, to <= 0 ? Long.MAX_VALUE : to);
  }

  @Override
  public TagNames tagNames(String tenant, long fromEpochNanos, long toEpochNanos, int limit) {
    checkTenant(tenant);
    return cancellable(() -> doTagNames(fromEpochNanos, toEpochNanos, limit));
  }

  private TagNames doTagNames(long fromEpochNanos, long toEpochNanos, int limit) {
    TreeSet<String> span = new TreeSet<>();
    TreeSet<String> resource = new TreeSet<>();
    try (Snapshot snapshot = new Snapshot(fromEpochNanos, toEpochNanos)) {
      for (IndexSearcher searcher : snapshot.searchers) {
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
          for (FieldInfo info : leaf.reader().getFieldInfos()) {
            String name = info.name;
            if (name.startsWith(SpanDocuments.SPAN_ATTR)) {
              span.add(name.substring(SpanDocuments.SPAN_ATTR.length()));
            } else if (name.startsWith(SpanDocuments.SPAN_NUM)) {
              span.add(name.substring(SpanDocuments.SPAN_NUM.length()));
            } else if (name.startsWith(SpanDocuments.RESOURCE_ATTR)) {
              resource.add(name.substring(SpanDocuments.RESOURCE_ATTR.length()));
            } else if (name.startsWith(SpanDocuments.RESOURCE_NUM)) {
              resource.add(name.substring(SpanDocuments.RESOURCE_NUM.length()));
            }
          }
          overflowKeys(leaf.reader(), limit, span, resource);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TagNames(
        span.stream().limit(limit).toList(), resource.stream().limit(limit).toList());
  }

  /**
   * Keys past the field budget, from the catch-all field: listed with the others (they are as
   * searchable, through the slower path). Terms are sorted, so a leaf's first {@code limit} of each
   * scope are all the sorted answer can use.
   */
  private static void overflowKeys(LeafReader reader, int limit, TreeSet<String> span, TreeSet<String> resource)
      throws IOException {
    Terms terms = reader.terms(SpanDocuments.OVERFLOW_KEY);
    if (terms == null) {
      return;
    }
    dev.tokentrail.store.QueryCancellation cancellation = dev.tokentrail.store.QueryCancellation.current();
    for (String prefix : List.of(SpanDocuments.RESOURCE_ATTR, SpanDocuments.SPAN_ATTR)) {
      TreeSet<String> out = prefix.equals(SpanDocuments.SPAN_ATTR) ? span : resource;
      TermsEnum it = terms.iterator();
      BytesRef start = new BytesRef(prefix);
      if (it.seekCeil(start) == TermsEnum.SeekStatus.END) {
        continue;
      }
      int n = 0;
      for (BytesRef term = it.term(); term != null && n < limit; term = it.next(), n++) {
        if (!org.apache.lucene.util.StringHelper.startsWith(term, start)) {
          break;
        }
        if ((n & 1023) == 1023) {
          cancellation.check();
        }
        out.add(term.utf8ToString().substring(prefix.length()));
      }
    }
  }

  /** Values of keys past the field budget, from the catch-all value field ({@code FIELD\0value}). */
  private static void overflowValues(
      LeafReader reader, List<String> fields, boolean numbers, int max, Map<String, Long> strings,
      Map<String, String> types, TreeMap<Double, Long> numeric) throws IOException {
    Terms terms = reader.terms(SpanDocuments.OVERFLOW_VALUE);
    if (terms == null) {
      return;
    }
    for (String f : fields) {
      String prefix = f + SpanDocuments.OVERFLOW_SEPARATOR;
      BytesRef start = new BytesRef(prefix);
      TermsEnum it = terms.iterator();
      if (it.seekCeil(start) == TermsEnum.SeekStatus.END) {
        continue;
      }
      for (BytesRef term = it.term(); term != null; term = it.next()) {
        if (!org.apache.lucene.util.StringHelper.startsWith(term, start)) {
          break;
        }
        String v = term.utf8ToString().substring(prefix.length());
        if (numbers) {
          if (numeric.size() >= max) {
            break;
          }
          try {
            numeric.merge(Double.parseDouble(v), (long) it.docFreq(), Long::sum);
          } catch (NumberFormatException e) {
            // Not written by SpanDocuments; nothing to list.
          }
        } else {
          if (strings.size() >= max) {
            break;
          }
          strings.merge(v, (long) it.docFreq(), Long::sum);
          types.putIfAbsent(v, ("true".equals(v) || "false".equals(v)) && f.startsWith("a") ? "bool" : "string");
        }
      }
    }
  }

  @Override
  public List<TagValue> tagValues(String tenant, FieldRef field, long fromEpochNanos, long toEpochNanos, int limit) {
    checkTenant(tenant);
    return cancellable(() -> doTagValues(field, fromEpochNanos, toEpochNanos, limit));
  }

  private List<TagValue> doTagValues(FieldRef field, long fromEpochNanos, long toEpochNanos, int limit) {
    List<String> stringFields = new ArrayList<>();
    List<String> numberFields = new ArrayList<>();
    switch (field.scope()) {
      case SPAN -> {
        stringFields.add(SpanDocuments.SPAN_ATTR + field.name());
        numberFields.add(SpanDocuments.SPAN_NUM + field.name());
      }
      case RESOURCE -> {
        stringFields.add(SpanDocuments.RESOURCE_ATTR + field.name());
        numberFields.add(SpanDocuments.RESOURCE_NUM + field.name());
      }
      case ANY -> {
        stringFields.add(SpanDocuments.SPAN_ATTR + field.name());
        stringFields.add(SpanDocuments.RESOURCE_ATTR + field.name());
        numberFields.add(SpanDocuments.SPAN_NUM + field.name());
        numberFields.add(SpanDocuments.RESOURCE_NUM + field.name());
      }
      case INTRINSIC -> {
        switch (field.name()) {
          case FieldRef.NAME -> stringFields.add(SpanDocuments.NAME);
          case FieldRef.STATUS -> stringFields.add(SpanDocuments.STATUS);
          case FieldRef.KIND -> stringFields.add(SpanDocuments.KIND);
          case FieldRef.SERVICE -> stringFields.add(TraceRollups.T_ROOT_SERVICE);
          case FieldRef.ROOT_NAME -> stringFields.add(TraceRollups.T_ROOT_NAME);
          default -> throw new IllegalArgumentException("intrinsic: " + field.name() + " has no enumerable values");
        }
      }
    }
    Map<String, Long> strings = new HashMap<>();
    Map<String, String> types = new HashMap<>();
    TreeMap<Double, Long> numbers = new TreeMap<>();
    try (Snapshot snapshot = new Snapshot(fromEpochNanos, toEpochNanos)) {
      for (IndexSearcher searcher : snapshot.searchers) {
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
          LeafReader reader = leaf.reader();
          for (String f : stringFields) {
            Terms terms = reader.terms(f);
            if (terms == null) {
              continue;
            }
            TermsEnum it = terms.iterator();
            for (BytesRef term = it.next(); term != null && strings.size() < 10 * limit; term = it.next()) {
              String v = term.utf8ToString();
              strings.merge(v, (long) it.docFreq(), Long::sum);
              types.putIfAbsent(v, ("true".equals(v) || "false".equals(v)) && f.startsWith("a") ? "bool" : "string");
            }
          }
          if (field.scope() != FieldRef.Scope.INTRINSIC) {
            overflowValues(reader, stringFields, false, 10 * limit, strings, types, numbers);
            overflowValues(reader, numberFields, true, 10 * limit, strings, types, numbers);
          }
          for (String f : numberFields) {
            SortedNumericDocValues values = reader.getSortedNumericDocValues(f);
            if (values == null) {
              continue;
            }
            for (int doc = values.nextDoc(); doc != SortedNumericDocValues.NO_MORE_DOCS && numbers.size() < 10 * limit; doc = values.nextDoc()) {
              for (int i = 0; i < values.docValueCount(); i++) {
                numbers.merge(NumericUtils.sortableLongToDouble(values.nextValue()), 1L, Long::sum);
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<TagValue> out = new ArrayList<>();
    strings.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(limit)
        .forEach(e -> out.add(new TagValue(types.get(e.getKey()), e.getKey())));
    numbers.entrySet().stream()
        .sorted(Map.Entry.<Double, Long>comparingByValue().reversed())
        .limit(Math.max(0, limit - out.size()))
        .forEach(e -> out.add(numberValue(e.getKey())));
    return out;
  }

  private static TagValue numberValue(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return new TagValue("int", Long.toString((long) v));
    }
    return new TagValue("float", Double.toString(v));
  }

  @Override
  public CallTable llmCalls(String tenant, CallFilter filter) {
    checkTenant(tenant);
    requireNonNull(filter, "filter");
    BooleanQuery.Builder query =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.LLM, "true")), Occur.FILTER)
            .add(timeRange(SpanDocuments.START, filter.fromEpochNanos(), filter.toEpochNanos()), Occur.FILTER);
    if (filter.service() != null) {
      query.add(new TermQuery(new Term(SpanDocuments.SERVICE, filter.service())), Occur.FILTER);
    }
    if (filter.team() != null) {
      query.add(new TermQuery(new Term(SpanDocuments.SPAN_ATTR + "tokentrail.team", filter.team())), Occur.FILTER);
    }
    if (filter.project() != null) {
      query.add(new TermQuery(new Term(SpanDocuments.SPAN_ATTR + "tokentrail.project", filter.project())), Occur.FILTER);
    }
    if (filter.feature() != null) {
      query.add(new TermQuery(new Term(SpanDocuments.SPAN_ATTR + "tokentrail.feature", filter.feature())), Occur.FILTER);
    }
    if (filter.model() != null) {
      query.add(new BooleanQuery.Builder()
          .add(new TermQuery(new Term(SpanDocuments.SPAN_ATTR + "gen_ai.request.model", filter.model())), Occur.SHOULD)
          .add(new TermQuery(new Term(SpanDocuments.SPAN_ATTR + "gen_ai.response.model", filter.model())), Occur.SHOULD)
          .build(), Occur.FILTER);
    }
    CallTable table = new CallTable();
    try (Snapshot snapshot = new Snapshot(filter.fromEpochNanos(), filter.toEpochNanos())) {
      for (IndexSearcher searcher : snapshot.searchers) {
        searcher.search(query.build(), new CallTableCollector(table));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return table;
  }

  @Override
  public dev.tokentrail.store.MetricsAnswer metrics(String tenant, dev.tokentrail.store.MetricsQuery metricsQuery) {
    checkTenant(tenant);
    requireNonNull(metricsQuery, "metricsQuery");
    return cancellable(() -> doMetrics(metricsQuery));
  }

  private dev.tokentrail.store.MetricsAnswer doMetrics(dev.tokentrail.store.MetricsQuery metricsQuery) {
    MetricsAggregation aggregation = new MetricsAggregation(metricsQuery);
    Query query =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
            .add(LongField.newRangeQuery(SpanDocuments.START, metricsQuery.startNanos(), metricsQuery.endNanos() - 1), Occur.FILTER)
            .add(SpanQueries.compile(metricsQuery.filter(), this::traceLevelQuery, regexWorkLimit), Occur.FILTER)
            .build();
    try (Snapshot snapshot = new Snapshot(metricsQuery.startNanos(), metricsQuery.endNanos())) {
      for (int i = 0; i < snapshot.searchers.size(); i++) {
        aggregation.collect(i, snapshot.searchers.get(i), query);
      }
      return aggregation.answer(snapshot.searchers);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Map<String, dev.tokentrail.store.TraceOutcome> outcomes(String tenant, long fromEpochNanos, long toEpochNanos) {
    checkTenant(tenant);
    Query query =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
            .add(timeRange(SpanDocuments.START, fromEpochNanos, toEpochNanos), Occur.FILTER)
            .add(new org.apache.lucene.search.FieldExistsQuery(SpanDocuments.OUTCOME), Occur.FILTER)
            .build();
    Map<String, dev.tokentrail.store.TraceOutcome> out = new HashMap<>();
    try (Snapshot snapshot = new Snapshot(fromEpochNanos, toEpochNanos)) {
      for (IndexSearcher searcher : snapshot.searchers) {
        searcher.search(query, new SimpleCollector() {
          SortedDocValues traceIds;
          SortedDocValues outcomes;
          org.apache.lucene.index.NumericDocValues values;

          @Override
          protected void doSetNextReader(LeafReaderContext context) throws IOException {
            traceIds = DocValues.getSorted(context.reader(), SpanDocuments.TRACE_ID);
            outcomes = DocValues.getSorted(context.reader(), SpanDocuments.OUTCOME);
            values = DocValues.getNumeric(context.reader(), SpanDocuments.OUTCOME_VALUE);
          }

          @Override
          public void collect(int doc) throws IOException {
            if (!traceIds.advanceExact(doc) || !outcomes.advanceExact(doc)) {
              return;
            }
            BytesRef id = traceIds.lookupOrd(traceIds.ordValue());
            String traceId = Ids.toHex(java.util.Arrays.copyOfRange(id.bytes, id.offset, id.offset + id.length));
            double value = values.advanceExact(doc) ? Double.longBitsToDouble(values.longValue()) : Double.NaN;
            out.merge(traceId, new dev.tokentrail.store.TraceOutcome(outcomes.lookupOrd(outcomes.ordValue()).utf8ToString(), value),
                (a, b) -> Double.isNaN(a.valueUsd()) ? b : a);
          }

          @Override
          public ScoreMode scoreMode() {
            return ScoreMode.COMPLETE_NO_SCORES;
          }
        });
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /**
   * This store keeps one tenant's spans: until the store holds tenants apart, any other tenant is
   * refused rather than mixed in.
   */
  private static void checkTenant(String tenant) {
    if (!dev.tokentrail.store.Tenants.DEFAULT.equals(tenant)) {
      throw new IllegalArgumentException("tenant: '" + tenant + "' (expected: '"
          + dev.tokentrail.store.Tenants.DEFAULT + "': this store keeps one tenant)");
    }
  }

  @Override
  public boolean isReady() {
    return ready;
  }

  /** Spans accepted and not yet indexed. */
  long queuedSpans() {
    return queuedSpans.get();
  }

  /** Estimated bytes held by the batches accepted and not yet indexed. */
  long queuedBytes() {
    return queuedBytes.get();
  }

  /** Whether writes are accepted now (false while a failed write is retried). */
  boolean writableNow() {
    return writable();
  }

  /** Bytes of index files on disk across partitions (measured now). */
  public long sizeOnDisk() {
    long total = 0;
    for (Partition p : partitions.values()) {
      total += p.sizeOnDisk();
    }
    return total;
  }

  /** Names of the open partitions' directories, oldest first. */
  public List<String> partitionNames() {
    List<String> names = new ArrayList<>();
    for (Partition p : partitions.values()) {
      names.add(p.path.getFileName().toString());
    }
    return names;
  }

  private long nowNanos() {
    java.time.Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Override
  public void close() {
    if (!accepting && writerStopped.getCount() == 0 && partitions.isEmpty()) {
      return;
    }
    ready = false;
    accepting = false;
    try {
      logStopped.await();
      writerStopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Partition p : partitions.values()) {
      try {
        p.close();
      } catch (IOException | RuntimeException e) {
        LOG.error("closing partition {}: {}", p.path, e.toString());
      }
    }
    partitions.clear();
    try {
      wal.close();
    } catch (IOException e) {
      LOG.error("closing write-ahead log: {}", e.toString());
    }
  }
}
