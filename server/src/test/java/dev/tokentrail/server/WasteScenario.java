package dev.tokentrail.server;

import static dev.tokentrail.server.LlmSpans.chatAttempt;
import static dev.tokentrail.server.LlmSpans.span;
import static dev.tokentrail.server.LlmSpans.spanId;
import static dev.tokentrail.server.LlmSpans.traceId;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * LLM traffic with every kind of waste and hand-computed answers (docs/waste.md): a retry group
 * (429 unbilled, 500 billed, then success) with outcome {@code ticket_resolved} for team
 * {@code support}; a four-turn growing conversation across two traces on fx-agent for team
 * {@code research}; a classifier on fx-frontier beside the same task on fx-small for team
 * {@code routing}, two of its traces with outcome {@code ticket_routed}. The models are the made-up
 * ones of {@link #CATALOG} (provider {@value #PROVIDER}), which a server fed this scenario must load
 * ({@link #catalogEnv}), so that a price update of the built-in catalog does not change the
 * answers. Prices: fx-frontier $2.50/$10, fx-small $0.15/$0.60, fx-agent $3/$15 with cache reads at
 * $0.30 (per 1M tokens).
 */
public final class WasteScenario {
  private static final double M = 1_000_000.0;

  /** The scenario's provider, unknown to the built-in catalog. */
  public static final String PROVIDER = "fixture-ai";

  /** The price catalog file of the scenario's models (USD per 1M tokens). */
  public static final String CATALOG = """
      version: "waste-scenario-1"
      models:
        - provider: fixture-ai
          model: fx-frontier
          tier: frontier
          prices: [{effective_from: 2024-01-01, input: 2.50, output: 10.00, cache_read: 1.25}]
        - provider: fixture-ai
          model: fx-small
          tier: small
          prices: [{effective_from: 2024-01-01, input: 0.15, output: 0.60}]
        - provider: fixture-ai
          model: fx-agent
          tier: frontier
          prices: [{effective_from: 2024-01-01, input: 3.00, output: 15.00, cache_read: 0.30}]
      """;

  /** Writes {@link #CATALOG} into {@code dir}; returns the server environment that loads it. */
  public static Map<String, String> catalogEnv(Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("waste-scenario-prices.yaml"), CATALOG);
    return Map.of("TOKENTRAIL_PRICING_CATALOG_FILE", file.toString());
  }

  // Hand-computed answers.
  public static final double RETRY_WASTED_USD = (1000 * 2.50 + 50 * 10.0) / M; // the billed 500-error attempt
  public static final double RETRY_TRACE_COST_USD = RETRY_WASTED_USD + (1000 * 2.50 + 200 * 10.0) / M;
  public static final double CONTEXT_RESENT_USD = (1500 + 3000 + 5000) * 3.00 / M; // r = 1500, 3000, 5000
  public static final double CACHE_OPPORTUNITY_USD = (1500 + 3000 + 5000) * (3.00 - 0.30) / M;
  public static final double OVERKILL_SAVINGS_USD = 4 * (800 * 2.50 + 5 * 10.0) / M - 4 * (800 * 0.15 + 5 * 0.60) / M;

  private final List<SpanData> spans;
  private final String retryTraceId;

  private WasteScenario(List<SpanData> spans, String retryTraceId) {
    this.spans = spans;
    this.retryTraceId = retryTraceId;
  }

  /** The scenario's spans; they start at {@code start} (epoch ms) and end within 60 s of it. */
  public static WasteScenario startingAt(long start) {
    List<SpanData> spans = new ArrayList<>();

    // 1. Retries: 429 without usage, 500 with usage, then success; same parent, model and operation.
    String retryTrace = traceId();
    String root = spanId();
    spans.add(span(retryTrace, root, "", "POST /tickets/resolve", "support-bot", start, 10_000,
        Attributes.builder().put("tokentrail.outcome", "ticket_resolved").build(), false));
    spans.add(chatAttempt(retryTrace, root, "support-bot", PROVIDER, "fx-frontier", -1, -1, start + 100, "429",
        Attributes.builder().put("team", "support").build()));
    spans.add(chatAttempt(retryTrace, root, "support-bot", PROVIDER, "fx-frontier", 1000, 50, start + 2000, "500",
        Attributes.builder().put("team", "support").build()));
    spans.add(chatAttempt(retryTrace, root, "support-bot", PROVIDER, "fx-frontier", 1000, 200, start + 5000, null,
        Attributes.builder().put("team", "support").build()));

    // 2. Context growth: one conversation across two traces, four turns.
    long[][] turns = {{1000, 500}, {2500, 500}, {4500, 500}, {7000, 500}};
    String traceA = traceId();
    String traceB = traceId();
    String rootA = spanId();
    String rootB = spanId();
    spans.add(span(traceA, rootA, "", "agent step", "research-agent", start, 20_000, Attributes.empty(), false));
    spans.add(span(traceB, rootB, "", "agent step", "research-agent", start + 30_000, 20_000, Attributes.empty(), false));
    for (int i = 0; i < turns.length; i++) {
      String trace = i < 2 ? traceA : traceB;
      String parent = i < 2 ? rootA : rootB;
      spans.add(chatAttempt(trace, parent, "research-agent", PROVIDER, "fx-agent", turns[i][0], turns[i][1],
          start + 1000 + i * 15_000L, null, Attributes.builder().put("gen_ai.conversation.id", "conv-agent").put("team", "research").build()));
    }

    // 3. Overkill: a classifier on fx-frontier beside the same task on fx-small, both always succeeding.
    for (int i = 0; i < 8; i++) {
      String trace = traceId();
      String r = spanId();
      String model = i < 4 ? "fx-frontier" : "fx-small";
      spans.add(span(trace, r, "", "route ticket", "ticket-router", start + i * 1000L, 2_000,
          i < 2 ? Attributes.builder().put("tokentrail.outcome", "ticket_routed").build() : Attributes.empty(), false));
      spans.add(chatAttempt(trace, r, "ticket-router", PROVIDER, model, 800, 5, start + i * 1000L + 10, null,
          Attributes.builder().put("tokentrail.task", "classify-ticket").put("team", "routing").build()));
    }
    return new WasteScenario(List.copyOf(spans), retryTrace);
  }

  public List<SpanData> spans() {
    return spans;
  }

  /** The trace of the retry group, the only retry finding. */
  public String retryTraceId() {
    return retryTraceId;
  }
}
