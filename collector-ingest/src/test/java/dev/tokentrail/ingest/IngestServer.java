package dev.tokentrail.ingest;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.security.Access;
import dev.tokentrail.security.AccessDecorator;
import dev.tokentrail.security.Role;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.lucene.LuceneSpanStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A real Armeria server on a free port with both OTLP receivers installed over a given store, the
 * way {@code tokentrail serve} wires them. Requests carrying {@link #HOLD_HEADER} count down {@link
 * #heldRequestAdmitted()} once the receivers have taken them in (their concurrency permit held).
 */
final class IngestServer implements AutoCloseable {
  static final String HOLD_HEADER = "x-test-hold";
  static final PriceCatalog CATALOG = PriceCatalog.builtIn();

  final PrometheusRegistry registry;
  final UnknownModels unknownModels;
  final SpanStore store;
  final Server server;
  private final CountDownLatch heldRequestAdmitted = new CountDownLatch(1);

  private IngestServer(Builder b) {
    registry = b.registry;
    unknownModels = new UnknownModels(100);
    store = b.store;
    IngestMetrics metrics = new IngestMetrics(registry, b.maxLabelValues, unknownModels);
    SpanIngester ingester =
        SpanIngester.builder(
                store,
                LlmSpanEnricher.create(GenAiNormalizer.create(AttributionKeys.DEFAULT), new CostCalculator(CATALOG)),
                metrics)
            .clock(Clock.systemUTC())
            .dropAttributes(b.dropped)
            .rates(b.rates)
            .build();
    OtlpReceivers receivers =
        OtlpReceivers.create(ingester, b.maxBodyBytes, b.maxConcurrentRequests, b.maxInflightBytes);
    ServerBuilder sb = Server.builder().http(0).gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO);
    if (b.requestTimeout != null) {
      sb.requestTimeout(b.requestTimeout);
    }
    receivers.installHttp(sb);
    receivers.installGrpc(sb);
    if (b.orgIdTenants) {
      sb.decorator(AccessDecorator.of(Access.orgIdHeader(), ctx -> Role.INGEST, OtlpReceivers.rejection()));
    }
    sb.decorator(
        (delegate, ctx, req) -> {
          HttpResponse response = delegate.serve(ctx, req);
          if (req.headers().contains(HOLD_HEADER)) {
            heldRequestAdmitted.countDown();
          }
          return response;
        });
    server = sb.build();
    server.start().join();
  }

  /** A Lucene store in {@code dir} that refreshes often, so tests see spans quickly. */
  static LuceneSpanStore luceneStore(Path dir, PrometheusRegistry registry) {
    return LuceneSpanStore.builder(dir).refreshInterval(Duration.ofMillis(20)).registry(registry).open();
  }

  static Builder builder() {
    return new Builder();
  }

  int port() {
    return server.activeLocalPort();
  }

  String baseUri() {
    return "http://127.0.0.1:" + port();
  }

  CountDownLatch heldRequestAdmitted() {
    return heldRequestAdmitted;
  }

  Metrics metrics() {
    return new Metrics(registry.scrape());
  }

  /**
   * Stops the server without waiting for its event loops to wind down (Netty's quiet period costs
   * two seconds a server); connections close at once, so nothing reaches the store afterwards but
   * requests that then see it closed.
   */
  @Override
  public void close() {
    server.stop();
    store.close();
  }

  static final class Builder {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private SpanStore store;
    private int maxBodyBytes = 4 * 1024 * 1024;
    private int maxConcurrentRequests = 64;
    private int maxLabelValues = 50;
    private long maxInflightBytes = 256L * 1024 * 1024;
    private Duration requestTimeout;
    private DroppedAttributes dropped = DroppedAttributes.none();
    private TenantIngestRates rates = TenantIngestRates.unlimited();
    private boolean orgIdTenants;

    /** Attributes the ingester drops. */
    Builder dropAttributes(String... patterns) {
      this.dropped = DroppedAttributes.of(java.util.List.of(patterns));
      return this;
    }

    /** Each tenant's ingest rates; tenants are named by X-Scope-OrgID, which every request then needs. */
    Builder tenantRates(TenantIngestRates rates) {
      this.rates = rates;
      this.orgIdTenants = true;
      return this;
    }

    Builder maxInflightBytes(long n) {
      this.maxInflightBytes = n;
      return this;
    }

    Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      return this;
    }

    /** The Lucene store in {@code dir}; its metrics go to the same registry. */
    Builder luceneStore(Path dir) {
      this.store = IngestServer.luceneStore(dir, registry);
      return this;
    }

    Builder store(SpanStore store) {
      this.store = store;
      return this;
    }

    Builder maxBodyBytes(int n) {
      this.maxBodyBytes = n;
      return this;
    }

    Builder maxConcurrentRequests(int n) {
      this.maxConcurrentRequests = n;
      return this;
    }

    Builder maxLabelValues(int n) {
      this.maxLabelValues = n;
      return this;
    }

    IngestServer start() {
      return new IngestServer(this);
    }
  }
}
