package dev.tokentrail.ingest;

import dev.tokentrail.model.IngestedSpan;
import static java.util.Objects.requireNonNull;

import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.OtlpSpans;
import dev.tokentrail.store.SpanWriter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest pipeline, independent of transport: decode an OTLP request, enrich each span (LLM
 * call recognition, pricing, canonical attributes), hand the batch to the store and, once it is
 * durable, count it in metrics. Invalid spans are rejected one by one; the rest are kept.
 */
public final class SpanIngester {
  private static final Logger LOG = LoggerFactory.getLogger(SpanIngester.class);

  private final SpanWriter store;
  private final LlmSpanEnricher enricher;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final DroppedAttributes dropped;
  private final TenantIngestRates rates;
  private final RecentSpanKeys recentlyCounted = new RecentSpanKeys(1 << 20);

  private SpanIngester(Builder b) {
    this.store = b.store;
    this.enricher = b.enricher;
    this.metrics = b.metrics;
    this.clock = b.clock;
    this.dropped = b.dropped;
    this.rates = b.rates;
  }

  /** An ingester that keeps every attribute and limits no tenant. */
  public static SpanIngester create(SpanWriter store, LlmSpanEnricher enricher, IngestMetrics metrics, Clock clock) {
    return builder(store, enricher, metrics).clock(clock).build();
  }

  public static Builder builder(SpanWriter store, LlmSpanEnricher enricher, IngestMetrics metrics) {
    return new Builder(requireNonNull(store, "store"), requireNonNull(enricher, "enricher"), requireNonNull(metrics, "metrics"));
  }

  public IngestMetrics metrics() {
    return metrics;
  }

  /** The tenants' ingest rate limits, which the receivers check before reading an export. */
  TenantIngestRates rates() {
    return rates;
  }

  /** Builds a {@link SpanIngester}. */
  public static final class Builder {
    private final SpanWriter store;
    private final LlmSpanEnricher enricher;
    private final IngestMetrics metrics;
    private Clock clock = Clock.systemUTC();
    private DroppedAttributes dropped = DroppedAttributes.none();
    private TenantIngestRates rates = TenantIngestRates.unlimited();

    private Builder(SpanWriter store, LlmSpanEnricher enricher, IngestMetrics metrics) {
      this.store = store;
      this.enricher = enricher;
      this.metrics = metrics;
    }

    /** The clock of the LLM series' timestamps (unknown models' first and last seen). */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /** Attributes removed from every export before it is decoded ({@code ingest.drop_attributes}). */
    public Builder dropAttributes(DroppedAttributes dropped) {
      this.dropped = requireNonNull(dropped, "dropped");
      return this;
    }

    /** Each tenant's ingest rate limits. */
    public Builder rates(TenantIngestRates rates) {
      this.rates = requireNonNull(rates, "rates");
      return this;
    }

    public SpanIngester build() {
      return new SpanIngester(this);
    }
  }

  /** What became of a request's spans: stored, or rejected with the first reason. */
  public record Result(int stored, int rejected, String rejectionMessage) {}

  /**
   * Stores the request's valid spans for {@code tenant}. The future completes once they are durable, or fails with
   * the store's {@code StoreOverloadedException} / {@code StoreClosedException}.
   */
  public CompletableFuture<Result> ingest(String tenant, ExportTraceServiceRequest request, String protocol) {
    rates.charge(tenant, spanCount(request), request.getSerializedSize());
    request = dropped.apply(request, (scope, n) -> metrics.attributesDropped(tenant, scope, n));
    OtlpSpans.Decoded decoded = OtlpSpans.decode(request.getResourceSpansList());
    int total = decoded.spans().size() + decoded.rejected();
    metrics.received(tenant, protocol, total);
    metrics.rejected(tenant, "invalid_id", decoded.rejected());
    if (decoded.spans().isEmpty()) {
      return CompletableFuture.completedFuture(new Result(0, decoded.rejected(), decoded.firstRejection()));
    }
    List<IngestedSpan> spans = new ArrayList<>(decoded.spans().size());
    for (Span span : decoded.spans()) {
      IngestedSpan enriched;
      try {
        enriched = enricher.enrich(span);
      } catch (RuntimeException e) {
        // A bug of ours must not lose the user's span: store it as received.
        LOG.error("enriching span {} of trace {} failed; storing it unpriced", span.spanId(), span.traceId(), e);
        metrics.enrichFailed();
        enriched = new IngestedSpan(span, null);
      }
      spans.add(enriched);
    }
    return store
        .accept(tenant, spans)
        .thenApply(
            ignored -> {
              long now = clock.millis();
              for (int i = 0; i < spans.size(); i++) {
                LlmCall call = spans.get(i).call();
                Span span = spans.get(i).span();
                if (call != null && !recentlyCounted.seen(tenant, span.traceId(), span.spanId())) {
                  metrics.llmCallStored(tenant, span, call, now);
                }
              }
              return new Result(spans.size(), decoded.rejected(), decoded.firstRejection());
            });
  }

  private static int spanCount(ExportTraceServiceRequest request) {
    int n = 0;
    for (int i = 0; i < request.getResourceSpansCount(); i++) {
      var resourceSpans = request.getResourceSpans(i);
      for (int j = 0; j < resourceSpans.getScopeSpansCount(); j++) {
        n += resourceSpans.getScopeSpans(j).getSpansCount();
      }
    }
    return n;
  }
}
