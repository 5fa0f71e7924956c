package dev.tokentrail.store.lucene;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.query.traceql.TraceQl;
import dev.tokentrail.query.traceql.TraceQlParser;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SlowCodecReaderWrapper;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The read cost of stored-field layouts on the same spans: copies a store's partitions once per
 * codec, each merged into one segment (Lucene's codec or the store's {@link SpanCodec}, each with
 * fast LZ4 or high DEFLATE stored-field compression), then times, alternating between the copies, {@code
 * getTrace} of random traces and a search returning 20 traces with 3 matched spans each, both of
 * which decode stored spans.
 */
@Command(
    name = "stored-reads",
    mixinStandardHelpOptions = true,
    description = "getTrace and search latency over LZ4 vs DEFLATE stored fields (Lucene codec vs the store's) of the same spans.")
public final class StoredReads implements Callable<Integer> {
  @Option(names = "--data-dir", required = true, description = "Store directory: loaded with --spans when it has no index yet.")
  Path dataDir;

  @Option(names = "--spans", defaultValue = "300000", description = "Spans to load into an empty --data-dir (default ${DEFAULT-VALUE}).")
  long spans;

  @Option(names = "--codecs", split = ",", defaultValue = "lucene-lz4,lucene-deflate,span-lz4,span-deflate",
      description = "Copies to compare (default ${DEFAULT-VALUE}).")
  List<String> codecs;

  @Option(names = "--runs", defaultValue = "400", description = "Timed runs of each read per copy (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup", defaultValue = "100", description = "Untimed runs first (default ${DEFAULT-VALUE}).")
  int warmup;

  public static void main(String[] args) {
    System.exit(new CommandLine(new StoredReads()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(dataDir.resolve("index"))) {
      IndexBytes.load(dataDir, spans, 1);
    }
    long spanCount = IndexBytes.countSpans(dataDir.resolve("index"));
    String[] modes = codecs.toArray(new String[0]);
    Path[] copies = new Path[modes.length];
    for (int i = 0; i < modes.length; i++) {
      copies[i] = dataDir.resolveSibling(dataDir.getFileName() + "-" + modes[i]);
      if (!Files.isDirectory(copies[i].resolve("index"))) {
        copy(dataDir.resolve("index"), copies[i].resolve("index"), codecFor(modes[i]));
      }
      System.out.printf("%-15s %s: %.1f B/span (one segment per partition)%n", modes[i], copies[i],
          (double) sizeOf(copies[i].resolve("index")) / spanCount);
    }
    LuceneSpanStore[] stores = new LuceneSpanStore[modes.length];
    try {
      for (int i = 0; i < modes.length; i++) {
        stores[i] = LuceneSpanStore.builder(copies[i]).open();
      }
      long to = System.currentTimeMillis() * 1_000_000L + 3_600_000_000_000L;
      TraceSearch all = new TraceSearch(Spansets.of(SpanFilter.all()), List.of(), 1, to, 0, 0, 1_000, 1, TraceSearch.Order.NEWEST);
      List<TraceId> traceIds = stores[0].search(Tenants.DEFAULT, all).stream().map(m -> m.summary().traceId()).toList();
      TraceQl llm = TraceQlParser.parse("{ span.tokentrail.llm_call = true }");
      TraceSearch search = new TraceSearch(llm.spansets(), llm.aggregates(), 1, to, 0, 0, 20, 3, TraceSearch.Order.NEWEST);
      List<TraceMatch> sample = stores[0].search(Tenants.DEFAULT, search);
      System.out.printf("search %s: %d traces, %d spans decoded%n", "{ span.tokentrail.llm_call = true } limit 20 spss 3",
          sample.size(), sample.stream().mapToInt(m -> m.matchedSpans().size()).sum());
      SplittableRandom random = new SplittableRandom(7);
      long[][] getTrace = new long[modes.length][];
      long[][] searches = new long[modes.length][];
      int[] spansSeen = new int[modes.length];
      for (int s = 0; s < modes.length; s++) {
        getTrace[s] = new long[runs];
        searches[s] = new long[runs];
      }
      for (int run = -warmup; run < runs; run++) {
        TraceId traceId = traceIds.get(random.nextInt(traceIds.size()));
        for (int s = 0; s < modes.length; s++) {
          LuceneSpanStore store = stores[s];
          long t0 = System.nanoTime();
          int n = store.getTrace(Tenants.DEFAULT, traceId, 0, 0).size();
          long t1 = System.nanoTime();
          store.search(Tenants.DEFAULT, search);
          long t2 = System.nanoTime();
          if (run >= 0) {
            getTrace[s][run] = t1 - t0;
            searches[s][run] = t2 - t1;
            spansSeen[s] += n;
          }
        }
      }
      for (int s = 0; s < modes.length; s++) {
        System.out.printf("%-15s getTrace (%.1f spans avg) p50 %.3f ms p90 %.3f ms | search p50 %.3f ms p90 %.3f ms%n",
            modes[s], (double) spansSeen[s] / runs, pct(getTrace[s], 50), pct(getTrace[s], 90), pct(searches[s], 50), pct(searches[s], 90));
      }
    } finally {
      for (LuceneSpanStore store : stores) {
        if (store != null) {
          store.close();
        }
      }
    }
    return 0;
  }

  /** Copies every partition of {@code from} into one segment written with {@code codec}. */
  static void copy(Path from, Path to, Supplier<Codec> codec) throws IOException {
    for (Path part : IndexBytes.partitionDirs(from)) {
      try (Directory src = FSDirectory.open(part);
          DirectoryReader r = DirectoryReader.open(src);
          Directory dst = FSDirectory.open(to.resolve(part.getFileName()))) {
        IndexWriterConfig config = new IndexWriterConfig().setCodec(codec.get());
        try (IndexWriter w = new IndexWriter(dst, config)) {
          List<CodecReader> readers = new ArrayList<>();
          for (LeafReaderContext leaf : r.leaves()) {
            readers.add(SlowCodecReaderWrapper.wrap(leaf.reader()));
          }
          w.addIndexes(readers.toArray(new CodecReader[0]));
          w.commit();
        }
      }
    }
  }

  /** {@code lucene-lz4}, {@code lucene-deflate}: Lucene's codec; {@code span-lz4}, {@code span-deflate}: the store's. */
  private static Supplier<Codec> codecFor(String name) {
    Lucene104Codec.Mode mode = name.endsWith("deflate") ? Lucene104Codec.Mode.BEST_COMPRESSION : Lucene104Codec.Mode.BEST_SPEED;
    return switch (name) {
      case "lucene-lz4", "lucene-deflate" -> () -> new Lucene104Codec(mode);
      case "span-lz4", "span-deflate" -> () -> new SpanCodec(mode);
      default -> throw new IllegalArgumentException("--codecs: " + name + " (expected: lucene-lz4, lucene-deflate, span-lz4, span-deflate)");
    };
  }

  static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static double pct(long[] nanos, int p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }
}
