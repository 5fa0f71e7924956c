package dev.tokentrail.store.lucene;

import dev.tokentrail.benchmarks.TokenCounts;
import dev.tokentrail.benchmarks.Workload;
import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.Span;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.store.StoreOverloadedException;
import dev.tokentrail.store.Tenants;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.lucene.codecs.CompoundDirectory;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.SlowCodecReaderWrapper;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Where a store's bytes go: indexes N spans of the standard {@link Workload} (enriched as ingest
 * does) through a real {@link LuceneSpanStore}, or opens a kept data directory, then prints bytes
 * per span by Lucene file extension (compound files opened) and by field, each field group written
 * alone into a fresh index with the store's codec.
 */
@Command(
    name = "index-bytes",
    mixinStandardHelpOptions = true,
    description = "Bytes per span of a LuceneSpanStore by file extension and by field.")
public final class IndexBytes implements Callable<Integer> {
  private static final int BATCH = 2_000;
  private static final int IN_FLIGHT = 8;

  @Option(names = "--spans", defaultValue = "300000", description = "Spans to index (whole traces; default ${DEFAULT-VALUE}).")
  long spans;

  @Option(names = "--data-dir", description = "Store directory: loaded when empty, measured as it is otherwise (default: a temp dir, deleted).")
  Path dataDir;

  @Option(names = "--seed", defaultValue = "1", description = "Workload seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--no-fields", description = "Skip the per-field breakdown.")
  boolean noFields;

  public static void main(String[] args) {
    System.exit(new CommandLine(new IndexBytes()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    boolean temp = dataDir == null;
    Path dir = temp ? Files.createTempDirectory("index-bytes") : dataDir;
    try {
      long spanCount;
      if (Files.isDirectory(dir.resolve("index"))) {
        spanCount = countSpans(dir.resolve("index"));
        System.out.printf("measuring %s as it is%n", dir);
      } else {
        spanCount = load(dir, spans, seed);
      }
      List<Path> parts = partitionDirs(dir.resolve("index"));
      System.out.printf("%,d spans in %d partition(s)%n", spanCount, parts.size());
      byExtension(parts, spanCount);
      if (!noFields) {
        byField(parts, spanCount);
      }
    } finally {
      if (temp) {
        deleteTree(dir);
      }
    }
    return 0;
  }

  /** Loads whole traces of the workload (starts spread over the last 30 minutes) and closes the store. */
  static long load(Path dir, long spans, long seed) throws IOException, InterruptedException {
    PriceCatalog catalog = PriceCatalog.builtIn();
    Workload workload = new Workload(TokenCounts.load(TokenCounts.DEFAULT_FILE), catalog, seed);
    LlmSpanEnricher enricher =
        LlmSpanEnricher.create(GenAiNormalizer.create(AttributionKeys.DEFAULT), new CostCalculator(catalog));
    long end = System.currentTimeMillis() * 1_000_000L;
    long window = Duration.ofMinutes(30).toNanos();
    long step = Math.max(1, window / Math.max(1, spans / 27));
    long at = end - window;
    long loaded = 0;
    long began = System.nanoTime();
    Deque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
    try (LuceneSpanStore store = LuceneSpanStore.builder(dir).maxQueuedSpans(400_000).open()) {
      while (loaded < spans) {
        List<Span> batch = new ArrayList<>(BATCH + 50);
        while (batch.size() < BATCH && loaded + batch.size() < spans) {
          for (Span s : workload.nextTrace(at)) {
            batch.add(enricher.enrich(s).span());
          }
          at += step;
        }
        if (inFlight.size() >= IN_FLIGHT) {
          inFlight.removeFirst().join();
        }
        inFlight.addLast(submit(store, batch));
        loaded += batch.size();
      }
      while (!inFlight.isEmpty()) {
        inFlight.removeFirst().join();
      }
    }
    System.out.printf("loaded %,d spans in %.1f s (%s)%n", loaded, (System.nanoTime() - began) / 1e9, workload.tokenSource());
    return loaded;
  }

  private static CompletableFuture<Void> submit(LuceneSpanStore store, List<Span> batch) throws InterruptedException {
    while (true) {
      CompletableFuture<Void> f = store.accept(Tenants.DEFAULT, StoredCalls.ingested(batch));
      try {
        if (!f.isCompletedExceptionally()) {
          return f;
        }
        f.getNow(null);
      } catch (CompletionException e) {
        if (!(e.getCause() instanceof StoreOverloadedException)) {
          throw e;
        }
      }
      Thread.sleep(20);
    }
  }

  static List<Path> partitionDirs(Path indexRoot) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(indexRoot, Files::isDirectory)) {
      dirs.forEach(out::add);
    }
    out.sort(null);
    return out;
  }

  static long countSpans(Path indexRoot) throws IOException {
    long n = 0;
    for (Path p : partitionDirs(indexRoot)) {
      try (Directory d = FSDirectory.open(p); DirectoryReader r = DirectoryReader.open(d)) {
        n += r.docFreq(new org.apache.lucene.index.Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN));
      }
    }
    return n;
  }

  /** Bytes per span by file extension, compound files opened. */
  private static void byExtension(List<Path> parts, long spanCount) throws IOException {
    Map<String, Long> bytes = new TreeMap<>();
    for (Path p : parts) {
      try (Directory d = FSDirectory.open(p)) {
        SegmentInfos infos = SegmentInfos.readLatestCommit(d);
        bytes.merge("segments_N", d.fileLength(infos.getSegmentsFileName()), Long::sum);
        for (SegmentCommitInfo sci : infos) {
          for (String file : sci.files()) {
            if (sci.info.getUseCompoundFile() && file.endsWith(".cfs")) {
              try (CompoundDirectory cfs = sci.info.getCodec().compoundFormat().getCompoundReader(d, sci.info)) {
                for (String inner : cfs.listAll()) {
                  bytes.merge(IndexFileNames.getExtension(inner), cfs.fileLength(inner), Long::sum);
                }
              }
            } else if (!file.endsWith(".cfe")) {
              bytes.merge(IndexFileNames.getExtension(file), d.fileLength(file), Long::sum);
            }
          }
        }
      }
    }
    long total = bytes.values().stream().mapToLong(Long::longValue).sum();
    System.out.printf("%nby file extension (%,d bytes = %.1f B/span)%n", total, (double) total / spanCount);
    bytes.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> System.out.printf("  %-10s %-34s %8.1f B/span%n", e.getKey(), describe(e.getKey()), (double) e.getValue() / spanCount));
  }

  private static String describe(String extension) {
    return switch (extension) {
      case "fdt", "fdx", "fdm" -> "stored fields";
      case "dvd", "dvm" -> "doc values";
      case "tim", "tip", "tmd" -> "terms dictionary";
      case "doc", "pos", "pay", "psm" -> "postings";
      case "kdd", "kdi", "kdm" -> "points";
      case "nvd", "nvm" -> "norms";
      case "fnm" -> "field infos";
      case "liv" -> "live docs (deletes)";
      default -> "";
    };
  }

  /**
   * Bytes per span by field: each fixed field alone, attribute fields by prefix, rollup fields
   * together, each written alone into a fresh in-memory index (one segment) with addIndexes.
   */
  private static void byField(List<Path> parts, long spanCount) throws IOException {
    Map<String, Predicate<String>> groups = new TreeMap<>();
    TreeSet<String> names = new TreeSet<>();
    for (Path p : parts) {
      try (Directory d = FSDirectory.open(p); DirectoryReader r = DirectoryReader.open(d)) {
        for (LeafReaderContext leaf : r.leaves()) {
          for (FieldInfo fi : leaf.reader().getFieldInfos()) {
            names.add(fi.name);
          }
        }
      }
    }
    for (String name : names) {
      String group = groupOf(name);
      groups.putIfAbsent(group, n -> groupOf(n).equals(group));
    }
    System.out.printf("%nby field (each written alone, one segment; B/span; all segments merged, so the sum is below the total)%n");
    System.out.printf("  %-22s %8s %8s %8s %8s %8s%n", "field", "total", "stored", "docvals", "terms", "points");
    Map<String, double[]> rows = new TreeMap<>();
    for (Map.Entry<String, Predicate<String>> g : groups.entrySet()) {
      rows.put(g.getKey(), sizeOf(parts, g.getValue(), spanCount));
    }
    double[] sum = new double[5];
    rows.entrySet().stream()
        .sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
        .forEach(e -> {
          double[] v = e.getValue();
          for (int i = 0; i < 5; i++) {
            sum[i] += v[i];
          }
          System.out.printf("  %-22s %8.1f %8.1f %8.1f %8.1f %8.1f%n", e.getKey(), v[0], v[1], v[2], v[3], v[4]);
        });
    System.out.printf("  %-22s %8.1f %8.1f %8.1f %8.1f %8.1f%n", "(sum)", sum[0], sum[1], sum[2], sum[3], sum[4]);
  }

  private static String groupOf(String field) {
    if (field.startsWith("t.") || field.equals("type")) {
      return field.equals("t.summary") ? "t.summary (stored)" : field.startsWith("t.") ? "t.* rollups" : field;
    }
    for (String prefix : new String[] {SpanDocuments.SPAN_NUM, SpanDocuments.RESOURCE_NUM, SpanDocuments.SPAN_ATTR, SpanDocuments.RESOURCE_ATTR}) {
      if (field.startsWith(prefix)) {
        return prefix + "*";
      }
    }
    return field;
  }

  /** {total, stored, doc values, terms + postings, points} in B/span of the kept fields alone. */
  private static double[] sizeOf(List<Path> parts, Predicate<String> keep, long spanCount) throws IOException {
    long[] bytes = new long[5];
    for (Path p : parts) {
      try (Directory src = FSDirectory.open(p);
          DirectoryReader r = DirectoryReader.open(src);
          ByteBuffersDirectory out = new ByteBuffersDirectory()) {
        IndexWriterConfig config = new IndexWriterConfig().setUseCompoundFile(false).setCodec(new SpanCodec());
        try (IndexWriter w = new IndexWriter(out, config)) {
          List<CodecReader> readers = new ArrayList<>();
          for (LeafReaderContext leaf : r.leaves()) {
            readers.add(SlowCodecReaderWrapper.wrap(new FieldSubsetReader(leaf.reader(), keep)));
          }
          w.addIndexes(readers.toArray(new CodecReader[0]));
          w.commit();
        }
        for (String file : out.listAll()) {
          long len = out.fileLength(file);
          String extension = IndexFileNames.getExtension(file);
          String kind = extension == null ? "" : describe(extension);
          int slot = switch (kind) {
            case "stored fields" -> 1;
            case "doc values" -> 2;
            case "terms dictionary", "postings" -> 3;
            case "points" -> 4;
            default -> -1;
          };
          if (slot > 0) {
            bytes[slot] += len;
            bytes[0] += len;
          }
        }
      }
    }
    double[] out = new double[5];
    for (int i = 0; i < 5; i++) {
      out[i] = (double) bytes[i] / spanCount;
    }
    return out;
  }

  static void deleteTree(Path dir) throws IOException {
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
