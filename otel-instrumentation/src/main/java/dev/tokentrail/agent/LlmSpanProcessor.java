package dev.tokentrail.agent;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.internal.ExtendedSpanProcessor;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
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

  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("gen_ai.system");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  static final AttributeKey<Long> INPUT = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT = AttributeKey.longKey("gen_ai.usage.output_tokens");
  static final AttributeKey<Long> CACHE_READ = AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
  static final AttributeKey<Long> CACHE_WRITE = AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens");
  /** The Anthropic Java SDK's own tracing names cache writes this way. */
  static final AttributeKey<Long> CACHE_WRITE_ANTHROPIC_SDK = AttributeKey.longKey("gen_ai.usage.cache_write.input_tokens");
  static final AttributeKey<Long> REASONING = AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");
  static final AttributeKey<Double> COST = AttributeKey.doubleKey("tokentrail.cost.usd");
  static final AttributeKey<Double> COST_INPUT = AttributeKey.doubleKey("tokentrail.cost.input_usd");
  static final AttributeKey<Double> COST_OUTPUT = AttributeKey.doubleKey("tokentrail.cost.output_usd");
  static final AttributeKey<String> PRICE_VERSION = AttributeKey.stringKey("tokentrail.price.version");
  static final AttributeKey<String> PRICE_SOURCE = AttributeKey.stringKey("tokentrail.price.source");
  static final AttributeKey<String> UNPRICED = AttributeKey.stringKey("tokentrail.price.unpriced_reason");
  static final AttributeKey<Long> RETRY_ATTEMPT = AttributeKey.longKey("tokentrail.retry.attempt");
  static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<Boolean> WRAPPER = AttributeKey.booleanKey("tokentrail.llm.wrapper");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  /** Open GenAI spans whose HTTP attempts are being counted; bounded so no span can leak memory. */
  private static final int MAX_OPEN_CALLS = 10_000;
  private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> httpAttempts =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Open call spans with a call span below them: wrappers, whose usage the inner span reports. */
  private final java.util.Set<String> wrappers = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final AgentPrices prices;
  /** Baggage key to span attribute, e.g. {@code team -> tokentrail.team}. */
  private final Map<String, AttributeKey<String>> baggageKeys;
  private final GenAiClientMetrics metrics;

  LlmSpanProcessor(AgentPrices prices, Map<String, AttributeKey<String>> baggageKeys, GenAiClientMetrics metrics) {
    this.prices = prices;
    this.baggageKeys = baggageKeys;
    this.metrics = metrics;
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    try {
      countAttempts(span);
      // Only calls are attributed: copying baggage (a user id among it) onto every span of the
      // service would spread it far beyond what cost attribution needs.
      Baggage baggage = Baggage.fromContext(parentContext);
      if (baggage.isEmpty() || !isCall(span.getAttribute(OPERATION))) {
        return;
      }
      for (Map.Entry<String, AttributeKey<String>> e : baggageKeys.entrySet()) {
        String value = baggage.getEntryValue(e.getKey());
        if (value != null && !value.isEmpty() && span.getAttribute(e.getValue()) == null) {
          span.setAttribute(e.getValue(), value);
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "tokentrail: baggage attribution failed", e);
    }
  }

  /**
   * SDK retries happen inside one GenAI span, each attempt an HTTP client span below it: count them,
   * so the call reports which attempt finally answered.
   */
  private void countAttempts(ReadWriteSpan span) {
    if (isCall(span.getAttribute(OPERATION))) {
      if (httpAttempts.size() >= MAX_OPEN_CALLS) {
        httpAttempts.clear();
        wrappers.clear();
      }
      String parent = span.getParentSpanContext().getSpanId();
      if (span.getParentSpanContext().isValid() && httpAttempts.containsKey(parent)) {
        wrappers.add(parent);
      }
      httpAttempts.put(span.getSpanContext().getSpanId(), new java.util.concurrent.atomic.AtomicInteger());
      return;
    }
    if (span.getAttribute(HTTP_METHOD) != null && span.getParentSpanContext().isValid()) {
      java.util.concurrent.atomic.AtomicInteger attempts = httpAttempts.get(span.getParentSpanContext().getSpanId());
      if (attempts != null) {
        attempts.incrementAndGet();
      }
    }
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  /** The operations that are one call to a model, as opposed to agents, tools or workflows around calls. */
  static boolean isCall(String operation) {
    if (operation == null) {
      return false;
    }
    switch (operation) {
      case "chat":
      case "text_completion":
      case "generate_content":
      case "embeddings":
      case "completion": // older names, as the server reads them
      case "embedding":
        return true;
      default:
        return false;
    }
  }

  @Override
  public void onEnding(ReadWriteSpan span) {
    try {
      if (wrappers.remove(span.getSpanContext().getSpanId())) {
        // A framework call (LangChain4j over an instrumented SDK, say) around the SDK's own call
        // span: the inner span carries the usage, so this one is marked and neither priced nor
        // metered, and the server does not count the call twice.
        httpAttempts.remove(span.getSpanContext().getSpanId());
        span.setAttribute(WRAPPER, true);
        return;
      }
      price(span);
      if (isCall(span.getAttribute(OPERATION)) && recordsNoClientMetrics(span.getInstrumentationScopeInfo().getName())) {
        recordClientMetrics(span);
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

  private void recordClientMetrics(ReadWriteSpan span) {
    GenAiClientMetrics.Call call = new GenAiClientMetrics.Call();
    call.operation = span.getAttribute(OPERATION);
    call.provider = span.getAttribute(PROVIDER) != null ? span.getAttribute(PROVIDER) : span.getAttribute(SYSTEM);
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

  private void price(ReadWriteSpan span) {
    java.util.concurrent.atomic.AtomicInteger attempts = httpAttempts.remove(span.getSpanContext().getSpanId());
    if (attempts != null && attempts.get() > 0 && span.getAttribute(RETRY_ATTEMPT) == null) {
      span.setAttribute(RETRY_ATTEMPT, (long) attempts.get() - 1);
    }
    String operation = span.getAttribute(OPERATION);
    // Agent, tool and workflow spans may sum their calls' usage: pricing them would count it twice.
    if (!isCall(operation) || span.getAttribute(COST) != null) {
      return;
    }
    Long input = span.getAttribute(INPUT);
    Long output = span.getAttribute(OUTPUT);
    if (input == null && output == null) {
      return;
    }
    String provider = span.getAttribute(PROVIDER);
    if (provider == null) {
      provider = span.getAttribute(SYSTEM);
    }
    String model = span.getAttribute(RESPONSE_MODEL);
    if (model == null) {
      model = span.getAttribute(REQUEST_MODEL);
    }
    LocalDate day = LocalDate.ofInstant(Instant.ofEpochSecond(0, span.toSpanData().getStartEpochNanos()), ZoneOffset.UTC);
    Long cacheWrite = span.getAttribute(CACHE_WRITE);
    if (cacheWrite == null) {
      cacheWrite = span.getAttribute(CACHE_WRITE_ANTHROPIC_SDK);
    }
    AgentPrices.Cost cost = prices.cost(provider, model, orZero(input), orZero(output), orZero(span.getAttribute(CACHE_READ)),
        orZero(cacheWrite), orZero(span.getAttribute(REASONING)), day);
    if (cost == null && span.getAttribute(REQUEST_MODEL) != null && !span.getAttribute(REQUEST_MODEL).equals(model)) {
      cost = prices.cost(provider, span.getAttribute(REQUEST_MODEL), orZero(input), orZero(output),
          orZero(span.getAttribute(CACHE_READ)), orZero(cacheWrite), orZero(span.getAttribute(REASONING)), day);
    }
    span.setAttribute(PRICE_VERSION, prices.version());
    span.setAttribute(PRICE_SOURCE, "agent");
    if (cost == null) {
      span.setAttribute(UNPRICED, "unknown_model");
      return;
    }
    span.setAttribute(COST, cost.total);
    span.setAttribute(COST_INPUT, cost.input);
    span.setAttribute(COST_OUTPUT, cost.output);
    metrics.recordCost(cost.total, operation, provider != null ? provider : cost.entry.provider,
        span.getAttribute(REQUEST_MODEL), span.getAttribute(RESPONSE_MODEL));
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

  static List<String> defaultBaggageKeys() {
    return List.of("team", "project", "cost_center", "feature", "user", "task", "conversation");
  }
}
