package dev.tokentrail.ingest;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.genai.ClientAttributes;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The ingest side of TokenTrail's Prometheus metrics (docs/api.md, "Metrics"): LLM calls, tokens and
 * cost by service, provider, model, operation, team, project and status; ingest health. Label
 * values are bounded per label by {@link BoundedLabels}, and the label combinations of each family
 * by {@link SeriesLimiter}: past {@code maxSeries} combinations an observation is added to the
 * family's overflow series, whose labels are {@code other} (status and token type kept), and
 * counted in {@code tokentrail_metrics_folded_total{metric}}. Sums over a family's series stay
 * the true totals.
 */
public final class IngestMetrics {
  static final String[] LLM_LABELS = {"tenant", "service", "provider", "model", "operation", "team", "project", "status"};
  /** Label combinations kept per metric family unless configured (metrics.max_series). */
  public static final int DEFAULT_MAX_SERIES = 1000;
  static final String CALLS = "tokentrail_llm_calls_total";
  static final String TOKENS = "tokentrail_llm_tokens_total";
  static final String COST = "tokentrail_llm_cost_usd_total";
  static final String UNKNOWN_MODEL_CALLS = "tokentrail_unknown_model_calls_total";
  static final String COST_MISMATCH = "tokentrail_client_cost_mismatch_total";

  private final Counter llmCalls;
  private final Counter llmTokens;
  private final Counter llmCost;
  private final Counter unknownModelCalls;
  private final Counter costMismatches;
  private final Counter spansReceived;
  private final Counter spansRejected;
  private final Counter requests;
  private final Counter enrichErrors;
  private final Counter sanitized;
  private final Counter dropped;
  private final BoundedLabels services;
  private final BoundedLabels providers;
  private final BoundedLabels models;
  private final BoundedLabels operations;
  private final BoundedLabels teams;
  private final BoundedLabels projects;
  /** Tenants of the LLM series: bounded like the other labels, as X-Scope-OrgID is the caller's to choose. */
  private final BoundedLabels tenants;
  private final UnknownModels unknownModels;
  private final Counter folded;
  private final PrometheusRegistry registry;
  /** Shared by calls, tokens and cost, so the three agree on which combinations have their own series. */
  private final SeriesLimiter llmSeries;
  private final SeriesLimiter unknownModelSeries;
  private final SeriesLimiter mismatchSeries;

  public IngestMetrics(PrometheusRegistry registry, int maxLabelValues, UnknownModels unknownModels) {
    this(registry, maxLabelValues, DEFAULT_MAX_SERIES, unknownModels);
  }

  /**
   * @param maxSeries label combinations kept per metric family (for the tokens family, per
   *     combination of the other labels: each keeps up to five {@code type} series)
   */
  public IngestMetrics(PrometheusRegistry registry, int maxLabelValues, int maxSeries, UnknownModels unknownModels) {
    requireNonNull(registry, "registry");
    this.registry = registry;
    llmSeries = new SeriesLimiter(maxSeries);
    unknownModelSeries = new SeriesLimiter(maxSeries);
    mismatchSeries = new SeriesLimiter(maxSeries);
    this.unknownModels = requireNonNull(unknownModels, "unknownModels");
    llmCalls = Counter.builder().name("tokentrail_llm_calls_total")
        .help("LLM calls stored").labelNames(LLM_LABELS).register(registry);
    String[] tokenLabels = new String[LLM_LABELS.length + 1];
    System.arraycopy(LLM_LABELS, 0, tokenLabels, 0, LLM_LABELS.length);
    tokenLabels[LLM_LABELS.length] = "type";
    llmTokens = Counter.builder().name("tokentrail_llm_tokens_total")
        .help("Tokens of stored LLM calls by type: input (including cache), output (including reasoning), cache_read, cache_write, reasoning")
        .labelNames(tokenLabels).register(registry);
    llmCost = Counter.builder().name("tokentrail_llm_cost_usd_total")
        .help("Cost in USD of stored LLM calls, priced by the catalog").labelNames(LLM_LABELS).register(registry);
    unknownModelCalls = Counter.builder().name("tokentrail_unknown_model_calls_total")
        .help("LLM calls whose model is not in the price catalog (not priced)")
        .labelNames("tenant", "provider", "model").register(registry);
    costMismatches = Counter.builder().name("tokentrail_client_cost_mismatch_total")
        .help("LLM calls whose client-reported cost differs from the catalog price by more than 1%")
        .labelNames("tenant", "provider", "model").register(registry);
    spansReceived = Counter.builder().name("tokentrail_ingest_spans_received_total")
        .help("Spans received over OTLP, before validation, by tenant and protocol").labelNames("tenant", "protocol").register(registry);
    spansRejected = Counter.builder().name("tokentrail_ingest_spans_rejected_total")
        .help("Spans not stored, by tenant and reason").labelNames("tenant", "reason").register(registry);
    requests = Counter.builder().name("tokentrail_ingest_requests_total")
        .help("OTLP export requests by protocol and result").labelNames("protocol", "result").register(registry);
    enrichErrors = Counter.builder().name("tokentrail_ingest_enrich_errors_total")
        .help("Spans stored as received because enrichment (normalization, pricing) failed; see the log")
        .register(registry);
    sanitized = Counter.builder().name("tokentrail_ingest_attributes_sanitized_total")
        .help("Client span attributes not taken as sent, by reason: server_owned (a tokentrail.cost/price/... attribute,"
            + " renamed tokentrail.client.*), negative, non_finite, implausible (a token count or amount above its bound,"
            + " moved to tokentrail.original.* and read as unknown)")
        .labelNames("reason").register(registry);
    for (String reason : ClientAttributes.REASONS) {
      sanitized.labelValues(reason);
    }
    dropped = Counter.builder().name("tokentrail_ingest_attributes_dropped_total")
        .help("Attributes removed at ingest because their key matches ingest.drop_attributes, by where they were:"
            + " resource, span, event, link")
        .labelNames("tenant", "scope").register(registry);
    GaugeWithCallback.builder().name("tokentrail_unknown_models")
        .help("Distinct models seen on LLM calls that the price catalog does not know, by tenant")
        .labelNames("tenant")
        .callback(cb -> unknownModels.tenants().forEach(t -> cb.call(unknownModels.entries(t).size(), t))).register(registry);
    folded = Counter.builder().name("tokentrail_metrics_folded_total")
        .help("Observations added to a metric family's overflow series (labels 'other') because the family reached metrics.max_series label combinations")
        .labelNames("metric").register(registry);
    for (String family : new String[] {CALLS, TOKENS, COST, UNKNOWN_MODEL_CALLS, COST_MISMATCH}) {
      folded.labelValues(family);
    }
    services = new BoundedLabels(maxLabelValues);
    providers = new BoundedLabels(maxLabelValues);
    models = new BoundedLabels(maxLabelValues);
    operations = new BoundedLabels(maxLabelValues);
    teams = new BoundedLabels(maxLabelValues);
    projects = new BoundedLabels(maxLabelValues);
    tenants = new BoundedLabels(maxLabelValues);
  }

  public UnknownModels unknownModels() {
    return unknownModels;
  }

  /** Tenants seen on stored LLM calls since start, as bounded as their label. */
  public java.util.Set<String> tenantsSeen() {
    return tenants.values();
  }

  void received(String tenant, String protocol, int spans) {
    spansReceived.labelValues(tenants.label(tenant), protocol).inc(spans);
  }

  void rejected(String tenant, String reason, int spans) {
    if (spans > 0) {
      spansRejected.labelValues(tenants.label(tenant), reason).inc(spans);
    }
  }

  void enrichFailed() {
    enrichErrors.inc();
  }

  /** A client attribute renamed or moved aside at ingest ({@link ClientAttributes#REASONS}). */
  public void attributeSanitized(String reason) {
    sanitized.labelValues(reason).inc();
  }

  /** Attributes removed by {@code ingest.drop_attributes}. */
  void attributesDropped(String tenant, DroppedAttributes.Scope scope, int attributes) {
    dropped.labelValues(tenants.label(tenant), scope.label).inc(attributes);
  }

  void request(String protocol, String result) {
    requests.labelValues(protocol, result).inc();
  }

  void llmCallStored(Span span, LlmCall call, long nowMillis) {
    llmCallStored(dev.tokentrail.store.Tenants.DEFAULT, span, call, nowMillis);
  }

  /** Counts a stored call of {@code tenant} in the calls, tokens and cost series, under its tenant label. */
  void llmCallStored(String tenant, Span span, LlmCall call, long nowMillis) {
    String status = call.isError() ? "error" : "ok";
    String provider = providers.label(call.provider());
    String model = models.label(call.billedModel());
    String tenantLabel = tenants.label(tenant);
    String[] labels = {
      tenantLabel,
      services.label(span.resource().serviceName()),
      provider,
      model,
      operations.label(call.operation()),
      teams.label(call.attribution().team()),
      projects.label(call.attribution().project()),
      status
    };
    boolean own = llmSeries.admit(labels);
    if (!own) {
      String o = BoundedLabels.OTHER;
      labels = new String[] {tenantLabel, o, o, o, o, o, o, status};
    }
    llmCalls.labelValues(labels).inc();
    fold(own, CALLS, 1);
    int tokenSeries = addTokens(labels, "input", call.inputTokens())
        + addTokens(labels, "output", call.outputTokens())
        + addTokens(labels, "cache_read", call.cacheReadTokens())
        + addTokens(labels, "cache_write", call.cacheWriteTokens())
        + addTokens(labels, "reasoning", call.reasoningTokens());
    fold(own, TOKENS, tokenSeries);
    if (call.cost().isPriced()) {
      CounterDataPoint cost = llmCost.labelValues(labels);
      if (increment(call.cost().totalUsd())) {
        cost.inc(call.cost().totalUsd());
      }
      fold(own, COST, 1);
      if (!Double.isNaN(call.clientCostUsd())
          && Math.abs(call.clientCostUsd() - call.cost().totalUsd()) > 0.01 * Math.max(call.cost().totalUsd(), 1e-9)) {
        boolean mine = mismatchSeries.admit(tenantLabel, provider, model);
        costMismatches.labelValues(tenantLabel, mine ? provider : BoundedLabels.OTHER, mine ? model : BoundedLabels.OTHER).inc();
        fold(mine, COST_MISMATCH, 1);
      }
    } else if (dev.tokentrail.model.Cost.UNKNOWN_MODEL.equals(call.cost().unpricedReason())) {
      boolean mine = unknownModelSeries.admit(tenantLabel, provider, model);
      unknownModelCalls.labelValues(tenantLabel, mine ? provider : BoundedLabels.OTHER, mine ? model : BoundedLabels.OTHER).inc();
      fold(mine, UNKNOWN_MODEL_CALLS, 1);
      unknownModels.record(tenant, call.provider(), call.billedModel(), nowMillis);
    }
  }

  private void fold(boolean own, String family, int observations) {
    if (!own && observations > 0) {
      folded.labelValues(family).inc(observations);
    }
  }

  /** Whether {@code amount} can be added to a counter: finite and positive. */
  static boolean increment(double amount) {
    return amount > 0 && amount < Double.POSITIVE_INFINITY;
  }

  /**
   * Adds to the {@code type} series; 1 if it did, 0 for no tokens. Added as a double: the
   * client library sums long increments in a long, which wraps negative past 2^63 and then fails
   * every scrape; a double sum is exact to 2^53 tokens and only rounds beyond.
   */
  private int addTokens(String[] labels, String type, long tokens) {
    if (tokens <= 0) {
      return 0;
    }
    String[] withType = new String[labels.length + 1];
    System.arraycopy(labels, 0, withType, 0, labels.length);
    withType[labels.length] = type;
    CounterDataPoint point = llmTokens.labelValues(withType);
    point.inc((double) tokens);
    return 1;
  }

  /** Back-pressure: the in-flight decoding budget's use and limit, in bytes. */
  void inflightBytes(java.util.function.LongSupplier used, long limit) {
    GaugeWithCallback.builder().name("tokentrail_ingest_inflight_bytes")
        .help("Bytes of OTLP request bodies being decoded and of decoded spans not yet accepted by the store (estimated)")
        .callback(cb -> cb.call(used.getAsLong())).register(registry);
    GaugeWithCallback.builder().name("tokentrail_ingest_inflight_limit_bytes")
        .help("ingest.max_inflight_bytes: past it exports are answered 429 / RESOURCE_EXHAUSTED")
        .callback(cb -> cb.call(limit)).register(registry);
  }
}
