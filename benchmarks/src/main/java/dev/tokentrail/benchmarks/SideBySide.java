package dev.tokentrail.benchmarks;

import dev.tokentrail.benchmarks.lucene.BareLuceneBaseline;
import dev.tokentrail.benchmarks.lucene.BareLuceneSearches;
import dev.tokentrail.store.opensearch.testing.OpenSearchNode;
import dev.tokentrail.pricing.PriceCatalog;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * TokenTrail, a bare Lucene loop, a real OpenSearch node and TokenTrail storing in that node
 * ({@code store.type=opensearch}, its own index prefix) on the same generated spans: ingest
 * throughput (acknowledged, and acknowledged-and-searchable), bytes per span on disk, and the
 * latency of five reference searches, printed as one table with the ratios. Checks that every
 * contender returns the same traces.
 */
@Command(
    name = "side-by-side",
    mixinStandardHelpOptions = true,
    description = "Ingests the same spans into TokenTrail, bare Lucene and OpenSearch and compares throughput, size and search latency.")
public final class SideBySide implements Callable<Integer> {
  @Option(names = "--spans", defaultValue = "1000000", description = "Spans, in whole traces of 5-50 (default ${DEFAULT-VALUE}).")
  int spans;

  @Option(names = "--inflight", defaultValue = "4", description = "OTLP exports (and OpenSearch bulk requests) in flight (default ${DEFAULT-VALUE}).")
  int inflight;

  @Option(names = "--batch-size", defaultValue = "512", description = "Spans per OTLP export (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--bulk-mb", defaultValue = "8", description = "Approximate size of one OpenSearch _bulk body in MB (default ${DEFAULT-VALUE}).")
  int bulkMb;

  @Option(names = "--seed", defaultValue = "1", description = "Workload seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--token-trace", defaultValue = TokenCounts.DEFAULT_FILE, description = "Token counts: Azure CSV or Mooncake JSONL (default ${DEFAULT-VALUE}).")
  String tokenTrace;

  @Option(names = "--queries", defaultValue = "200", description = "Timed repetitions per reference search, after the warm-up (default ${DEFAULT-VALUE}).")
  int queries;

  @Option(names = "--warmup", defaultValue = "20", description = "Untimed repetitions per reference search first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--query-budget", defaultValue = "PT30S",
      description = "Stop timing a search early (after at least 10 runs) once it used this much (default ${DEFAULT-VALUE}).")
  Duration queryBudget;

  @Option(names = "--skip-tokentrail", description = "Leave out the TokenTrail server.")
  boolean skipTokenTrail;

  @Option(names = "--skip-lucene", description = "Leave out the bare Lucene loop.")
  boolean skipLucene;

  @Option(names = "--skip-opensearch", description = "Leave out OpenSearch (and TokenTrail on OpenSearch).")
  boolean skipOpenSearch;

  @Option(names = "--skip-tokentrail-opensearch",
      description = "Leave out the TokenTrail server storing in the OpenSearch node (store.type=opensearch).")
  boolean skipTokenTrailOpenSearch;

  @Option(names = "--opensearch-home", description = "An unpacked OpenSearch distribution to run (instead of the zip).")
  Path openSearchHome;

  @Option(names = "--opensearch-zip",
      description = "The OpenSearch distribution zip (default: the one `mvn -Popensearch -DskipTests package -pl benchmarks -am` puts in benchmarks/target/opensearch/).")
  Path openSearchZip;

  @Option(names = "--opensearch-heap", defaultValue = "1g", description = "OpenSearch heap, -Xms and -Xmx (default ${DEFAULT-VALUE}).")
  String openSearchHeap;

  @Mixin
  ServerOptions serverOptions = new ServerOptions();

  @Option(names = "--jfr", description = "Record a JFR profile of each TokenTrail server (on Lucene, on OpenSearch) during ingest and print its hot methods.")
  boolean jfr;

  @Option(names = "--stream",
      description = "Generate the spans again for each contender while it runs instead of holding them (automatic above 2,000,000 spans).")
  boolean stream;

  @Option(names = "--force-merge",
      description = "After the OpenSearch columns, force-merge their indices to one segment each and print their bytes/span then.")
  boolean forceMerge;

  @Option(names = "--keep-data", description = "Keep the temporary directories (server log, indexes, OpenSearch logs).")
  boolean keepData;

  private static final int STREAM_ABOVE = 2_000_000;

  /** One contender's line of the table. */
  record Row(String name, long spans, double ackedPerSecond, double searchablePerSecond, double bytesPerSpan,
      Map<ReferenceQueries.Kind, ReferenceQueries.Timing> timings, String note) {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new SideBySide()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (spans <= 0 || inflight <= 0 || batchSize <= 0 || queries <= 0 || warmup < 0 || bulkMb <= 0) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--spans, --inflight, --batch-size, --queries, --bulk-mb: expected > 0; --warmup: expected >= 0");
    }
    System.out.printf("machine: %d cores, load average %s, java %s%n", Runtime.getRuntime().availableProcessors(), loadAverage(),
        Runtime.version());
    // 1. The workload: built before any clock starts, or generated again for each contender.
    PriceCatalog catalog = PriceCatalog.builtIn();
    TokenCounts tokens = TokenCounts.load(tokenTrace);
    long now = System.currentTimeMillis() * 1_000_000L;
    long from = now - 1_800_000_000_000L;
    boolean streamed = stream || spans > STREAM_ABOVE;
    TraceSource source =
        streamed
            ? TraceSource.streamed(tokens, catalog, seed, spans, from, 1_800_000_000_000L)
            : TraceSource.inMemory(tokens, catalog, seed, spans, from, 1_800_000_000_000L);
    ReferenceQueries reference = ReferenceQueries.pick(source.enriched());
    System.out.printf("workload: %,d spans or a few more (whole traces), tokens from %s, %s%nreference searches (newest %d traces, by trace start):%n%s",
        spans, tokens.source(), streamed ? "streamed: generated again for each contender while it runs" : "held in memory, generated before the clocks start",
        ReferenceQueries.LIMIT, reference.describe(source.enriched()));
    long windowStart = from / 1_000_000_000L - 60;
    long windowEnd = now / 1_000_000_000L + 3_600;
    long budget = queryBudget.toNanos();

    List<Row> rows = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    try {
      if (!skipTokenTrail) {
        Iterable<List<SpanData>> batches = source.sdkBatches(batchSize);
        Path dir = temp("tokentrail-sbs-server-", dirs);
        rows.add(TokenTrailContender.run(
            new TokenTrailContender.Settings(serverOptions.java, serverOptions.jvmArgs, serverOptions.serverJar, dir, inflight, jfr, warmup, queries, budget,
                TokenTrailContender.Store.lucene()),
            batches, source.lastTrace(), reference, windowStart, windowEnd));
      }
      if (!skipLucene) {
        Path dir = temp("tokentrail-sbs-lucene-", dirs);
        int threads = Runtime.getRuntime().availableProcessors();
        BareLuceneBaseline.Result r = BareLuceneBaseline.indexTraces(source.enriched(), dir, threads);
        System.out.printf(Locale.ROOT, "bare lucene: %,d docs in %.2f s with %d threads, %,d bytes%n", r.docs(), r.nanos() / 1e9, threads, r.bytes());
        try (BareLuceneSearches searches = BareLuceneSearches.open(dir, reference)) {
          rows.add(new Row("bare Lucene", r.docs(), r.docsPerSecond(), r.docsPerSecond(), r.bytesPerDoc(),
              ReferenceQueries.time(searches::run, warmup, queries, budget), ""));
        }
      }
      if (!skipOpenSearch) {
        OpenSearchContender.OnSameNode onOpenSearch = skipTokenTrailOpenSearch ? null : url -> {
          Path dir = temp("tokentrail-sbs-server-os-", dirs);
          return TokenTrailContender.run(
              new TokenTrailContender.Settings(serverOptions.java, serverOptions.jvmArgs, serverOptions.serverJar, dir, inflight, jfr, warmup, queries, budget,
                  TokenTrailOnOpenSearch.store(url)),
              source.sdkBatches(batchSize), source.lastTrace(), reference, windowStart, windowEnd);
        };
        rows.addAll(OpenSearchContender.run(openSearchConfig(dirs), source, reference, inflight, bulkMb << 20, warmup,
            queries, budget, onOpenSearch, forceMerge));
      }
    } finally {
      for (Path dir : dirs) {
        if (keepData) {
          System.out.println("kept " + dir);
        } else {
          BareLuceneBaseline.deleteRecursively(dir);
        }
      }
    }
    System.out.printf("%nload average at the end: %s%n%n", loadAverage());
    System.out.print(ResultTable.render(rows));
    boolean agree = ResultTable.checkSameTraces(rows);
    boolean complete = rows.stream().allMatch(r -> r.note().isEmpty());
    return agree && complete ? 0 : 1;
  }

  /** The OpenSearch node's config, or null (with the reason printed) when it cannot run here. */
  private OpenSearchNode.Config openSearchConfig(List<Path> dirs) throws IOException {
    Path distribution = openSearchHome != null ? openSearchHome : openSearchZip != null ? openSearchZip : defaultZip();
    if (distribution == null || !Files.exists(distribution)) {
      System.out.println("opensearch: skipped: no distribution at " + (distribution != null ? distribution : "benchmarks/target/opensearch/opensearch-*.zip")
          + "; fetch it with `mvn -B -q -Popensearch -DskipTests package -pl benchmarks -am`, or pass --opensearch-zip / --opensearch-home");
      return null;
    }
    Path javaHome = Path.of(System.getProperty("java.home"));
    if (Runtime.version().feature() < 21) {
      System.out.println("opensearch: skipped: it needs Java 21 or newer; run this with JDK 21+ (running " + Runtime.version() + ")");
      return null;
    }
    Path work = Files.createTempDirectory("tokentrail-sbs-opensearch-");
    dirs.add(work);
    OpenSearchNode.Config defaults = OpenSearchNode.Config.singleNode(distribution, work, javaHome);
    return new OpenSearchNode.Config(distribution, work, javaHome, openSearchHeap, defaults.runAsUser(), true, Map.of(), defaults.startTimeout());
  }

  /** The newest distribution zip the opensearch profile fetched into benchmarks/target/opensearch, or null. */
  static Path defaultZip() throws IOException {
    Path dir = Path.of("benchmarks", "target", "opensearch");
    if (!Files.isDirectory(dir)) {
      return null;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().matches("opensearch-.*\\.zip")).sorted().reduce((a, b) -> b).orElse(null);
    }
  }

  private static Path temp(String prefix, List<Path> dirs) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    dirs.add(dir);
    return dir;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }
}
