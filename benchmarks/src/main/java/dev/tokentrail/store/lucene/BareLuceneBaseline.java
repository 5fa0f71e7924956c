package dev.tokentrail.store.lucene;

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
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.lucene.index.ConcurrentMergeScheduler;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What Lucene alone does with the store's documents: the same enriched spans turned into the same
 * documents by the store's codec ({@code SpanDocuments}, hence this package), added by one thread
 * to one {@link IndexWriter} configured as a store partition is, with no write-ahead log, no
 * rollups, no refreshes and one commit at the end. The load generator divides its figures by
 * these.
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

  /** Indexes {@code spans} into a new index in {@code dir}: build document, add, commit once. */
  public static Result index(List<Span> spans, Path dir) throws IOException {
    Files.createDirectories(dir);
    try (Directory directory = FSDirectory.open(dir)) {
      IndexWriterConfig config = new IndexWriterConfig();
      config.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
      config.setRAMBufferSizeMB(64); // as LuceneSpanStore's default
      ConcurrentMergeScheduler merges = new ConcurrentMergeScheduler();
      merges.setMaxMergesAndThreads(2, 1);
      config.setMergeScheduler(merges);
      long start = System.nanoTime();
      try (IndexWriter writer = new IndexWriter(directory, config)) {
        // One reused builder, as each of the store's indexing threads has.
        SpanDocumentBuilder builder = new SpanDocumentBuilder();
        for (Span span : spans) {
          writer.addDocument(builder.build(dev.tokentrail.store.Tenants.DEFAULT, span,
              dev.tokentrail.genai.StoredCalls.read(span), SpanDocuments.encode(span), null));
        }
        writer.commit();
        long nanos = System.nanoTime() - start;
        writer.close();
        return new Result(spans.size(), nanos, sizeOf(dir));
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
