package dev.tokentrail.benchmarks;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.analysis.WasteEngine;
import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.lucene.LuceneSpanStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times the waste analysis (every kind of docs/waste.md) over a window holding {@code --calls}
 * LLM calls in the embedded store: the read of the call table from doc values and each analysis.
 * The workload has agent loops with growing context, retries after 429s and 500s, a classifier on
 * frontier and small models, and outcomes.
 */
@Command(name = "analysis-benchmark", mixinStandardHelpOptions = true)
public final class AnalysisBenchmark implements Callable<Integer> {
  @Option(names = "--calls", defaultValue = "1000000", description = "LLM calls to store (default ${DEFAULT-VALUE}).")
  int calls;

  @Option(names = "--data-dir", description = "Store directory; reused when it already holds the calls.")
  Path dataDir;

  @Option(names = "--runs", defaultValue = "7", description = "Timed analysis runs (default ${DEFAULT-VALUE}).")
  int runs;

  public static void main(String[] args) {
    System.exit(new CommandLine(new AnalysisBenchmark()).execute(args));
  }

  private static final SplittableRandom SPAN_IDS = new SplittableRandom(7);
  private static final String[] SERVICES = new String[30];
  private static final String[] MODELS = {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "claude-sonnet-4", "claude-3-5-haiku", "gemini-2.5-flash", "o3"};
  private static final String[] PROVIDERS = {"openai", "openai", "openai", "openai", "anthropic", "anthropic", "gcp.gemini", "openai"};

  static {
    for (int i = 0; i < SERVICES.length; i++) {
      SERVICES[i] = "svc-" + i;
    }
  }

  @Override
  public Integer call() throws Exception {
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("tokentrail-analysis");
    PriceCatalog catalog = PriceCatalog.builtIn();
    long end = System.currentTimeMillis();
    long start = end - Duration.ofHours(20).toMillis();
    try (LuceneSpanStore store = LuceneSpanStore.builder(dir).maxQueuedSpans(2_000_000).commitInterval(Duration.ofSeconds(30)).open()) {
      CallFilter window = CallFilter.window(start * 1_000_000L - Duration.ofHours(1).toNanos(), end * 1_000_000L + Duration.ofHours(1).toNanos());
      int existing = store.llmCalls(Tenants.DEFAULT, window).size();
      if (existing == 0) {
        long t0 = System.nanoTime();
        load(store, catalog, start, end, calls - existing);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "loaded %,d LLM calls in %.1f s (%.0f calls/s)%n", calls - existing, seconds, (calls - existing) / seconds);
        // Wait until every call is searchable (or, should some never be, until the count has not
        // grown for 30 s): a count that stalls for a second under load is not the end.
        int seen = store.llmCalls(Tenants.DEFAULT, window).size();
        for (long stalledSince = System.nanoTime(); seen < calls - existing && System.nanoTime() - stalledSince < 30_000_000_000L; ) {
          Thread.sleep(500);
          int now = store.llmCalls(Tenants.DEFAULT, window).size();
          if (now != seen) {
            stalledSince = System.nanoTime();
            seen = now;
          }
        }
      }
      WasteEngine engine = WasteEngine.builder(store, catalog).build();
      double[] read = new double[runs];
      double[] retries = new double[runs];
      double[] context = new double[runs];
      double[] overkill = new double[runs];
      double[] crossRequest = new double[runs];
      double[] total = new double[runs];
      WasteEngine.Report report = null;
      for (int r = -2; r < runs; r++) {
        long t0 = System.nanoTime();
        CallTable table = store.llmCalls(Tenants.DEFAULT, window);
        long t1 = System.nanoTime();
        var retry = dev.tokentrail.analysis.RetryAnalysis.analyze(table);
        long t2 = System.nanoTime();
        dev.tokentrail.analysis.ContextGrowthAnalysis.analyze(table, retry.finalAttempt(), catalog, dev.tokentrail.analysis.WasteThresholds.DEFAULT);
        long t3 = System.nanoTime();
        dev.tokentrail.analysis.OverkillAnalysis.analyze(table, catalog, dev.tokentrail.analysis.WasteThresholds.DEFAULT);
        long t4 = System.nanoTime();
        var duplicates = dev.tokentrail.analysis.DuplicateAnalysis.analyze(table, retry.finalAttempt(), WasteEngine.DEFAULT_DUPLICATE_WINDOW.toNanos());
        dev.tokentrail.analysis.PrefixCacheAnalysis.analyze(table, retry.finalAttempt(), duplicates.duplicate(), catalog);
        long t4b = System.nanoTime();
        report = engine.analyze(Tenants.DEFAULT, window);
        long t5 = System.nanoTime();
        if (r >= 0) {
          read[r] = (t1 - t0) / 1e6;
          retries[r] = (t2 - t1) / 1e6;
          context[r] = (t3 - t2) / 1e6;
          overkill[r] = (t4 - t3) / 1e6;
          crossRequest[r] = (t4b - t4) / 1e6;
          total[r] = (t5 - t4b) / 1e6;
        }
        if (r == -2) {
          System.out.printf(Locale.ROOT, "window holds %,d LLM calls%n", table.size());
        }
      }
      for (double[] a : new double[][] {read, retries, context, overkill, crossRequest, total}) {
        Arrays.sort(a);
      }
      System.out.printf(Locale.ROOT, "read call table (doc values): p50 %.0f ms, min %.0f ms%n", read[runs / 2], read[0]);
      System.out.printf(Locale.ROOT, "retries %.0f ms, context+cache %.0f ms, overkill %.0f ms, duplicates+prefix cache %.0f ms (p50 each)%n",
          retries[runs / 2], context[runs / 2], overkill[runs / 2], crossRequest[runs / 2]);
      System.out.printf(Locale.ROOT, "full analysis (read + retries + context + cache + overkill + duplicates + prefix cache + outcomes + team efficiency): p50 %.0f ms, min %.0f ms, max %.0f ms%n",
          total[runs / 2], total[0], total[runs - 1]);
      System.out.printf(Locale.ROOT, "findings: %d retry groups wasted $%.2f; %d conversations flagged ($%.2f re-sent), cache opportunity $%.2f; %d overkill findings ($%.2f)%n",
          report.retries().findings().size(), report.retries().wastedUsd(), report.context().growthFindings().size(),
          report.context().resentUsdOfFlagged(), report.context().cacheOpportunityUsd(), report.overkill().findings().size(),
          report.overkill().savingsUsd());
      System.out.printf(Locale.ROOT, "%d duplicate findings ($%.2f); %d shared prefixes ($%.2f); %d team efficiency rows (gap $%.2f)%n",
          report.duplicates().findings().size(), report.duplicates().wastedUsd(), report.prefixCache().findings().size(),
          report.prefixCache().savingsUsd(), report.teamEfficiency().size(),
          dev.tokentrail.analysis.EfficiencyAnalysis.gapUsd(report.teamEfficiency()));
    }
    return 0;
  }

  /** Agent loops (conversation of 3-8 turns with growing input, some retries) and classifier traces. */
  private static void load(LuceneSpanStore store, PriceCatalog catalog, long startMillis, long endMillis, int calls) throws Exception {
    LlmSpanEnricher enricher = LlmSpanEnricher.create(GenAiNormalizer.create(AttributionKeys.DEFAULT), new CostCalculator(catalog));
    SplittableRandom random = new SplittableRandom(42);
    List<Span> batch = new ArrayList<>();
    int made = 0;
    long conversation = 0;
    while (made < calls) {
      TraceId traceId = new TraceId(random.nextLong(), random.nextLong() | 1);
      SpanId rootId = new SpanId(random.nextLong() | 1);
      int s = random.nextInt(SERVICES.length);
      Resource resource = Resource.of(java.util.Map.of("service.name", SERVICES[s], "team", "team-" + (s % 6), "project", "project-" + (s % 10)));
      long t = startMillis + (long) (random.nextDouble() * (endMillis - startMillis - 600_000));
      batch.add(span(traceId, rootId, SpanId.NONE, "handle request", resource, t, 60_000,
          random.nextBoolean() ? java.util.Map.of("tokentrail.outcome", random.nextInt(4) == 0 ? "escalated" : "resolved") : java.util.Map.of(), false));
      if (random.nextInt(3) == 0) {
        // Classifier: one call, frontier or small model, tiny output.
        int m = random.nextBoolean() ? 0 : 1;
        batch.add(enricher.enrich(call(traceId, rootId, resource, MODELS[m], PROVIDERS[m], 600 + random.nextInt(800), 3 + random.nextInt(20),
            t + 10, null, java.util.Map.of("tokentrail.task", "classify",
                // One system prompt per service (a shared prefix) and a few questions asked again and again.
                "tokentrail.prefix.hash", "classify-" + s, "tokentrail.prefix.tokens", 1500L,
                "tokentrail.request.hash", "classify-" + s + "-" + random.nextInt(40)))).span());
        made++;
      } else {
        int m = 2 + random.nextInt(MODELS.length - 2);
        int turns = 3 + random.nextInt(6);
        long input = 1000 + random.nextInt(3000);
        String conv = "conv-" + (conversation++);
        for (int k = 0; k < turns && made < calls; k++) {
          long output = 100 + random.nextInt(600);
          if (random.nextInt(20) == 0) {
            batch.add(enricher.enrich(call(traceId, rootId, resource, MODELS[m], PROVIDERS[m], random.nextBoolean() ? -1 : input, 0,
                t + k * 5000L, random.nextBoolean() ? "429" : "500", java.util.Map.of("gen_ai.conversation.id", conv))).span());
            made++;
          }
          java.util.Map<String, Object> extra = new java.util.HashMap<>();
          extra.put("gen_ai.conversation.id", conv);
          extra.put("tokentrail.prefix.hash", k == 0 ? "agent-" + s : conv + "-" + k);
          extra.put("tokentrail.prefix.tokens", k == 0 ? 1100L : input - 300);
          if (k == turns - 1 && random.nextInt(4) == 0) {
            extra.put("gen_ai.usage.cache_read.input_tokens", input / 2);
          }
          batch.add(enricher.enrich(call(traceId, rootId, resource, MODELS[m], PROVIDERS[m], input, output, t + k * 5000L + 100, null, extra)).span());
          made++;
          input += output + 200 + random.nextInt(1500);
        }
      }
      if (batch.size() >= 5000) {
        acceptAll(store, batch);
        batch = new ArrayList<>();
      }
    }
    acceptAll(store, batch);
  }

  /**
   * Writes a batch and waits for it while the store's write queue is full: a batch the store turns
   * away ({@link dev.tokentrail.store.StoreOverloadedException}) is sent again after a pause.
   */
  private static void acceptAll(LuceneSpanStore store, List<Span> batch) throws Exception {
    while (true) {
      try {
        store.accept(Tenants.DEFAULT, StoredCalls.ingested(batch)).get();
        return;
      } catch (dev.tokentrail.store.StoreOverloadedException e) {
        Thread.sleep(200);
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof dev.tokentrail.store.StoreOverloadedException)) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private static Span call(TraceId traceId, SpanId parent, Resource resource, String model, String provider, long input, long output,
      long startMillis, String error, java.util.Map<String, Object> extra) {
    java.util.Map<String, Object> attributes = new java.util.LinkedHashMap<>();
    attributes.put("gen_ai.operation.name", "chat");
    attributes.put("gen_ai.provider.name", provider);
    attributes.put("gen_ai.request.model", model);
    if (input >= 0) {
      attributes.put("gen_ai.usage.input_tokens", input);
      attributes.put("gen_ai.usage.output_tokens", output);
    }
    if (error != null) {
      attributes.put("error.type", error);
    }
    attributes.putAll(extra);
    return span(traceId, new SpanId(SPAN_IDS.nextLong() | 1), parent, "chat " + model, resource,
        startMillis, 1500, attributes, error != null);
  }

  private static Span span(TraceId traceId, SpanId spanId, SpanId parent, String name, Resource resource, long startMillis,
      long durationMillis, java.util.Map<String, Object> attributes, boolean error) {
    return Span.builder().traceId(traceId).spanId(spanId).parentSpanId(parent).name(name)
        .kind(parent.isNone() ? SpanKind.SERVER : SpanKind.CLIENT)
        .startEpochNanos(startMillis * 1_000_000L).endEpochNanos((startMillis + durationMillis) * 1_000_000L)
        .status(error ? StatusCode.ERROR : StatusCode.UNSET, "").attributes(attributes).resource(resource).build();
  }
}
