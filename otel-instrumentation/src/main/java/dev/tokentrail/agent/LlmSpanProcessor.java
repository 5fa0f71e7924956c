package dev.tokentrail.agent;

import static dev.tokentrail.agent.genai.GenAiKeys.*;

import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.pricing.Quote;
import dev.tokentrail.pricing.Usage;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.internal.ExtendedSpanProcessor;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Enriches the GenAI spans of the instrumented service. At start, baggage entries naming the team,
 * project, cost center, feature or user are copied onto the span as {@code tokentrail.*}, so a call
 * made deep in a downstream service is charged to the feature that triggered it. At end (before the
 * span is frozen), a call that reported usage is priced from the shipped catalog, and the GenAI
 * client metrics are recorded for the spans whose instrumentation does not record them. No exception
 * ever escapes into the application.
 */
final class LlmSpanProcessor implements ExtendedSpanProcessor {
  private static final Logger LOG = Logger.getLogger(LlmSpanProcessor.class.getName());

  /** Open GenAI spans whose HTTP attempts are being counted; bounded so no span can leak memory. */
  private static final int MAX_OPEN_CALLS = 10_000;
  private final ConcurrentHashMap<String, AtomicInteger> httpAttempts = new ConcurrentHashMap<>();

  /** Open call spans with a call span below them: wrappers, whose usage the inner span reports. */
  private final Set<String> wrappers = ConcurrentHashMap.newKeySet();

  private final PriceCatalog prices;
  /** Baggage key to span attribute, e.g. {@code team -> tokentrail.team}. */
  private final Map<String, AttributeKey<String>> baggageKeys;
  private final GenAiClientMetrics metrics;

  LlmSpanProcessor(PriceCatalog prices, Map<String, AttributeKey<String>> baggageKeys, GenAiClientMetrics metrics) {
    this.prices = prices;
    this.baggageKeys = baggageKeys;
    this.metrics = metrics;
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    try {
      if (isCall(span.getAttribute(OPERATION))) {
        trackCall(span);
        copyBaggage(Baggage.fromContext(parentContext), span);
      } else {
        countHttpAttempt(span);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "tokentrail: baggage attribution failed", e);
    }
  }

  /**
   * Opens a call's attempt counter, and marks the open call above it, if any, as a wrapper. Only
   * calls are attributed: copying baggage (a user id among it) onto every span of the service would
   * spread it far beyond what cost attribution needs.
   */
  private void trackCall(ReadWriteSpan span) {
    if (httpAttempts.size() >= MAX_OPEN_CALLS) {
      httpAttempts.clear();
      wrappers.clear();
    }
    String parent = span.getParentSpanContext().getSpanId();
    if (span.getParentSpanContext().isValid() && httpAttempts.containsKey(parent)) {
      wrappers.add(parent);
    }
    httpAttempts.put(span.getSpanContext().getSpanId(), new AtomicInteger());
  }

  private void copyBaggage(Baggage baggage, ReadWriteSpan span) {
    if (baggage.isEmpty()) {
      return;
    }
    for (Map.Entry<String, AttributeKey<String>> e : baggageKeys.entrySet()) {
      String value = baggage.getEntryValue(e.getKey());
      if (value != null && !value.isEmpty() && span.getAttribute(e.getValue()) == null) {
        span.setAttribute(e.getValue(), value);
      }
    }
  }

  /**
   * SDK retries happen inside one call span, each attempt an HTTP client span below it: count them,
   * so the call reports which attempt finally answered.
   */
  private void countHttpAttempt(ReadWriteSpan span) {
    if (span.getAttribute(HTTP_METHOD) != null && span.getParentSpanContext().isValid()) {
      AtomicInteger attempts = httpAttempts.get(span.getParentSpanContext().getSpanId());
      if (attempts != null) {
        attempts.incrementAndGet();
      }
    }
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnding(ReadWriteSpan span) {
    try {
      String operation = span.getAttribute(OPERATION);
      if (!isCall(operation)) {
        return; // Agent, tool and workflow spans may sum their calls' usage: never priced.
      }
      String spanId = span.getSpanContext().getSpanId();
      AtomicInteger attempts = httpAttempts.remove(spanId);
      if (wrappers.remove(spanId)) {
        // A framework call (LangChain4j over an instrumented SDK, say) around the SDK's own call
        // span: the inner span carries the usage, so this one is marked and neither priced nor
        // metered, and the server does not count the call twice.
        span.setAttribute(WRAPPER, true);
        return;
      }
      if (attempts != null && attempts.get() > 0 && span.getAttribute(RETRY_ATTEMPT) == null) {
        span.setAttribute(RETRY_ATTEMPT, (long) attempts.get() - 1);
      }
      price(span, operation);
      if (recordsNoClientMetrics(span.getInstrumentationScopeInfo().getName())) {
        recordClientMetrics(span, operation);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "tokentrail: pricing a span failed", e);
    }
  }

  /**
   * Whether the instrumentation that made a GenAI span records no {@code gen_ai.client.*} metrics of
   * its own: ours, and the Anthropic SDK's built-in tracing. The agent's own GenAI instrumentations
   * (openai-java, Bedrock) record them, and recording again would double them.
   */
  static boolean recordsNoClientMetrics(String scope) {
    return scope.startsWith("dev.tokentrail") || scope.startsWith("com.anthropic");
  }

  private void recordClientMetrics(ReadWriteSpan span, String operation) {
    GenAiClientMetrics.Call call = new GenAiClientMetrics.Call();
    call.operation = operation;
    call.provider = provider(span);
    call.requestModel = span.getAttribute(REQUEST_MODEL);
    call.responseModel = span.getAttribute(RESPONSE_MODEL);
    call.serverAddress = span.getAttribute(SERVER_ADDRESS);
    call.serverPort = span.getAttribute(SERVER_PORT);
    call.errorType = span.getAttribute(ERROR_TYPE);
    call.inputTokens = span.getAttribute(INPUT);
    call.outputTokens = span.getAttribute(OUTPUT);
    call.durationNanos = span.getLatencyNanos();
    metrics.recordCall(call);
  }

  @Override
  public boolean isOnEndingRequired() {
    return true;
  }

  /** A call that reported usage is priced at its start day's price (or marked unknown_model). */
  private void price(ReadWriteSpan span, String operation) {
    if (span.getAttribute(COST) != null) {
      return;
    }
    Long input = span.getAttribute(INPUT);
    Long output = span.getAttribute(OUTPUT);
    if (input == null && output == null) {
      return;
    }
    String provider = provider(span);
    String requestModel = span.getAttribute(REQUEST_MODEL);
    String responseModel = span.getAttribute(RESPONSE_MODEL);
    // The span has ended: its start is the end (now) less its latency. toSpanData() would copy the
    // whole span just to read it.
    Instant start = Instant.now().minusNanos(span.getLatencyNanos());
    Long cacheWrite = span.getAttribute(CACHE_WRITE);
    if (cacheWrite == null) {
      cacheWrite = span.getAttribute(CACHE_WRITE_ANTHROPIC_SDK);
    }
    Usage usage = Usage.builder()
        .input(orZero(input))
        .output(orZero(output))
        .cacheRead(orZero(span.getAttribute(CACHE_READ)))
        .cacheWrite(orZero(cacheWrite))
        .cacheWrite1h(orZero(span.getAttribute(CACHE_WRITE_1H)))
        .reasoning(orZero(span.getAttribute(REASONING)))
        .inputAudio(orZero(span.getAttribute(INPUT_AUDIO)))
        .outputAudio(orZero(span.getAttribute(OUTPUT_AUDIO)))
        .build();
    Quote cost = responseModel == null ? null : prices.price(provider, responseModel, usage, start);
    if (cost == null && requestModel != null && !requestModel.equals(responseModel)) {
      cost = prices.price(provider, requestModel, usage, start);
    }
    span.setAttribute(PRICE_VERSION, prices.version());
    span.setAttribute(PRICE_SOURCE, "agent");
    if (cost == null) {
      span.setAttribute(UNPRICED, "unknown_model");
      return;
    }
    span.setAttribute(PRICE_MODEL, cost.model().id());
    span.setAttribute(PRICE_PROVIDER, cost.model().provider());
    span.setAttribute(COST, cost.totalUsd());
    span.setAttribute(COST_INPUT, cost.inputUsd());
    span.setAttribute(COST_OUTPUT, cost.outputUsd());
    metrics.recordCost(cost.totalUsd(), operation, provider != null ? provider : cost.model().provider(), requestModel, responseModel);
  }

  /** {@code gen_ai.provider.name}, else the deprecated {@code gen_ai.system}. */
  private static String provider(ReadableSpan span) {
    String provider = span.getAttribute(PROVIDER);
    return provider != null ? provider : span.getAttribute(SYSTEM);
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }

  @Override
  public void onEnd(ReadableSpan span) {}

  @Override
  public boolean isEndRequired() {
    return false;
  }

  /** Baggage key to the span attribute it is copied to: {@code tokentrail.KEY}, {@code conversation} as {@code gen_ai.conversation.id}. */
  static Map<String, AttributeKey<String>> baggageAttributes(List<String> keys) {
    Map<String, AttributeKey<String>> attributes = new LinkedHashMap<>();
    for (String key : keys) {
      attributes.put(key, AttributeKey.stringKey(key.equals("conversation") ? "gen_ai.conversation.id" : "tokentrail." + key));
    }
    return attributes;
  }

  static List<String> defaultBaggageKeys() {
    return List.of("team", "project", "cost_center", "feature", "user", "task", "conversation");
  }
}
