package dev.tokentrail.benchmarks.lucene;

import dev.tokentrail.benchmarks.TokenCounts;
import dev.tokentrail.benchmarks.Workload;
import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.model.Span;
import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.pricing.PriceCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What Lucene alone does with the same spans: each enriched span becomes one plain document
 * ({@link PlainSpanDocuments}: keyword ids and names, points and doc values for times, tokens and
 * cost, the span's JSON as a stored field), added by one thread per core to one {@link IndexWriter}
 * with no write-ahead log, no rollups, no refreshes and one commit at the end. It builds its own
 * documents, not the store's, so it stays a fixed anchor while the store changes. The load
 * generator and the side-by-side benchmark divide their figures by these.
 */
@Command(
    name = "bare-lucene-baseline",
    mixinStandardHelpOptions = true,
    description = "Indexes the load generator's spans with a bare IndexWriter loop; prints docs/s and bytes/doc.")
public final class BareLuceneBaseline implements Callable<Integer> {
  @Option(names = "--spans", defaultValue = "200000", description = "Spans to index (whole traces; default ${DEFAULT-VALUE}).")
  int spans;

  @Option(names = "--seed", defaultValue = "1", description = "Workload seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--token-trace", defaultValue = TokenCounts.DEFAULT_FILE,
      description = "Token counts: Azure CSV or Mooncake JSONL (default ${DEFAULT-VALUE}).")
  String tokenTrace;

  @Option(names = "--dir", description = "Index directory (default: a fresh temporary directory, deleted after).")
  Path dir;

  /** Docs indexed, wall time of the indexing loop plus the final commit, bytes on disk after close. */
  public record Result(long docs, long nanos, long bytes) {
    public double docsPerSecond() {
      return docs / (nanos / 1e9);
    }

    public double bytesPerDoc() {
      return (double) bytes / docs;
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new BareLuceneBaseline()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    PriceCatalog catalog = PriceCatalog.builtIn();
    Workload workload = new Workload(TokenCounts.load(tokenTrace), catalog, seed);
    long now = System.currentTimeMillis() * 1_000_000L;
    List<Span> all = new ArrayList<>();
    for (List<Span> trace : workload.traces(spans, now - 1_800_000_000_000L, 1_800_000_000_000L)) {
      all.addAll(trace);
    }
    Path target = dir != null ? dir : Files.createTempDirectory("tokentrail-bare-");
    try {
      Result r = index(enrich(all, catalog), target);
      System.out.printf("bare lucene: %d docs in %.2f s = %.0f docs/s, %.1f bytes/doc (%s)%n",
          r.docs(), r.nanos() / 1e9, r.docsPerSecond(), r.bytesPerDoc(), workload.tokenSource());
    } finally {
      if (dir == null) {
        deleteRecursively(target);
      }
    }
    return 0;
  }

  /** The spans as ingest stores them: enriched with canonical attributes and cost. */
  public static List<Span> enrich(List<Span> spans, PriceCatalog catalog) {
    LlmSpanEnricher enricher =
        LlmSpanEnricher.create(GenAiNormalizer.create(AttributionKeys.DEFAULT), new CostCalculator(catalog));
    List<Span> out = new ArrayList<>(spans.size());
    for (Span span : spans) {
      out.add(enricher.enrich(span).span());
    }
    return out;
  }

  /** Indexes {@code spans} (whole traces) into a new index in {@code dir} with one thread per core. */
  public static Result index(List<Span> spans, Path dir) throws IOException {
    return index(spans, dir, Runtime.getRuntime().availableProcessors());
  }

  /** Indexes {@code spans}, whose traces are contiguous runs, with {@code threads} threads. */
  public static Result index(List<Span> spans, Path dir, int threads) throws IOException {
    List<List<Span>> traces = new ArrayList<>();
    int from = 0;
    for (int i = 1; i <= spans.size(); i++) {
      if (i == spans.size() || !spans.get(i).traceId().equals(spans.get(from).traceId())) {
        traces.add(spans.subList(from, i));
        from = i;
      }
    }
    return indexTraces(traces, dir, threads);
  }

  /**
   * Indexes whole {@code traces} as they come (a list, or a stream generated while indexing) into
   * a new index in {@code dir}: {@code threads} threads each take the next trace and add its
   * spans' documents, then one commit.
   */
  public static Result indexTraces(Iterable<List<Span>> traces, Path dir, int threads) throws IOException {
    Iterator<List<Span>> source = traces.iterator();
    Files.createDirectories(dir);
    try (Directory directory = FSDirectory.open(dir)) {
      IndexWriterConfig config = new IndexWriterConfig();
      config.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
      config.setRAMBufferSizeMB(64);
      AtomicLong docs = new AtomicLong();
      long start = System.nanoTime();
      try (IndexWriter writer = new IndexWriter(directory, config)) {
        List<Thread> workers = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
          workers.add(Thread.ofPlatform().name("bare-lucene-" + t).start(() -> {
            try {
              PlainSpanDocuments documents = new PlainSpanDocuments();
              for (List<Span> trace = next(source); trace != null && failure.get() == null; trace = next(source)) {
                long traceStart = Long.MAX_VALUE;
                for (Span span : trace) {
                  traceStart = Math.min(traceStart, span.startEpochNanos());
                }
                for (Span span : trace) {
                  writer.addDocument(documents.toDocument(span, traceStart));
                }
                docs.addAndGet(trace.size());
              }
            } catch (Throwable e) {
              failure.compareAndSet(null, e);
            }
          }));
        }
        join(workers);
        if (failure.get() != null) {
          throw new IOException("indexing failed: " + failure.get(), failure.get());
        }
        writer.commit();
        long nanos = System.nanoTime() - start;
        writer.close();
        return new Result(docs.get(), nanos, sizeOf(dir));
      }
    }
  }

  private static List<Span> next(Iterator<List<Span>> source) {
    synchronized (source) {
      return source.hasNext() ? source.next() : null;
    }
  }

  private static void join(List<Thread> workers) throws IOException {
    for (Thread worker : workers) {
      try {
        worker.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while indexing", e);
      }
    }
  }

  /** Bytes of all regular files under {@code dir}. */
  public static long sizeOf(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0; // deleted by a merge while walking
        }
      }).sum();
    }
  }

  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
