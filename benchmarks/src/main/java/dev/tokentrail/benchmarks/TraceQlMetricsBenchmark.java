package dev.tokentrail.benchmarks;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.query.metrics.TraceQlMetrics;
import dev.tokentrail.query.metrics.TraceQlMetrics.MetricsResult;
import dev.tokentrail.store.lucene.LuceneSpanStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Times TraceQL metrics ({@link TraceQlMetrics#queryRange}) over a Lucene store of N LLM-call
 * spans (default 1,000,000) spread over the last hours: 300 teams, 12 models, 30 services, a cost
 * and token counts per span. Run:
 *
 * <pre>
 * java -Xmx4g -cp benchmarks/target/benchmarks.jar dev.tokentrail.benchmarks.TraceQlMetricsBenchmark [spans] [dataDir] [runs]
 * </pre>
 */
public final class TraceQlMetricsBenchmark {
  private static final long S = 1_000_000_000L;

  public static void main(String[] args) throws Exception {
    int spans = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    Path dir = Path.of(args.length > 1 ? args[1] : "/tmp/tokentrail-metrics-bench");
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    int teams = 300;
    long hours = 6;
    long now = System.currentTimeMillis() * 1_000_000L;
    long start = now - hours * 3600 * S;
    Path marker = dir.resolve("metrics-benchmark-" + spans);
    System.out.printf("JVM %s, %d cores, max heap %d MB%n", Runtime.version(), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    try (LuceneSpanStore store = LuceneSpanStore.builder(dir).partitionDuration(Duration.ofHours(6)).maxQueuedSpans(400_000).open()) {
      if (!Files.exists(marker)) {
        long t0 = System.nanoTime();
        SplittableRandom random = new SplittableRandom(1);
        List<CompletableFuture<Void>> inFlight = new ArrayList<>();
        List<Span> batch = new ArrayList<>();
        String[] models = {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3", "o4-mini", "claude-sonnet-4", "claude-haiku-4", "claude-opus-4",
            "gemini-2.5-pro", "gemini-2.5-flash", "mistral-large", "llama-4"};
        for (int i = 0; i < spans; i++) {
          long at = start + (long) (random.nextDouble() * (now - start - 60 * S));
          long in = 100 + random.nextInt(8000);
          long out = 10 + random.nextInt(1000);
          batch.add(Span.builder().traceId(new TraceId(0x7700L, i)).spanId(new SpanId(i + 1L))
              .name("chat").startEpochNanos(at).endEpochNanos(at + (200 + random.nextInt(4000)) * 1_000_000L)
              .attribute("tokentrail.llm_call", true)
              .attribute("gen_ai.request.model", models[random.nextInt(models.length)])
              .attribute("gen_ai.usage.input_tokens", in).attribute("gen_ai.usage.output_tokens", out)
              .attribute("tokentrail.cost.usd", (in * 2.5 + out * 10) / 1e6)
              .attribute("tokentrail.team", "team-" + random.nextInt(teams))
              .resource(Resource.of(Map.of("service.name", "svc-" + random.nextInt(30)))).build());
          if (batch.size() == 5_000) {
            inFlight.add(store.accept(Tenants.DEFAULT, StoredCalls.ingested(batch)));
            batch = new ArrayList<>();
            if (inFlight.size() >= 8) {
              inFlight.remove(0).get();
            }
          }
        }
        inFlight.add(store.accept(Tenants.DEFAULT, StoredCalls.ingested(batch)));
        for (CompletableFuture<Void> f : inFlight) {
          f.get();
        }
        Thread.sleep(2_000); // a refresh
        Files.createFile(marker);
        System.out.printf("loaded %,d spans in %.1f s%n", spans, (System.nanoTime() - t0) / 1e9);
      }
      TraceQlMetrics metrics = TraceQlMetrics.create(store);
      String[] queries = {
        "{ span.gen_ai.usage.input_tokens > 0 } | sum_over_time(span.tokentrail.cost.usd) by (span.tokentrail.team)",
        "{ span.gen_ai.usage.input_tokens > 0 } | sum_over_time(span.tokentrail.cost.usd) by (span.gen_ai.request.model, span.tokentrail.team)",
        "{ } | rate() by (resource.service.name)",
        "{ span.tokentrail.llm_call = true } | quantile_over_time(span.tokentrail.cost.usd, 0.5, 0.95) by (span.gen_ai.request.model)",
      };
      for (String q : queries) {
        long[] times = new long[runs];
        MetricsResult r = null;
        for (int w = 0; w < 3; w++) {
          r = metrics.queryRange(Tenants.DEFAULT, q, start, now, 60 * S, 100);
        }
        for (int i = 0; i < runs; i++) {
          long t = System.nanoTime();
          r = metrics.queryRange(Tenants.DEFAULT, q, start, now, 60 * S, 100);
          times[i] = System.nanoTime() - t;
        }
        Arrays.sort(times);
        System.out.printf("%s%n  %d series, %,d spans, %d steps: median %.0f ms, p90 %.0f ms, max %.0f ms%n", q, r.series().size(),
            r.inspectedSpans(), hours * 60, times[runs / 2] / 1e6, times[runs * 9 / 10] / 1e6, times[runs - 1] / 1e6);
      }
    }
  }
}
