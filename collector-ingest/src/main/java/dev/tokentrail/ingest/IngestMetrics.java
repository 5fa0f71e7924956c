package dev.tokentrail.ingest;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The ingest side of TokenTrail's Prometheus metrics (DESIGN section 7): LLM calls, tokens and
 * cost by service, provider, model, operation, team, project and status; ingest health. Label
 * values are bounded per label by {@link BoundedLabels}.
 */
public final class IngestMetrics {
  static final String[] LLM_LABELS = {"service", "provider", "model", "operation", "team", "project", "status"};

  private final Counter llmCalls;
  private final Counter llmTokens;
  private final Counter llmCost;
  private final Counter unknownModelCalls;
  private final Counter costMismatches;
  private final Counter spansReceived;
  private final Counter spansRejected;
  private final Counter requests;
  private final Counter enrichErrors;
  private final BoundedLabels services;
  private final BoundedLabels providers;
  private final BoundedLabels models;
  private final BoundedLabels operations;
  private final BoundedLabels teams;
  private final BoundedLabels projects;
  private final UnknownModels unknownModels;

  public IngestMetrics(PrometheusRegistry registry, int maxLabelValues, UnknownModels unknownModels) {
    requireNonNull(registry, "registry");
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
        .labelNames("provider", "model").register(registry);
    costMismatches = Counter.builder().name("tokentrail_client_cost_mismatch_total")
        .help("LLM calls whose client-reported cost differs from the catalog price by more than 1%")
        .labelNames("provider", "model").register(registry);
    spansReceived = Counter.builder().name("tokentrail_ingest_spans_received_total")
        .help("Spans received over OTLP, before validation").labelNames("protocol").register(registry);
    spansRejected = Counter.builder().name("tokentrail_ingest_spans_rejected_total")
        .help("Spans not stored, by reason").labelNames("reason").register(registry);
    requests = Counter.builder().name("tokentrail_ingest_requests_total")
        .help("OTLP export requests by protocol and result").labelNames("protocol", "result").register(registry);
    enrichErrors = Counter.builder().name("tokentrail_ingest_enrich_errors_total")
        .help("Spans stored as received because enrichment (normalization, pricing) failed; see the log")
        .register(registry);
    GaugeWithCallback.builder().name("tokentrail_unknown_models")
        .help("Distinct models seen on LLM calls that the price catalog does not know")
        .callback(cb -> cb.call(unknownModels.entries().size())).register(registry);
    services = new BoundedLabels(maxLabelValues);
    providers = new BoundedLabels(maxLabelValues);
    models = new BoundedLabels(maxLabelValues);
    operations = new BoundedLabels(maxLabelValues);
    teams = new BoundedLabels(maxLabelValues);
    projects = new BoundedLabels(maxLabelValues);
  }

  public UnknownModels unknownModels() {
    return unknownModels;
  }

  void received(String protocol, int spans) {
    spansReceived.labelValues(protocol).inc(spans);
  }

  void rejected(String reason, int spans) {
    if (spans > 0) {
      spansRejected.labelValues(reason).inc(spans);
    }
  }

  void enrichFailed() {
    enrichErrors.inc();
  }

  void request(String protocol, String result) {
    requests.labelValues(protocol, result).inc();
  }

  void llmCallStored(Span span, LlmCall call, long nowMillis) {
    String[] labels = {
      services.label(span.resource().serviceName()),
      providers.label(call.provider()),
      models.label(call.billedModel()),
      operations.label(call.operation()),
      teams.label(call.attribution().team()),
      projects.label(call.attribution().project()),
      call.isError() ? "error" : "ok"
    };
    llmCalls.labelValues(labels).inc();
    addTokens(labels, "input", call.inputTokens());
    addTokens(labels, "output", call.outputTokens());
    addTokens(labels, "cache_read", call.cacheReadTokens());
    addTokens(labels, "cache_write", call.cacheWriteTokens());
    addTokens(labels, "reasoning", call.reasoningTokens());
    if (call.cost().isPriced()) {
      llmCost.labelValues(labels).inc(call.cost().totalUsd());
      if (!Double.isNaN(call.clientCostUsd())
          && Math.abs(call.clientCostUsd() - call.cost().totalUsd()) > 0.01 * Math.max(call.cost().totalUsd(), 1e-9)) {
        costMismatches.labelValues(labels[1], labels[2]).inc();
      }
    } else if (dev.tokentrail.model.Cost.UNKNOWN_MODEL.equals(call.cost().unpricedReason())) {
      unknownModelCalls.labelValues(labels[1], labels[2]).inc();
      unknownModels.record(call.provider(), call.billedModel(), nowMillis);
    }
  }

  private void addTokens(String[] labels, String type, long tokens) {
    if (tokens <= 0) {
      return;
    }
    String[] withType = new String[labels.length + 1];
    System.arraycopy(labels, 0, withType, 0, labels.length);
    withType[labels.length] = type;
    CounterDataPoint point = llmTokens.labelValues(withType);
    point.inc(tokens);
  }
}
