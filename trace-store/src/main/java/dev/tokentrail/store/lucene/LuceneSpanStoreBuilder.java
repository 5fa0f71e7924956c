package dev.tokentrail.store.lucene;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.automaton.Operations;

/** Configures a {@link LuceneSpanStore}; defaults suit a single server. */
public final class LuceneSpanStoreBuilder {
  final Path dataDir;
  Duration partitionDuration = Duration.ofDays(1);
  Duration retention = Duration.ofDays(14);
  Duration maxFutureSkew = Duration.ofHours(1);
  Duration refreshInterval = Duration.ofMillis(500);
  int indexThreads = Runtime.getRuntime().availableProcessors();
  Duration commitInterval = Duration.ofSeconds(10);
  Duration retentionCheckInterval = Duration.ofMinutes(1);
  Duration minRetryBackoff = Duration.ofMillis(250);
  Duration maxRetryBackoff = Duration.ofSeconds(10);
  int maxQueuedSpans = 200_000;
  long maxQueuedBytes = LuceneSpanStore.defaultMaxQueuedBytes(Runtime.getRuntime().maxMemory());
  long walSegmentBytes = 64L * 1024 * 1024;
  double ramBufferMb = 128;
  int maxIndexedFields = 10_000;
  int regexWorkLimit = Operations.DEFAULT_DETERMINIZE_WORK_LIMIT;
  Clock clock = Clock.systemUTC();
  PrometheusRegistry registry = new PrometheusRegistry();
  Consumer<Throwable> onFatalError = t -> {};
  WriteAheadLog.ChannelOpener channelOpener = WriteAheadLog.ChannelOpener.DEFAULT;
  UnaryOperator<Directory> directoryWrapper = UnaryOperator.identity();
  Indexer.WriteHooks hooks = Indexer.WriteHooks.NONE;

  LuceneSpanStoreBuilder(Path dataDir) {
    this.dataDir = dataDir;
  }

  public LuceneSpanStoreBuilder partitionDuration(Duration d) {
    requirePositive(d, "partitionDuration");
    if (d.toSeconds() < 60 || d.toNanos() % 1_000_000_000L != 0) {
      throw new IllegalArgumentException("partitionDuration: " + d + " (expected: whole seconds, >= 1m)");
    }
    this.partitionDuration = d;
    return this;
  }

  public LuceneSpanStoreBuilder retention(Duration d) {
    this.retention = requirePositive(d, "retention");
    return this;
  }

  public LuceneSpanStoreBuilder maxFutureSkew(Duration d) {
    this.maxFutureSkew = requirePositive(d, "maxFutureSkew");
    return this;
  }

  /**
   * How often rollups are written and searchers refreshed (default 500 ms): acknowledged spans are
   * searchable within about this plus the indexing lag; the contract asks for one second at most.
   */
  public LuceneSpanStoreBuilder refreshInterval(Duration d) {
    this.refreshInterval = requirePositive(d, "refreshInterval");
    return this;
  }

  /**
   * Threads indexing acknowledged batches concurrently (default: the available processors). The
   * log thread and the coordinator come on top.
   */
  public LuceneSpanStoreBuilder indexThreads(int n) {
    if (n <= 0 || n > 256) {
      throw new IllegalArgumentException("indexThreads: " + n + " (expected: 1-256)");
    }
    this.indexThreads = n;
    return this;
  }

  public LuceneSpanStoreBuilder commitInterval(Duration d) {
    this.commitInterval = requirePositive(d, "commitInterval");
    return this;
  }

  public LuceneSpanStoreBuilder retentionCheckInterval(Duration d) {
    this.retentionCheckInterval = requirePositive(d, "retentionCheckInterval");
    return this;
  }

  public LuceneSpanStoreBuilder maxQueuedSpans(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("maxQueuedSpans: " + n + " (expected: > 0)");
    }
    this.maxQueuedSpans = n;
    return this;
  }

  /**
   * Estimated heap the batches accepted and not yet indexed may hold (decoded spans, documents,
   * log records); past it {@link LuceneSpanStore#accept} refuses with {@link dev.tokentrail.store.StoreOverloadedException}. One
   * batch is always taken into an empty queue, whatever its size.
   */
  public LuceneSpanStoreBuilder maxQueuedBytes(long n) {
    if (n <= 0) {
      throw new IllegalArgumentException("maxQueuedBytes: " + n + " (expected: > 0)");
    }
    this.maxQueuedBytes = n;
    return this;
  }

  /** First and longest wait before a failed write is retried (doubling in between). */
  public LuceneSpanStoreBuilder retryBackoff(Duration min, Duration max) {
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
  public LuceneSpanStoreBuilder onFatalError(Consumer<Throwable> handler) {
    this.onFatalError = requireNonNull(handler, "onFatalError");
    return this;
  }

  public LuceneSpanStoreBuilder walSegmentBytes(long n) {
    if (n < 1024) {
      throw new IllegalArgumentException("walSegmentBytes: " + n + " (expected: >= 1024)");
    }
    this.walSegmentBytes = n;
    return this;
  }

  public LuceneSpanStoreBuilder ramBufferMb(double mb) {
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
  public LuceneSpanStoreBuilder maxIndexedFields(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("maxIndexedFields: " + n + " (expected: > 0)");
    }
    this.maxIndexedFields = n;
    return this;
  }

  /** Lucene's determinize work limit for TraceQL regexes; more complex patterns are refused. */
  public LuceneSpanStoreBuilder regexWorkLimit(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("regexWorkLimit: " + n + " (expected: > 0)");
    }
    this.regexWorkLimit = n;
    return this;
  }

  public LuceneSpanStoreBuilder clock(Clock clock) {
    this.clock = requireNonNull(clock, "clock");
    return this;
  }

  public LuceneSpanStoreBuilder registry(PrometheusRegistry registry) {
    this.registry = requireNonNull(registry, "registry");
    return this;
  }

  LuceneSpanStoreBuilder channelOpener(WriteAheadLog.ChannelOpener opener) {
    this.channelOpener = requireNonNull(opener, "channelOpener");
    return this;
  }

  LuceneSpanStoreBuilder directoryWrapper(UnaryOperator<Directory> wrapper) {
    this.directoryWrapper = requireNonNull(wrapper, "directoryWrapper");
    return this;
  }

  LuceneSpanStoreBuilder hooks(Indexer.WriteHooks hooks) {
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
