package dev.tokentrail.server;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.EventLoopGroups;
import com.linecorp.armeria.server.Server;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerTlsConfig;
import dev.tokentrail.security.PemTls;
import io.netty.handler.ssl.ClientAuth;
import dev.tokentrail.analysis.Repricer;
import dev.tokentrail.analysis.WasteEngine;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.ingest.DroppedAttributes;
import dev.tokentrail.ingest.IngestMetrics;
import dev.tokentrail.ingest.TenantIngestRates;
import dev.tokentrail.ingest.OtlpReceivers;
import dev.tokentrail.ingest.SpanIngester;
import dev.tokentrail.ingest.UnknownModels;
import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.query.QueryApi;
import dev.tokentrail.query.WasteMetrics;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.lucene.LuceneSpanStore;
import io.netty.channel.EventLoopGroup;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TokenTrail process: the embedded store, OTLP receivers on their two ports and the query API
 * on its own. {@link #close()} shuts down in the order that loses nothing: receivers stop
 * accepting and finish in-flight exports, the store drains and commits, then the query API stops.
 */
final class TokenTrailServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TokenTrailServer.class);
  /**
   * Lucene's hint, through java.util.logging, that the Vector API module is not readable ("pass
   * --add-modules jdk.incubator.vector"): the Vector API only speeds up vector search and scoring,
   * which the span store does not use, and adding the module makes the JVM warn about an incubator
   * module instead. Kept in a field: java.util.logging holds its loggers weakly.
   */
  private static final java.util.logging.Logger LUCENE_VECTORIZATION =
      java.util.logging.Logger.getLogger("org.apache.lucene.internal.vectorization.VectorizationProvider");

  static {
    LUCENE_VECTORIZATION.setLevel(java.util.logging.Level.SEVERE);
  }

  private final SpanStore store;
  private final EventLoopGroup workers;
  private final Server grpc;
  private final Server http;
  private final Server query;
  private final WasteMetrics wasteMetrics;
  private final PortAccess access;
  private final PemTls tls;

  private TokenTrailServer(SpanStore store, EventLoopGroup workers, Server grpc, Server http, Server query,
      WasteMetrics wasteMetrics, PortAccess access, PemTls tls) {
    this.access = access;
    this.tls = tls;
    this.wasteMetrics = wasteMetrics;
    this.store = store;
    this.workers = workers;
    this.grpc = grpc;
    this.http = http;
    this.query = query;
  }

  static TokenTrailServer start(ServerConfig config) {
    return start(config, FatalErrors.LOG_ONLY);
  }

  /**
   * Starts the process's parts. {@code fatalErrors} receives a VirtualMachineError caught by the
   * store's threads: {@code tokentrail serve} halts there, tests only record it.
   */
  static TokenTrailServer start(ServerConfig config, FatalErrors fatalErrors) {
    requireNonNull(config, "config");
    requireNonNull(fatalErrors, "fatalErrors");
    PriceCatalog catalog = readCatalog(config);
    LOG.info("price catalog {} ({} models)", catalog.version(), catalog.models().size());
    LOG.info("store write queue: at most {} spans and {} MiB (heap {} MiB)", config.maxQueuedSpans(),
        config.maxQueuedBytes() >> 20, Runtime.getRuntime().maxMemory() >> 20);
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    SpanStore store = openStore(config, registry, fatalErrors);
    UnknownModels unknownModels = new UnknownModels(1000);
    IngestMetrics metrics = new IngestMetrics(registry, config.maxLabelValues(), config.maxSeries(), unknownModels);
    // One calculator prices ingest, repricing and (through its current catalog) waste analysis, so
    // a catalog reloaded by a reprice applies to all of them from then on.
    CostCalculator costs = new CostCalculator(catalog);
    LlmSpanEnricher enricher = LlmSpanEnricher.create(
        GenAiNormalizer.create(config.attributionKeys(), config.valueLimits()), costs, metrics::attributeSanitized);
    SpanIngester ingester = SpanIngester.builder(store, enricher, metrics)
        .clock(Clock.systemUTC())
        .dropAttributes(DroppedAttributes.of(config.security().dropAttributes()))
        .rates(TenantIngestRates.of(config.tenantLimits().limits(), System::nanoTime))
        .build();
    if (!config.security().dropAttributes().isEmpty()) {
      LOG.info("ingest drops attributes matching {} (ingest.drop_attributes)", config.security().dropAttributes());
    }
    OtlpReceivers receivers =
        OtlpReceivers.create(ingester, config.maxRequestBytes(), config.maxConcurrentRequests(), config.maxInflightBytes());
    long largestExport = OtlpReceivers.inflightBytesOf(config.maxRequestBytes());
    if (largestExport > config.maxInflightBytes()) {
      LOG.warn(
          "ingest.max_inflight_bytes {} is below what one export of ingest.max_request_bytes ({}) needs decoded ({}): "
              + "exports that large get 413; raise the heap (-Xmx) or lower ingest.max_request_bytes",
          config.maxInflightBytes(), config.maxRequestBytes(), largestExport);
    }
    EventLoopGroup workers = EventLoopGroups.newEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()));
    WasteMetrics wasteMetrics = null;
    PortAccess access = null;
    PemTls tls = null;
    try {
      access = PortAccess.open(config.security(), config.tenantLimits().limits());
      tls = openTls(config.tls());
      ServerBuilder grpcBuilder = base(workers, config.bindAddress(), config.otlpGrpcPort(), tls);
      receivers.installGrpc(grpcBuilder);
      access.installIngest(grpcBuilder);
      ServerBuilder httpBuilder = base(workers, config.bindAddress(), config.otlpHttpPort(), tls);
      receivers.installHttp(httpBuilder);
      access.installIngest(httpBuilder);
      ServerBuilder queryBuilder = base(workers, config.bindAddress(), config.httpPort(), tls);
      access.installQuery(queryBuilder, config.bindAddress());
      WasteEngine engine =
          WasteEngine.builder(store, costs::catalog)
              .thresholds(config.wasteThresholds())
              .duplicateWindow(config.wasteDuplicateWindow())
              .maxCalls(config.analysisMaxCalls())
              .budgets(config.budgets())
              .tenantBudgets(config.tenantLimits().budgets())
              .outcomeBenchmarks(config.outcomeBenchmarks())
              .build();
      Repricer.Builder repricer = Repricer.builder(store, enricher);
      if (config.priceCatalogFile() != null) {
        repricer.catalogReloader(() -> {
          PriceCatalog next = readCatalog(config);
          LOG.info("price catalog reloaded for a reprice: {} ({} models)", next.version(), next.models().size());
          return next;
        });
      }
      QueryApi.builder(store, registry)
          .unknownModels(unknownModels::entries)
          .limits(new dev.tokentrail.query.traceql.QueryLimits(config.queryMaxLength(), config.queryMaxConditions(),
              dev.tokentrail.query.traceql.QueryLimits.DEFAULT.maxDepth()), config.queryMaxRange())
          .analytics(engine)
          .repricer(repricer.build())
          .build()
          .install(queryBuilder);
      PortAccess ports = access;
      wasteMetrics = WasteMetrics.start(engine, registry, config.wasteInterval(), config.wasteLookback(),
          () -> ports.knownTenants(metrics.tenantsSeen()));
      Server grpc = grpcBuilder.build();
      Server http = httpBuilder.build();
      Server query = queryBuilder.build();
      grpc.start().join();
      http.start().join();
      query.start().join();
      return new TokenTrailServer(store, workers, grpc, http, query, wasteMetrics, access, tls);
    } catch (RuntimeException e) {
      if (wasteMetrics != null) {
        wasteMetrics.close();
      }
      if (tls != null) {
        tls.close();
      }
      if (access != null) {
        access.close();
      }
      store.close();
      workers.shutdownGracefully();
      throw e;
    }
  }

  /** The store {@code store.type} names: the embedded Lucene store, or an OpenSearch cluster. */
  private static SpanStore openStore(ServerConfig config, PrometheusRegistry registry, FatalErrors fatalErrors) {
    if ("opensearch".equals(config.storeType())) {
      LOG.info("store: OpenSearch at {}", config.openSearch().urls());
      return config.openSearch().open(config.retention(), Math.max(1, config.maxQueuedSpans() / 1000), registry);
    }
    return LuceneSpanStore.builder(config.dataDir())
        .retention(config.retention())
        .partitionDuration(config.partitionDuration())
        .commitInterval(config.commitInterval())
        .maxFutureSkew(config.maxFutureSkew())
        .maxQueuedSpans(config.maxQueuedSpans())
        .maxIndexedFields(config.maxIndexedFields())
        .indexThreads(config.indexThreads())
        .regexWorkLimit(config.queryRegexWorkLimit())
        .maxQueuedBytes(config.maxQueuedBytes())
        .ramBufferMb(ramBufferMb(Runtime.getRuntime().maxMemory()))
        .onFatalError(fatalErrors::handle)
        .registry(registry)
        .open();
  }

  /**
   * Lucene's indexing buffer per open partition: a sixteenth of the heap, between 8 and 128 MiB, so
   * that a small heap holds the buffers of the partitions written at once beside the write queue.
   */
  static double ramBufferMb(long maxHeapBytes) {
    return Math.max(8, Math.min(128, (maxHeapBytes >> 20) / 16));
  }

  /** The built-in catalog with the configured catalog file (if any) over it; throws naming the file and entry. */
  private static PriceCatalog readCatalog(ServerConfig config) {
    PriceCatalog catalog = PriceCatalog.builtIn();
    return config.priceCatalogFile() == null ? catalog : catalog.overriddenBy(config.priceCatalogFile());
  }

  /** The PEM files' TLS identity, or null for plain HTTP. */
  private static PemTls openTls(TlsConfig config) {
    if (!config.enabled()) {
      return null;
    }
    PemTls tls = PemTls.open(config.certFile(), config.keyFile(), config.clientCaFile(), config.reloadInterval());
    LOG.info("TLS on every port: {} from {}{} (checked for changes every {})", tls.describe(), config.certFile(),
        tls.mutual() ? ", client certificates of " + config.clientCaFile() + " required" : "", config.reloadInterval());
    return tls;
  }

  private static ServerBuilder base(EventLoopGroup workers, String bindAddress, int port, PemTls tls) {
    ServerBuilder builder = Server.builder();
    if (tls == null) {
      builder.port(new InetSocketAddress(bindAddress, port), SessionProtocol.HTTP);
    } else {
      builder.port(new InetSocketAddress(bindAddress, port), SessionProtocol.HTTPS)
          .tlsProvider(tls, ServerTlsConfig.builder().clientAuth(tls.mutual() ? ClientAuth.REQUIRE : ClientAuth.NONE).build());
    }
    return builder
        // TokenTrail's metrics are its Prometheus registry's; Armeria's few Micrometer meters go
        // unread. A registry per server, because the three servers registering the shared blocking
        // executor's meters in one (Armeria's global default) log a warning at start.
        .meterRegistry(new SimpleMeterRegistry())
        .workerGroup(workers, false)
        .gracefulShutdownTimeout(Duration.ofMillis(200), Duration.ofSeconds(15))
        // Oversize request headers: a 431 on HTTP/1 and HTTP/2 alike, never a reset connection.
        .http1MaxHeaderSize(RequestHeaderLimit.MAX_BYTES)
        .http2MaxHeaderListSize(RequestHeaderLimit.DECODE_LIMIT_BYTES)
        .decorator(new RequestHeaderLimit())
        // Error bodies never carry stack traces, whatever -Dcom.linecorp.armeria.verboseResponses
        // says: each port's error handler logs failures and tells clients only the request id.
        .verboseResponses(false)
        .disableServerHeader()
        .disableDateHeader();
  }

  int otlpGrpcPort() {
    return grpc.activeLocalPort();
  }

  int otlpHttpPort() {
    return http.activeLocalPort();
  }

  int httpPort() {
    return query.activeLocalPort();
  }

  @Override
  public void close() {
    LOG.info("shutting down: finishing in-flight exports");
    // Each Armeria server waits out its own quiet period; stop them side by side.
    CompletableFuture.allOf(grpc.stop(), http.stop()).join();
    LOG.info("shutting down: flushing and committing the store");
    CompletableFuture<?> queryStopped = query.stop();
    wasteMetrics.close();
    store.close();
    queryStopped.join();
    workers.shutdownGracefully().syncUninterruptibly();
    access.close();
    if (tls != null) {
      tls.close();
    }
    LOG.info("stopped");
  }
}
