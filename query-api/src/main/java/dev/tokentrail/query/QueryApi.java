package dev.tokentrail.query;

import dev.tokentrail.security.RequestTenant;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import dev.tokentrail.store.SpanStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The HTTP API on port 3200: the Grafana Tempo trace API (and Tempo's gRPC streaming
 * {@code tempopb.StreamingQuerier} beside it), TokenTrail's JSON API under {@code /api/v1/},
 * Prometheus {@code /metrics} and {@code /ready}. Handlers parse, call the store, and
 * serialize; blocking store reads run on Armeria's blocking executor.
 */
public final class QueryApi {
  static final ObjectMapper JSON = new ObjectMapper();

  private final SpanStore store;
  private final PrometheusRegistry registry;
  private final BooleanSupplier ready;
  private final java.util.function.Function<String, Object> unknownModels;
  private final dev.tokentrail.analysis.WasteEngine engine;
  private final dev.tokentrail.analysis.Repricer repricer;

  private QueryApi(Builder b) {
    this.engine = b.engine;
    this.repricer = b.repricer;
    this.store = b.store;
    this.registry = b.registry;
    this.ready = b.ready;
    this.unknownModels = b.unknownModels;
  }

  public static Builder builder(SpanStore store, PrometheusRegistry registry) {
    return new Builder(requireNonNull(store, "store"), requireNonNull(registry, "registry"));
  }

  /** Configures a {@link QueryApi}. */
  public static final class Builder {
    private final SpanStore store;
    private final PrometheusRegistry registry;
    private BooleanSupplier ready;
    private java.util.function.Function<String, Object> unknownModels = tenant -> java.util.List.of();
    private dev.tokentrail.analysis.WasteEngine engine;
    private dev.tokentrail.analysis.Repricer repricer;

    private Builder(SpanStore store, PrometheusRegistry registry) {
      this.store = store;
      this.registry = registry;
      this.ready = store::isReady;
    }

    /** What {@code /ready} reports; defaults to the store's readiness. */
    public Builder ready(BooleanSupplier ready) {
      this.ready = requireNonNull(ready, "ready");
      return this;
    }

    /** Rows for {@code /api/v1/unknown-models}. */
    /** The models the price catalog does not know, of the tenant given. */
    public Builder unknownModels(java.util.function.Function<String, Object> unknownModels) {
      this.unknownModels = requireNonNull(unknownModels, "unknownModels");
      return this;
    }

    /**
     * Limits on every query: TraceQL length, conditions and nesting, and the longest time range.
     * They apply process-wide (the TraceQL parser checks them wherever it runs).
     */
    public Builder limits(dev.tokentrail.query.traceql.QueryLimits limits, java.time.Duration maxRange) {
      dev.tokentrail.query.traceql.QueryLimits.set(limits);
      QueryGuard.maxRange(requireNonNull(maxRange, "maxRange"));
      return this;
    }

    /** Serves the cost and waste JSON under /api/v1/ from this engine. */
    public Builder analytics(dev.tokentrail.analysis.WasteEngine engine) {
      this.engine = requireNonNull(engine, "engine");
      return this;
    }

    /** Serves {@code POST /api/v1/reprice} with this repricer. */
    public Builder repricer(dev.tokentrail.analysis.Repricer repricer) {
      this.repricer = requireNonNull(repricer, "repricer");
      return this;
    }

    public QueryApi build() {
      return new QueryApi(this);
    }
  }

  /**
   * Adds the API's services to {@code server}, with the error handler that answers their failures
   * ({@link QueryErrors}): install it on a port of its own, as its error rendering applies to the
   * whole port.
   */
  public void install(ServerBuilder server) {
    server.errorHandler(new QueryErrors());
    TempoApi tempo = new TempoApi(store, java.time.Clock.systemUTC());
    tempo.install(server);
    dev.tokentrail.query.metrics.TraceQlMetrics metrics = dev.tokentrail.query.metrics.TraceQlMetrics.create(store);
    new MetricsApi(metrics, java.time.Clock.systemUTC()).install(server);
    // Tempo's gRPC streaming API (Grafana's streaming switches) on the same port: Armeria tells
    // gRPC (HTTP/2, application/grpc, /tempopb.StreamingQuerier/...) from the HTTP routes by path.
    server.service(
        com.linecorp.armeria.server.grpc.GrpcService.builder()
            .addService(new StreamingQuerierService(tempo, metrics, java.time.Clock.systemUTC()))
            .exceptionHandler(new QueryGrpcErrors())
            .useBlockingTaskExecutor(true)
            .build());
    if (engine != null) {
      new AnalyticsApi(engine).install(server);
      new FocusApi(engine).install(server);
    }
    if (repricer != null) {
      server.service("/api/v1/reprice", new RepriceService(repricer, java.time.Clock.systemUTC()));
    }
    get(server, "/api/v1/traces/top", new TopTracesService(store, java.time.Clock.systemUTC()));
    TraceByIdService traces = new TraceByIdService(store);
    get(server, "/api/traces/{traceId}", traces.v1());
    get(server, "/api/v2/traces/{traceId}", traces.v2());
    get(server, "/metrics", new MetricsService(registry));
    get(
        server,
        "/ready",
        (ctx, req) ->
            ready.getAsBoolean()
                ? HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ready")
                : HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8, "not ready"));
    get(
        server,
        "/api/v1/unknown-models",
        (ctx, req) -> JsonResponses.ok(java.util.Map.of("models", unknownModels.apply(RequestTenant.of(ctx)))));
  }

  /**
   * The role each route of the query port needs: {@code admin} to reprice, {@code query} for
   * every read; {@code /api/echo} and {@code /api/status/buildinfo} (Grafana's connection test,
   * nothing stored) are open, and so are {@code /metrics} and {@code /ready} unless {@code
   * protectMetrics}.
   */
  public static dev.tokentrail.security.AccessDecorator.RoleOf roles(boolean protectMetrics) {
    return ctx -> switch (ctx.path()) {
      case "/api/echo", "/api/status/buildinfo" -> null;
      case "/metrics", "/ready" -> protectMetrics ? dev.tokentrail.security.Role.QUERY : null;
      case "/api/v1/reprice" -> dev.tokentrail.security.Role.ADMIN;
      default -> dev.tokentrail.security.Role.QUERY;
    };
  }

  /**
   * Whether a request is a query that counts against its tenant's {@code max_concurrent_queries}:
   * everything but {@code /metrics}, {@code /ready} and the two constant answers.
   */
  public static boolean isQuery(com.linecorp.armeria.server.ServiceRequestContext ctx) {
    return switch (ctx.path()) {
      case "/api/echo", "/api/status/buildinfo", "/metrics", "/ready" -> false;
      default -> true;
    };
  }

  /**
   * Serves a read-only route: GET and HEAD; other methods are answered 405 by Armeria, never
   * served as a read.
   */
  static void get(ServerBuilder server, String path, com.linecorp.armeria.server.HttpService service) {
    server.route().path(path).methods(com.linecorp.armeria.common.HttpMethod.GET, com.linecorp.armeria.common.HttpMethod.HEAD)
        .build(service);
  }
}
