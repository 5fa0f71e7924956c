package dev.tokentrail.benchmarks;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.OtlpSpans;
import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.pricing.PriceCatalog;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-span cost of ingest's CPU work: {@link LlmSpanEnricher#enrich} (recognize the LLM call,
 * price it, add the canonical attributes) next to OTLP decoding of the same kind of spans, both
 * in ns per span. Token counts come from the Azure LLM inference trace (system property {@code
 * tokentrail.tokenTrace}, default {@value TokenCounts#DEFAULT_FILE} relative to the repository
 * root); run with {@code -prof gc} for bytes allocated per span.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class NormalizePriceBenchmark {
  static final int BATCH = 512;
  /** Distinct spans cycled through, so branch predictors and caches see a realistic mix. */
  static final int POOL = 4096;
  static final long START = 1_763_000_000_000_000_000L; // 2025-11-13, inside every price history

  /** Enrichment input: spans of one kind (or the realistic mix of the load generator). */
  @State(Scope.Thread)
  public static class EnrichState {
    @Param({"MIX", "OTEL", "OTEL_DEPRECATED", "OPENINFERENCE", "OPENLLMETRY", "HTTP"})
    public Workload.Kind kind;

    LlmSpanEnricher enricher;
    Span[] spans;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
      PriceCatalog catalog = PriceCatalog.builtIn();
      enricher =
          LlmSpanEnricher.create(GenAiNormalizer.create(AttributionKeys.DEFAULT), new CostCalculator(catalog));
      Workload workload = new Workload(TokenCounts.fromSystemProperty(), catalog, 7);
      spans = workload.spans(kind, POOL, START).toArray(Span[]::new);
    }
  }

  /** Decoding input: one OTLP export request of {@value #BATCH} mixed spans, parsed and as bytes. */
  @State(Scope.Thread)
  public static class DecodeState {
    ExportTraceServiceRequest request;
    byte[] bytes;

    @Setup(Level.Trial)
    public void setUp() {
      Workload workload = new Workload(TokenCounts.fromSystemProperty(), PriceCatalog.builtIn(), 7);
      List<Span> spans = workload.spans(Workload.Kind.MIX, BATCH, START);
      request =
          ExportTraceServiceRequest.newBuilder()
              .addAllResourceSpans(OtlpSpans.encode(spans).getResourceSpansList())
              .build();
      bytes = request.toByteArray();
    }
  }

  @Benchmark
  public IngestedSpan enrich(EnrichState state) {
    int i = state.next;
    state.next = (i + 1) & (POOL - 1);
    return state.enricher.enrich(state.spans[i]);
  }

  /** {@code OtlpSpans.decode} of an already parsed request, per span. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public OtlpSpans.Decoded otlpDecode(DecodeState state) {
    return OtlpSpans.decode(state.request.getResourceSpansList());
  }

  /** Protobuf parse of the request bytes plus {@code OtlpSpans.decode}, per span: what a receiver does. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public OtlpSpans.Decoded otlpParseAndDecode(DecodeState state) throws Exception {
    return OtlpSpans.decode(ExportTraceServiceRequest.parseFrom(state.bytes).getResourceSpansList());
  }
}
