package dev.tokentrail.store.lucene;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.benchmarks.lucene.BareLuceneBaseline;
import dev.tokentrail.benchmarks.TokenCounts;
import dev.tokentrail.benchmarks.Workload;
import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.model.Span;
import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.query.traceql.TraceQl;
import dev.tokentrail.query.traceql.TraceQlParser;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.StoreOverloadedException;
import dev.tokentrail.store.TagValue;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Search latency over a large store: loads the load generator's span mix (enriched as ingest
 * does) into a {@link LuceneSpanStore}, runs representative TraceQL searches, tag values and the
 * rollup ranking through the store's public API, and compares each with a naive full scan of the
 * stored spans answering the same question. Then an A/B of the two ways of grouping matched spans
 * by trace (per-segment ordinals + bitmap, as the store does, vs one hash lookup per span).
 */
@Command(
    name = "search-benchmark",
    mixinStandardHelpOptions = true,
    description = "Loads N workload spans into a LuceneSpanStore (or reuses --data-dir), then times TraceQL searches against a naive full scan.")
public final class SearchBenchmark implements Callable<Integer> {
  private static final String MARKER = "search-benchmark.properties";
  private static final int BATCH = 5_000;
  private static final int IN_FLIGHT = 8;
  private static final int LIMIT = 20;
  private static final int SPSS = 3;

  @Option(names = "--spans", defaultValue = "10000000", description = "Spans in the store (whole traces; default ${DEFAULT-VALUE}). A store with fewer is topped up.")
  long spans;

  @Option(names = "--data-dir", defaultValue = "/tmp/tokentrail-search-bench", description = "Store directory, reused when it holds enough spans (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--runs", defaultValue = "30", description = "Measured runs per query (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup", defaultValue = "5", description = "Warm-up runs per query (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--max-seconds-per-query", defaultValue = "120", description = "Stop measuring a query after this long (at least 5 runs; default ${DEFAULT-VALUE}).")
  int maxSecondsPerQuery;

  @Option(names = "--naive-runs", defaultValue = "1", description = "Naive full scans per query (default ${DEFAULT-VALUE}).")
  int naiveRuns;

  @Option(names = "--seed", defaultValue = "1", description = "Workload seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--hours", defaultValue = "20", description = "Trace start times spread over the last N hours (default ${DEFAULT-VALUE}).")
  int hours;

  @Option(names = "--partition-hours", defaultValue = "6", description = "Store partition duration in hours (default ${DEFAULT-VALUE}).")
  int partitionHours;

  @Option(names = "--input-tokens", defaultValue = "4000", description = "Threshold of the numeric range query (default ${DEFAULT-VALUE}; the Azure trace's inputs stop at 14,050).")
  long inputTokens;

  @Option(names = "--cost-threshold", defaultValue = "0.1", description = "Threshold of the sum(cost) pipeline (default ${DEFAULT-VALUE}).")
  double costThreshold;

  @Option(names = "--service-regex", defaultValue = "s.*", description = "Regex on resource.service.name (default ${DEFAULT-VALUE}).")
  String serviceRegex;

  @Option(names = "--token-trace", defaultValue = TokenCounts.DEFAULT_FILE, description = "Token counts: Azure CSV or Mooncake JSONL (default ${DEFAULT-VALUE}).")
  String tokenTrace;

  @Option(names = "--skip-naive", description = "Skip the naive full scans and the A/B.")
  boolean skipNaive;

  public static void main(String[] args) {
    System.exit(new CommandLine(new SearchBenchmark()).execute(args));
  }

  /** What the data dir holds: written after loading, and every ~1M spans while loading. */
  private record Loaded(long spans, long traces, long windowStart, long windowEnd, long seed, int partitionHours) {
    static Loaded read(Path file) throws IOException {
      if (!Files.exists(file)) {
        return null;
      }
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      }
      return new Loaded(
          Long.parseLong(p.getProperty("spans")), Long.parseLong(p.getProperty("traces")),
          Long.parseLong(p.getProperty("windowStart")), Long.parseLong(p.getProperty("windowEnd")),
          Long.parseLong(p.getProperty("seed")), Integer.parseInt(p.getProperty("partitionHours")));
    }

    void write(Path file) throws IOException {
      Properties p = new Properties();
      p.setProperty("spans", Long.toString(spans));
      p.setProperty("traces", Long.toString(traces));
      p.setProperty("windowStart", Long.toString(windowStart));
      p.setProperty("windowEnd", Long.toString(windowEnd));
      p.setProperty("seed", Long.toString(seed));
      p.setProperty("partitionHours", Integer.toString(partitionHours));
      Path tmp = file.resolveSibling(MARKER + ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp)) {
        p.store(out, "SearchBenchmark load state");
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private LuceneSpanStore openStore(int partitionHours) {
    return LuceneSpanStore.builder(dataDir)
        .partitionDuration(Duration.ofHours(partitionHours))
        .maxQueuedSpans(400_000)
        .open();
  }

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(dataDir);
    System.out.printf("JVM %s (%s), %d cores, max heap %d MB%n", Runtime.version(), System.getProperty("java.vm.name"),
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
    Loaded loaded = load();
    long from = loaded.windowStart;
    long to = loaded.windowEnd + Duration.ofHours(1).toNanos();
    System.out.printf("store: %,d spans in %,d traces, %s on disk, partitions %s%n", loaded.spans, loaded.traces,
        mb(BareLuceneBaseline.sizeOf(dataDir.resolve("index"))), partitionDirs());

    List<Row> rows = new ArrayList<>();
    Map<String, List<String>> storeTop = new LinkedHashMap<>();
    String model;
    String andQuery;
    try (LuceneSpanStore store = openStore(loaded.partitionHours)) {
      // (e) first: its most frequent value is the "popular model" of (a).
      FieldRef modelField = FieldRef.span("gen_ai.request.model");
      List<TagValue> values = store.tagValues(Tenants.DEFAULT, modelField, from, to, 50);
      model = values.get(0).value();
      System.out.printf("tag values of gen_ai.request.model: %d, top %s%n", values.size(), values.stream().limit(5).map(TagValue::value).toList());
      andQuery = "{ resource.service.name =~ \"" + serviceRegex + "\" } && { span.gen_ai.usage.input_tokens > " + inputTokens + " }";
      Map<String, String> queries = new LinkedHashMap<>();
      queries.put("a", "{ span.gen_ai.request.model = \"" + model + "\" }");
      queries.put("b", "{ span.gen_ai.usage.input_tokens > " + inputTokens + " }");
      queries.put("c", "{ resource.service.name =~ \"" + serviceRegex + "\" }");
      queries.put("d", "{ span.tokentrail.llm_call = true } | sum(span.tokentrail.cost.usd) > " + costThreshold);
      queries.put("&&", andQuery);
      queries.put("ab", "{ span.gen_ai.request.model = \"" + model + "\" && span.gen_ai.usage.input_tokens > " + inputTokens + " }");
      queries.put("g", "{ } | sum(span.tokentrail.cost.usd) > " + costThreshold);
      queries.put("h", "{ }");
      for (Map.Entry<String, String> q : queries.entrySet()) {
        TraceQl parsed = TraceQlParser.parse(q.getValue());
        TraceSearch search = new TraceSearch(parsed.spansets(), parsed.aggregates(), from, to, 0, 0, LIMIT, SPSS, TraceSearch.Order.NEWEST);
        List<TraceMatch>[] last = new List[1];
        long[] nanos = time(q.getKey(), () -> last[0] = store.search(Tenants.DEFAULT, search));
        storeTop.put(q.getKey(), last[0].stream().map(m -> m.summary().traceId().hex()).toList());
        rows.add(new Row(q.getKey(), q.getValue(), nanos, last[0].size()));
        System.out.printf("      answer %s: %s%n", q.getKey(), digest(last[0]));
      }
      List<TagValue>[] tv = new List[1];
      long[] tvNanos = time("e", () -> tv[0] = store.tagValues(Tenants.DEFAULT, modelField, from, to, 50));
      storeTop.put("e", tv[0].stream().map(TagValue::value).toList());
      rows.add(new Row("e", "tagValues(span.gen_ai.request.model, limit 50)", tvNanos, tv[0].size()));
      TraceSearch byCost = new TraceSearch(Spansets.of(SpanFilter.all()), List.of(), from, to, 0, 0, LIMIT, SPSS, TraceSearch.Order.COST);
      List<TraceMatch>[] top = new List[1];
      long[] fNanos = time("f", () -> top[0] = store.search(Tenants.DEFAULT, byCost));
      storeTop.put("f", top[0].stream().map(m -> m.summary().traceId().hex()).toList());
      System.out.printf("      answer f: %s%n", digest(top[0]));
      rows.add(new Row("f", "{ } ordered by cost (rollups), limit 20", fNanos, top[0].size()));
    }

    if (!skipNaive) {
      naiveAndAb(rows, storeTop, from, to, model);
    }
    printTable(rows, loaded);
    return 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Load

  private Loaded load() throws IOException, InterruptedException {
    Path marker = dataDir.resolve(MARKER);
    Loaded state = Loaded.read(marker);
    if (state != null && state.seed != seed) {
      throw new IllegalArgumentException("--seed: " + seed + " (expected: " + state.seed + ", the seed of the store in " + dataDir + ")");
    }
    if (state != null && state.spans >= spans) {
      System.out.printf("reusing %s: %,d spans already loaded%n", dataDir, state.spans);
      return state;
    }
    if (state == null) {
      long end = System.currentTimeMillis() * 1_000_000L;
      state = new Loaded(0, 0, end - Duration.ofHours(hours).toNanos(), end, seed, partitionHours);
    }
    PriceCatalog catalog = PriceCatalog.builtIn();
    Workload workload = new Workload(TokenCounts.load(tokenTrace), catalog, seed);
    LlmSpanEnricher enricher =
        LlmSpanEnricher.create(GenAiNormalizer.create(AttributionKeys.DEFAULT), new CostCalculator(catalog));
    // Start times uniform over the window from their own seeded stream, so a top-up continues it.
    SplittableRandom times = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 1);
    long window = state.windowEnd - state.windowStart;
    for (long i = 0; i < state.traces; i++) {
      workload.nextTrace(state.windowStart + times.nextLong(window));
    }
    System.out.printf("loading %,d spans into %s (%s; starting after %,d spans already there)%n",
        spans - state.spans, dataDir, workload.tokenSource(), state.spans);
    long loadedSpans = state.spans;
    long loadedTraces = state.traces;
    long ackedSpans = state.spans;
    long ackedTraces = state.traces;
    long nextMarker = ackedSpans + 1_000_000;
    long began = System.nanoTime();
    long llm = 0;
    record InFlight(CompletableFuture<Void> done, int spans, int traces) {}
    Deque<InFlight> inFlight = new ArrayDeque<>();
    try (LuceneSpanStore store = openStore(state.partitionHours)) {
      while (loadedSpans < spans) {
        List<Span> batch = new ArrayList<>(BATCH + 50);
        int traces = 0;
        while (batch.size() < BATCH && loadedSpans + batch.size() < spans) {
          for (Span s : workload.nextTrace(state.windowStart + times.nextLong(window))) {
            Span enriched = enricher.enrich(s).span();
            if (Boolean.TRUE.equals(enriched.attributes().get("tokentrail.llm_call"))) {
              llm++;
            }
            batch.add(enriched);
          }
          traces++;
        }
        if (inFlight.size() >= IN_FLIGHT) {
          InFlight done = inFlight.removeFirst();
          await(done.done);
          ackedSpans += done.spans;
          ackedTraces += done.traces;
        }
        inFlight.addLast(new InFlight(submit(store, batch), batch.size(), traces));
        loadedSpans += batch.size();
        loadedTraces += traces;
        if (ackedSpans >= nextMarker) {
          new Loaded(ackedSpans, ackedTraces, state.windowStart, state.windowEnd, seed, state.partitionHours).write(marker);
          double s = (System.nanoTime() - began) / 1e9;
          System.out.printf("  %,d spans acknowledged, %.0f spans/s so far (%.0f s)%n", ackedSpans, (ackedSpans - state.spans) / s, s);
          nextMarker += 1_000_000;
        }
      }
      while (!inFlight.isEmpty()) {
        InFlight done = inFlight.removeFirst();
        await(done.done);
        ackedSpans += done.spans;
        ackedTraces += done.traces;
      }
      double ackSeconds = (System.nanoTime() - began) / 1e9;
      System.out.printf("acknowledged %,d spans (%,d traces, %.1f %% LLM calls) in %.1f s = %.0f spans/s%n",
          ackedSpans - state.spans, ackedTraces - state.traces, 100.0 * llm / Math.max(1, ackedSpans - state.spans),
          ackSeconds, (ackedSpans - state.spans) / ackSeconds);
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    System.out.printf("indexed, rolled up and committed (store closed) after %.1f s = %.0f spans/s%n",
        seconds, (ackedSpans - state.spans) / seconds);
    Loaded done = new Loaded(ackedSpans, ackedTraces, state.windowStart, state.windowEnd, seed, state.partitionHours);
    done.write(marker);
    loadRate = String.format("%,d spans in %.0f s = %,.0f spans/s (acknowledged + indexed + committed)", ackedSpans - state.spans, seconds, (ackedSpans - state.spans) / seconds);
    return done;
  }

  private String loadRate;

  private static CompletableFuture<Void> submit(LuceneSpanStore store, List<Span> batch) throws InterruptedException {
    while (true) {
      CompletableFuture<Void> f = store.accept(Tenants.DEFAULT, StoredCalls.ingested(batch));
      if (!f.isCompletedExceptionally() || !(cause(f) instanceof StoreOverloadedException)) {
        return f;
      }
      Thread.sleep(20);
    }
  }

  private static Throwable cause(CompletableFuture<Void> f) {
    try {
      f.getNow(null);
      return null;
    } catch (java.util.concurrent.CompletionException e) {
      return e.getCause();
    }
  }

  private static void await(CompletableFuture<Void> f) throws InterruptedException {
    try {
      f.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("store refused a batch: " + e.getCause(), e.getCause());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Timing

  /** One measured query: latencies of the store, then the naive scan's. */
  private static final class Row {
    final String id;
    final String query;
    final long[] nanos;
    final int results;
    long naiveNanos;
    long matchedSpans = -1;
    int matchedTraces = -1;
    String agrees = "";

    Row(String id, String query, long[] nanos, int results) {
      this.id = id;
      this.query = query;
      this.nanos = nanos;
      this.results = results;
    }
  }

  /**
   * A digest of an answer that is stable across runs and builds (record hash codes are not: enums
   * hash by identity): trace summaries, matched counts, aggregate values and shown span ids.
   */
  static String digest(List<TraceMatch> matches) {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    for (TraceMatch m : matches) {
      StringBuilder b = new StringBuilder().append(m.summary()).append('|').append(m.matchedCount())
          .append('|').append(m.aggregates());
      for (Span s : m.matchedSpans()) {
        b.append('|').append(s.spanId());
      }
      crc.update(b.append('\n').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return String.format("%08x (%d traces)", crc.getValue(), matches.size());
  }

  private long[] time(String label, Runnable query) {
    for (int i = 0; i < warmup; i++) {
      query.run();
    }
    long budget = System.nanoTime() + maxSecondsPerQuery * 1_000_000_000L;
    long[] nanos = new long[runs];
    int n = 0;
    while (n < runs) {
      long t = System.nanoTime();
      query.run();
      nanos[n++] = System.nanoTime() - t;
      if (n >= 5 && System.nanoTime() > budget) {
        break;
      }
    }
    long[] out = Arrays.copyOf(nanos, n);
    Arrays.sort(out);
    System.out.printf("  %-3s p50 %8.2f ms  p99 %8.2f ms  (n=%d)%n", label, pct(out, 50) / 1e6, pct(out, 99) / 1e6, n);
    return out;
  }

  private static long pct(long[] sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  // ---------------------------------------------------------------------------------------------
  // Naive full scan and the grouping A/B, on read-only readers of the closed store's partitions

  private void naiveAndAb(List<Row> rows, Map<String, List<String>> storeTop, long from, long to, String model)
      throws IOException {
    List<DirectoryReader> readers = new ArrayList<>();
    for (Path dir : partitionDirs()) {
      readers.add(DirectoryReader.open(FSDirectory.open(dir)));
    }
    try {
      Pattern service = Pattern.compile(serviceRegex);
      Predicate<Span> a = s -> model.equals(s.attributes().get("gen_ai.request.model"));
      Predicate<Span> b = s -> s.attributes().get("gen_ai.usage.input_tokens") instanceof Number n && n.doubleValue() > inputTokens;
      Predicate<Span> c = s -> service.matcher(s.resource().serviceName()).matches();
      Predicate<Span> d = s -> Boolean.TRUE.equals(s.attributes().get("tokentrail.llm_call"));
      for (Row row : rows) {
        long best = Long.MAX_VALUE;
        List<String> naiveTop = null;
        for (int i = 0; i < naiveRuns; i++) {
          NaiveSpanScan.Result r;
          switch (row.id) {
            case "a" -> r = NaiveSpanScan.search(readers, from, to, a, null, null, false, LIMIT, SPSS);
            case "b" -> r = NaiveSpanScan.search(readers, from, to, b, null, null, false, LIMIT, SPSS);
            case "c" -> r = NaiveSpanScan.search(readers, from, to, c, null, null, false, LIMIT, SPSS);
            case "d" -> r = NaiveSpanScan.search(readers, from, to, d,
                s -> NaiveSpanScan.number(s.attributes().get("tokentrail.cost.usd")), v -> v > costThreshold, false, LIMIT, SPSS);
            case "&&" -> r = naiveAnd(readers, from, to, c, b);
            case "ab" -> r = NaiveSpanScan.search(readers, from, to, a.and(b), null, null, false, LIMIT, SPSS);
            case "g" -> r = NaiveSpanScan.search(readers, from, to, s -> true,
                s -> NaiveSpanScan.number(s.attributes().get("tokentrail.cost.usd")), v -> v > costThreshold, false, LIMIT, SPSS);
            case "h" -> r = NaiveSpanScan.search(readers, from, to, s -> true, null, null, false, LIMIT, SPSS);
            case "f" -> r = NaiveSpanScan.search(readers, from, to, s -> true, null, null, true, LIMIT, SPSS);
            case "e" -> {
              Map.Entry<List<String>, Long> tv = NaiveSpanScan.tagValues(readers, "gen_ai.request.model", 50);
              r = new NaiveSpanScan.Result(tv.getKey(), -1, -1, -1, tv.getValue());
            }
            default -> throw new AssertionError(row.id);
          }
          best = Math.min(best, r.nanos());
          naiveTop = r.traceIds();
          row.matchedSpans = r.matchedSpans();
          row.matchedTraces = r.matchedTraces();
        }
        row.naiveNanos = best;
        List<String> ours = storeTop.get(row.id);
        row.agrees = row.id.equals("e")
            ? (new HashSet<>(ours).equals(new HashSet<>(naiveTop)) ? "same set" : "same top-1: " + ours.get(0).equals(naiveTop.get(0)))
            : (ours.equals(naiveTop) ? "same" : "DIFFERENT");
        System.out.printf("  naive %-3s %8.1f s, %,d spans / %,d traces matched, results %s%n", row.id, best / 1e9,
            row.matchedSpans, row.matchedTraces, row.agrees);
      }
      ab(readers, from, to);
    } finally {
      for (DirectoryReader r : readers) {
        r.close();
      }
    }
  }

  /** {@code &&} by full scan: traces with a span matching each side; matched spans of both kept. */
  private static NaiveSpanScan.Result naiveAnd(List<DirectoryReader> readers, long from, long to, Predicate<Span> left, Predicate<Span> right)
      throws IOException {
    long began = System.nanoTime();
    Map<TraceId, long[]> traces = new java.util.HashMap<>(); // start, left count, right count
    long[] matched = new long[1];
    long scanned = NaiveSpanScan.forEachSpan(readers, span -> {
      long[] t = traces.computeIfAbsent(span.traceId(), k -> new long[] {Long.MAX_VALUE, 0, 0});
      t[0] = Math.min(t[0], span.startEpochNanos());
      if (span.startEpochNanos() < from || span.startEpochNanos() > to) {
        return;
      }
      boolean l = left.test(span);
      boolean r = right.test(span);
      t[1] += l ? 1 : 0;
      t[2] += r ? 1 : 0;
      matched[0] += (l || r) ? 1 : 0;
    });
    List<Map.Entry<TraceId, long[]>> hits = new ArrayList<>();
    for (Map.Entry<TraceId, long[]> e : traces.entrySet()) {
      if (e.getValue()[1] > 0 && e.getValue()[2] > 0) {
        hits.add(e);
      }
    }
    hits.sort((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0]));
    List<String> ids = hits.stream().limit(LIMIT).map(e -> e.getKey().hex()).toList();
    return new NaiveSpanScan.Result(ids, matched[0], hits.size(), scanned, System.nanoTime() - began);
  }

  private void ab(List<DirectoryReader> readers, long from, long to) throws IOException {
    List<IndexSearcher> searchers = new ArrayList<>();
    for (DirectoryReader r : readers) {
      searchers.add(new IndexSearcher(r));
    }
    Query regex = TraceGroupingAb.spanQuery(filterOf("{ resource.service.name =~ \"" + serviceRegex + "\" }"), from, to);
    Query range = TraceGroupingAb.spanQuery(filterOf("{ span.gen_ai.usage.input_tokens > " + inputTokens + " }"), from, to);
    int segments = searchers.stream().mapToInt(s -> s.getIndexReader().leaves().size()).sum();
    System.out.printf("A/B over %d partitions, %d segments%n", searchers.size(), segments);
    long[] count = new long[1];
    Map<BytesRef, TraceGroupingAb.Hits>[] last = new Map[1];
    long[] matchOnly = time("match only (regex)", () -> count[0] = io(() -> TraceGroupingAb.countOnly(searchers, regex)));
    long[] ord = time("ordinal+bitmap (regex)", () -> last[0] = io(() -> TraceGroupingAb.byOrdinal(searchers, regex, SPSS)));
    int ordTraces = last[0].size();
    long[] hash = time("hash per span (regex)", () -> last[0] = io(() -> TraceGroupingAb.byHash(searchers, regex, SPSS)));
    int hashTraces = last[0].size();
    Set<BytesRef> ids = last[0].keySet();
    long[] rollups = time("fetch rollups of matched traces", () -> io(() -> TraceGroupingAb.fetchRollups(searchers, ids)));
    long[] andOrd = time("&& ordinal", () -> last[0] = io(() -> TraceGroupingAb.and(
        TraceGroupingAb.byOrdinal(searchers, regex, SPSS), TraceGroupingAb.byOrdinal(searchers, range, SPSS))));
    int andTraces = last[0].size();
    long[] andHash = time("&& hash", () -> io(() -> TraceGroupingAb.and(
        TraceGroupingAb.byHash(searchers, regex, SPSS), TraceGroupingAb.byHash(searchers, range, SPSS))));
    long rangeCount = TraceGroupingAb.countOnly(searchers, range);
    abRows = List.of(
        new String[] {"match only (count hits, no grouping), regex", fmt(matchOnly), count[0] + " spans"},
        new String[] {"ordinal + RoaringBitmap grouping (store's way), regex", fmt(ord), ordTraces + " traces"},
        new String[] {"HashMap<BytesRef> lookup per matched span, regex", fmt(hash), hashTraces + " traces"},
        new String[] {"fetch + decode rollups of all matched traces (store's next step), regex", fmt(rollups), ids.size() + " ids"},
        new String[] {"`&&` regex with input_tokens range (" + rangeCount + " spans), ordinal", fmt(andOrd), andTraces + " traces"},
        new String[] {"`&&` same, hash per span", fmt(andHash), andTraces + " traces"});
    abSegments = searchers.size() + " partitions, " + segments + " segments";
  }

  private List<String[]> abRows = List.of();
  private String abSegments = "";

  private static SpanFilter filterOf(String traceQl) {
    return ((Spansets.Filter) TraceQlParser.parse(traceQl).spansets()).filter();
  }

  private interface IoSupplier<T> {
    T get() throws IOException;
  }

  private static <T> T io(IoSupplier<T> s) {
    try {
      return s.get();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private List<Path> partitionDirs() throws IOException {
    List<Path> dirs = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dataDir.resolve("index"))) {
      for (Path p : ds) {
        dirs.add(p);
      }
    }
    dirs.sort(null);
    return dirs;
  }

  // ---------------------------------------------------------------------------------------------
  // Report

  private static String fmt(long[] sorted) {
    return String.format("%.1f / %.1f", pct(sorted, 50) / 1e6, pct(sorted, 99) / 1e6);
  }

  private static String mb(long bytes) {
    return String.format("%,.0f MB", bytes / 1e6);
  }

  private void printTable(List<Row> rows, Loaded loaded) {
    System.out.println();
    System.out.printf("Store: %,d spans, %,d traces; load: %s%n", loaded.spans, loaded.traces,
        loadRate == null ? "(reused)" : loadRate);
    System.out.println();
    System.out.println("| | query | results | ours p50 (ms) | ours p99 (ms) | runs | naive full scan (s) | naive ÷ ours p50 | matched spans / traces | same answer |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for (Row r : rows) {
      long p50 = pct(r.nanos, 50);
      System.out.printf("| %s | `%s` | %d | %.1f | %.1f | %d | %s | %s | %s | %s |%n", r.id,
          r.query.replace("|", "\\|"), r.results, p50 / 1e6, pct(r.nanos, 99) / 1e6, r.nanos.length,
          r.naiveNanos == 0 ? "" : String.format("%.1f", r.naiveNanos / 1e9),
          r.naiveNanos == 0 ? "" : String.format("%,.0f", (double) r.naiveNanos / p50),
          r.matchedSpans < 0 ? "" : String.format("%,d / %,d", r.matchedSpans, r.matchedTraces), r.agrees);
    }
    if (!abRows.isEmpty()) {
      System.out.println();
      System.out.println("A/B (" + abSegments + "), p50 / p99 ms:");
      System.out.println("| step | p50 / p99 (ms) | size |");
      System.out.println("|---|---:|---:|");
      for (String[] r : abRows) {
        System.out.printf("| %s | %s | %s |%n", r[0], r[1], r[2]);
      }
    }
  }
}
