package dev.tokentrail.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.Cost;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A high-cardinality load (tens of thousands of distinct service x model x team x project
 * combinations, each label within its 100-value cap) keeps the scrape bounded in series and bytes,
 * and the sums over each family's series stay the true totals.
 */
class MetricsCardinalityTest {
  private static final int CALLS = 60_000;
  private static final int MAX_SERIES = IngestMetrics.DEFAULT_MAX_SERIES;

  /** The totals of the load, computed beside the metrics. */
  private record Load(long calls, long errors, double costUsd, long inputTokens, long outputTokens, long cacheRead,
      long unknownModelCalls, long mismatches, int combinations) {}

  private static Load send(IngestMetrics metrics, long seed) {
    Random random = new Random(seed);
    Set<String> combinations = new HashSet<>();
    long errors = 0;
    double cost = 0;
    long input = 0;
    long output = 0;
    long cacheRead = 0;
    long unknown = 0;
    long mismatches = 0;
    for (int i = 0; i < CALLS; i++) {
      String service = "svc-" + random.nextInt(60);
      String model = "model-" + random.nextInt(90);
      String team = "team-" + random.nextInt(40);
      String project = "project-" + random.nextInt(80);
      String provider = "provider-" + random.nextInt(5);
      boolean error = random.nextInt(10) == 0;
      combinations.add(service + provider + model + team + project + error);
      long in = 1 + random.nextInt(10_000);
      long out = 1 + random.nextInt(2_000);
      long cached = random.nextBoolean() ? random.nextInt((int) in) : 0;
      Cost c;
      double clientCost = Double.NaN;
      if (random.nextInt(50) == 0) {
        c = Cost.unpriced(Cost.UNKNOWN_MODEL, "v");
        unknown++;
      } else {
        // Multiples of 2^-20 USD add up exactly in a double at these magnitudes, in any order.
        double usd = (1 + random.nextInt(100_000)) / 1_048_576.0;
        c = new Cost(usd, usd, 0, model, null, "v", null, provider);
        cost += usd;
        if (random.nextInt(20) == 0) {
          clientCost = usd * 2;
          mismatches++;
        }
      }
      errors += error ? 1 : 0;
      input += in;
      output += out;
      cacheRead += cached;
      LlmCall call = new LlmCall("chat", provider, model, null, in, out, cached, 0, 0, 0, 0, 0, null,
          error ? "rate_limited" : null, clientCost, new Attribution(team, project, null, null, null), null, null,
          Double.NaN, 0, null, null, -1, false, c);
      Span span = Span.builder().traceId(TraceId.fromHex("0af7651916cd43dd8448eb211c80319c")).spanId(SpanId.fromHex("b7ad6b7169203331"))
          .resource(Resource.of(Map.of("service.name", service))).build();
      metrics.llmCallStored(span, call, 0);
    }
    return new Load(CALLS, errors, cost, input, output, cacheRead, unknown, mismatches, combinations.size());
  }

  @Test
  void aHighCardinalityLoadKeepsTheScrapeBoundedAndTheTotalsExact() throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    Load load = send(new IngestMetrics(registry, 100, MAX_SERIES, new UnknownModels(1000)), 11);
    assertThat(load.combinations()).as("distinct label combinations sent").isGreaterThan(50_000);
    MetricSnapshots scrape = registry.scrape();
    byte[] text = text(scrape);
    int series = series(scrape);
    System.out.printf("high-cardinality load, %d calls, %d combinations: metrics.max_series=%d -> %d series, %d bytes%n",
        CALLS, load.combinations(), MAX_SERIES, series, text.length);

    // Each family: its own combinations plus the overflow (per status; per type for tokens).
    assertThat(points(scrape, "tokentrail_llm_calls")).isLessThanOrEqualTo(MAX_SERIES + 2);
    assertThat(points(scrape, "tokentrail_llm_cost_usd")).isLessThanOrEqualTo(MAX_SERIES + 2);
    assertThat(points(scrape, "tokentrail_llm_tokens")).isLessThanOrEqualTo(5 * (MAX_SERIES + 2));
    assertThat(points(scrape, "tokentrail_unknown_model_calls")).isLessThanOrEqualTo(MAX_SERIES + 1);
    assertThat(series).isLessThan(6 * MAX_SERIES);
    assertThat(text.length).as("scrape bytes").isLessThan(1_500_000);

    Metrics m = new Metrics(scrape);
    assertThat(m.counter("tokentrail_llm_calls_total")).isEqualTo(load.calls());
    assertThat(m.counter("tokentrail_llm_calls_total", "status", "error")).isEqualTo(load.errors());
    assertThat(m.counter("tokentrail_llm_cost_usd_total")).isEqualTo(load.costUsd());
    assertThat(m.counter("tokentrail_llm_tokens_total", "type", "input")).isEqualTo(load.inputTokens());
    assertThat(m.counter("tokentrail_llm_tokens_total", "type", "output")).isEqualTo(load.outputTokens());
    assertThat(m.counter("tokentrail_llm_tokens_total", "type", "cache_read")).isEqualTo(load.cacheRead());
    assertThat(m.counter("tokentrail_unknown_model_calls_total")).isEqualTo(load.unknownModelCalls());
    assertThat(m.counter("tokentrail_client_cost_mismatch_total")).isEqualTo(load.mismatches());

    // The overflow is labeled other and counted: folded observations are exactly what the overflow series hold.
    double overflowCalls = m.counter("tokentrail_llm_calls_total", "service", "other", "team", "other", "model", "other");
    assertThat(overflowCalls).isGreaterThan(0);
    assertThat(m.counter("tokentrail_metrics_folded_total", "metric", "tokentrail_llm_calls_total")).isEqualTo(overflowCalls);
    assertThat(m.counter("tokentrail_metrics_folded_total", "metric", "tokentrail_llm_cost_usd_total")).isPositive();
    assertThat(m.counter("tokentrail_metrics_folded_total", "metric", "tokentrail_llm_tokens_total")).isPositive();
    assertThat(m.labelValues("tokentrail_llm_calls_total", "team")).contains("other", "team-0");
  }

  @Test
  void withoutTheCapTheSameLoadIsWhatAPrometheusCannotHold() throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    send(new IngestMetrics(registry, 100, Integer.MAX_VALUE, new UnknownModels(1000)), 11);
    MetricSnapshots scrape = registry.scrape();
    byte[] text = text(scrape);
    System.out.printf("high-cardinality load, %d calls: no series cap -> %d series, %d bytes%n", CALLS, series(scrape), text.length);
    assertThat(series(scrape)).isGreaterThan(100_000);
    assertThat(new Metrics(scrape).counter("tokentrail_metrics_folded_total")).isZero();
  }

  @Test
  void aCombinationAdmittedKeepsItsSeriesAfterTheCapIsReached() {
    SeriesLimiter limiter = new SeriesLimiter(2);
    assertThat(limiter.admit("a", "b")).isTrue();
    assertThat(limiter.admit("a", "c")).isTrue();
    assertThat(limiter.admit("a", "d")).isFalse();
    assertThat(limiter.admit("a", "b")).isTrue();
    assertThat(limiter.admit("ab", "")).as("labels are kept apart").isFalse();
    assertThat(limiter.size()).isEqualTo(2);
  }

  private static byte[] text(MetricSnapshots scrape) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, scrape);
    return out.toByteArray();
  }

  private static int series(MetricSnapshots scrape) {
    int n = 0;
    for (MetricSnapshot s : scrape) {
      n += s.getDataPoints().size();
    }
    return n;
  }

  private static int points(MetricSnapshots scrape, String name) {
    for (MetricSnapshot s : scrape) {
      if (s.getMetadata().getName().equals(name) && s instanceof CounterSnapshot c) {
        return c.getDataPoints().size();
      }
    }
    throw new AssertionError("no counter " + name);
  }
}
