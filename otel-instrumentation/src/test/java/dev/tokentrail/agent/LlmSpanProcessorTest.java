package dev.tokentrail.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.pricing.PriceCatalog;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The processor inside a real SDK tracer provider, with in-memory span and metric exporters. */
class LlmSpanProcessorTest {
  /** gpt-4o: $2.50 input, $1.25 cache read, $10 output per 1M tokens. */
  private static final double GPT_4O_COST = (200 * 2.50 + 1000 * 1.25 + 80 * 10.0) / 1_000_000;

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final InMemoryMetricReader metricReader = InMemoryMetricReader.create();
  private SdkMeterProvider meterProvider;
  private SdkTracerProvider tracerProvider;

  @BeforeEach
  void setUp() throws Exception {
    meterProvider = SdkMeterProvider.builder().registerMetricReader(metricReader).build();
    Map<String, AttributeKey<String>> baggage = LlmSpanProcessor.baggageAttributes(LlmSpanProcessor.defaultBaggageKeys());
    LlmSpanProcessor processor = new LlmSpanProcessor(PriceCatalog.builtIn(), baggage,
        new GenAiClientMetrics(() -> meterProvider.get("dev.tokentrail.agent")));
    tracerProvider = SdkTracerProvider.builder()
        .addSpanProcessor(processor)
        .addSpanProcessor(SimpleSpanProcessor.create(spans))
        .build();
  }

  @AfterEach
  void tearDown() {
    tracerProvider.close();
    meterProvider.close();
  }

  private Span chat(Tracer tracer, Context parent) {
    return tracer.spanBuilder("chat gpt-4o").setSpanKind(SpanKind.CLIENT).setParent(parent)
        .setAttribute("gen_ai.operation.name", "chat")
        .setAttribute("gen_ai.provider.name", "openai")
        .setAttribute("gen_ai.request.model", "gpt-4o")
        .startSpan();
  }

  private static void answer(Span span) {
    span.setAttribute("gen_ai.response.model", "gpt-4o-2024-08-06");
    span.setAttribute("gen_ai.usage.input_tokens", 1200L);
    span.setAttribute("gen_ai.usage.cache_read.input_tokens", 1000L);
    span.setAttribute("gen_ai.usage.output_tokens", 80L);
  }

  private SpanData only(String name) {
    List<SpanData> matching = new ArrayList<>();
    for (SpanData span : spans.getFinishedSpanItems()) {
      if (span.getName().equals(name)) {
        matching.add(span);
      }
    }
    assertThat(matching).hasSize(1);
    return matching.get(0);
  }

  private Optional<MetricData> metric(String name) {
    return metricReader.collectAllMetrics().stream().filter(m -> m.getName().equals(name)).findFirst();
  }

  @Test
  void callsArePricedAttributedFromBaggageAndCountTheirHttpAttempts() {
    Tracer tracer = tracerProvider.get("dev.tokentrail.anthropic-java-3");
    Context parent = Context.root().with(Baggage.builder().put("team", "search").put("conversation", "c-1").build());
    Span chat = chat(tracer, parent);
    try (Scope ignored = chat.makeCurrent()) {
      for (int attempt = 0; attempt < 2; attempt++) {
        tracer.spanBuilder("POST").setSpanKind(SpanKind.CLIENT).setAttribute("http.request.method", "POST").startSpan().end();
      }
    }
    answer(chat);
    chat.end();

    Attributes a = only("chat gpt-4o").getAttributes();
    assertThat(a.get(AttributeKey.doubleKey("tokentrail.cost.usd"))).isCloseTo(GPT_4O_COST, within(1e-12));
    assertThat(a.get(AttributeKey.stringKey("tokentrail.price.source"))).isEqualTo("agent");
    assertThat(a.get(AttributeKey.stringKey("tokentrail.team"))).isEqualTo("search");
    assertThat(a.get(AttributeKey.stringKey("gen_ai.conversation.id"))).isEqualTo("c-1");
    assertThat(a.get(AttributeKey.longKey("tokentrail.retry.attempt"))).isEqualTo(1L);
    assertThat(spans.getFinishedSpanItems()).filteredOn(s -> s.getName().equals("POST")).hasSize(2)
        .allSatisfy(s -> assertThat(s.getAttributes().get(AttributeKey.longKey("tokentrail.retry.attempt"))).isNull());
  }

  @Test
  void bedrockCacheReadsArePricedOnceAndTheSdkAttemptIsKept() {
    // The agent's Bedrock Converse span as BedrockUsageExtractor completes it: input counted with
    // the cache reads (1200 = 200 + 1000), the cache reads beside it, and the SDK's attempt.
    Span span = tracerProvider.get(BedrockUsageCustomizer.AWS_SDK_INSTRUMENTATION).spanBuilder("chat bedrock")
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute("gen_ai.operation.name", "chat").setAttribute("gen_ai.provider.name", "aws.bedrock")
        .setAttribute("gen_ai.request.model", "us.anthropic.claude-sonnet-4-5-20250929-v1:0").startSpan();
    span.setAttribute("gen_ai.usage.input_tokens", 1200L);
    span.setAttribute("gen_ai.usage.cache_read.input_tokens", 1000L);
    span.setAttribute("gen_ai.usage.output_tokens", 80L);
    span.setAttribute("tokentrail.retry.attempt", 1L);
    span.end();

    Attributes a = only("chat bedrock").getAttributes();
    // Claude Sonnet 4.5 through a regional (us.) Bedrock inference profile: AWS's published price
    // is 10 % above the global profile's, $3.30 input, $0.33 cache read, $16.50 output per 1M tokens.
    assertThat(a.get(AttributeKey.doubleKey("tokentrail.cost.usd")))
        .isCloseTo((200 * 3.30 + 1000 * 0.33 + 80 * 16.50) / 1_000_000, within(1e-12));
    assertThat(a.get(AttributeKey.longKey("tokentrail.retry.attempt"))).isEqualTo(1L);
    assertThat(metric("gen_ai.client.token.usage")).isEmpty(); // the agent meters its own Bedrock spans
  }

  @Test
  void anUnknownModelIsMarkedUnpricedNotPricedAtZero() {
    Span span = tracerProvider.get("dev.tokentrail.test").spanBuilder("chat mystery")
        .setAttribute("gen_ai.operation.name", "chat").setAttribute("gen_ai.provider.name", "openai")
        .setAttribute("gen_ai.request.model", "mystery-model-9").startSpan();
    span.setAttribute("gen_ai.usage.input_tokens", 10L);
    span.end();
    Attributes a = only("chat mystery").getAttributes();
    assertThat(a.get(AttributeKey.doubleKey("tokentrail.cost.usd"))).isNull();
    assertThat(a.get(AttributeKey.stringKey("tokentrail.price.unpriced_reason"))).isEqualTo("unknown_model");
  }

  @Test
  void ourSpansGetTheGenAiClientMetricsAsTheConventionsDefineThem() {
    Span ok = chat(tracerProvider.get("dev.tokentrail.anthropic-java-3"), Context.root());
    answer(ok);
    ok.end();
    Span failed = chat(tracerProvider.get("dev.tokentrail.anthropic-java-3"), Context.root());
    failed.setAttribute("error.type", "429");
    failed.end();

    MetricData tokens = metric("gen_ai.client.token.usage").orElseThrow();
    assertThat(tokens.getUnit()).isEqualTo("{token}");
    Map<String, Long> sums = new LinkedHashMap<>();
    for (HistogramPointData point : tokens.getHistogramData().getPoints()) {
      assertThat(point.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model"))).isEqualTo("gpt-4o");
      assertThat(point.getAttributes().get(AttributeKey.stringKey("gen_ai.response.model"))).isEqualTo("gpt-4o-2024-08-06");
      assertThat(point.getBoundaries()).containsExactlyElementsOf(
          GenAiClientMetrics.TOKEN_BUCKETS.stream().map(Long::doubleValue).collect(java.util.stream.Collectors.toList()));
      sums.put(point.getAttributes().get(AttributeKey.stringKey("gen_ai.token.type")), (long) point.getSum());
    }
    assertThat(sums).containsOnly(Map.entry("input", 1200L), Map.entry("output", 80L));

    MetricData duration = metric("gen_ai.client.operation.duration").orElseThrow();
    assertThat(duration.getUnit()).isEqualTo("s");
    List<String> errorTypes = new ArrayList<>();
    for (HistogramPointData point : duration.getHistogramData().getPoints()) {
      assertThat(point.getCount()).isEqualTo(1);
      errorTypes.add(String.valueOf(point.getAttributes().get(AttributeKey.stringKey("error.type"))));
    }
    assertThat(errorTypes).containsExactlyInAnyOrder("null", "429");

    MetricData cost = metric("tokentrail.llm.cost").orElseThrow();
    assertThat(cost.getDoubleSumData().getPoints()).singleElement().satisfies(p -> {
      assertThat(p.getValue()).isCloseTo(GPT_4O_COST, within(1e-12));
      assertThat(p.getAttributes().get(AttributeKey.stringKey("gen_ai.provider.name"))).isEqualTo("openai");
      assertThat(p.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model"))).isEqualTo("gpt-4o");
      assertThat(p.getAttributes().get(AttributeKey.stringKey("gen_ai.response.model"))).isEqualTo("gpt-4o-2024-08-06");
    });
  }

  @Test
  void spansOfInstrumentationsThatMeterThemselvesAreOnlyCosted() {
    Span span = chat(tracerProvider.get("io.opentelemetry.openai-java-1.1"), Context.root());
    answer(span);
    span.end();
    assertThat(metric("gen_ai.client.token.usage")).isEmpty();
    assertThat(metric("gen_ai.client.operation.duration")).isEmpty();
    assertThat(metric("tokentrail.llm.cost")).isPresent();
    assertThat(LlmSpanProcessor.recordsNoClientMetrics("com.anthropic.sdk.java")).isTrue();
  }

  @Test
  void aFrameworkCallAroundAnInstrumentedSdkCallIsMarkedAndNotPricedTwice() {
    Span outer = tracerProvider.get("dev.tokentrail.langchain4j-1").spanBuilder("chat outer")
        .setAttribute("gen_ai.operation.name", "chat").setAttribute("gen_ai.provider.name", "openai")
        .setAttribute("gen_ai.request.model", "gpt-4o").startSpan();
    try (Scope ignored = outer.makeCurrent()) {
      Span inner = chat(tracerProvider.get("io.opentelemetry.openai-java-1.1"), Context.current());
      answer(inner);
      inner.end();
    }
    answer(outer);
    outer.end();

    Attributes inner = only("chat gpt-4o").getAttributes();
    Attributes wrapper = only("chat outer").getAttributes();
    assertThat(inner.get(AttributeKey.doubleKey("tokentrail.cost.usd"))).isCloseTo(GPT_4O_COST, within(1e-12));
    assertThat(inner.get(AttributeKey.booleanKey("tokentrail.llm.wrapper"))).isNull();
    assertThat(wrapper.get(AttributeKey.booleanKey("tokentrail.llm.wrapper"))).isTrue();
    assertThat(wrapper.get(AttributeKey.doubleKey("tokentrail.cost.usd"))).isNull();
    assertThat(metric("gen_ai.client.token.usage")).as("the wrapper is not metered; the agent meters the SDK call").isEmpty();
    assertThat(metric("tokentrail.llm.cost").orElseThrow().getDoubleSumData().getPoints()).singleElement()
        .satisfies(p -> assertThat(p.getValue()).isCloseTo(GPT_4O_COST, within(1e-12)));
  }

  @Test
  void agentSpansThatSumTheirCallsAreNeitherPricedNorAttributedNorWrappers() {
    Context parent = Context.root().with(Baggage.builder().put("team", "search").put("user", "u-42").build());
    Span agent = tracerProvider.get("app").spanBuilder("invoke_agent planner").setParent(parent)
        .setAttribute("gen_ai.operation.name", "invoke_agent").startSpan();
    try (Scope withBaggage = parent.makeCurrent(); Scope ignored = agent.makeCurrent()) {
      Span inner = chat(tracerProvider.get("io.opentelemetry.openai-java-1.1"), Context.current());
      answer(inner);
      inner.end();
    }
    // The agent span reports the sum of its calls' usage, as agent frameworks do.
    answer(agent);
    agent.end();
    Span http = tracerProvider.get("io.opentelemetry.okhttp-3.0").spanBuilder("GET").setParent(parent)
        .setAttribute("http.request.method", "GET").startSpan();
    http.end();

    Attributes a = only("invoke_agent planner").getAttributes();
    assertThat(a.get(AttributeKey.booleanKey("tokentrail.llm.wrapper"))).isNull();
    assertThat(a.get(AttributeKey.doubleKey("tokentrail.cost.usd"))).isNull();
    assertThat(a.get(AttributeKey.stringKey("tokentrail.team"))).isNull();
    assertThat(only("GET").getAttributes().get(AttributeKey.stringKey("tokentrail.user")))
        .as("baggage is copied onto calls only").isNull();
    assertThat(only("chat gpt-4o").getAttributes().get(AttributeKey.doubleKey("tokentrail.cost.usd"))).isCloseTo(GPT_4O_COST, within(1e-12));
    assertThat(only("chat gpt-4o").getAttributes().get(AttributeKey.stringKey("tokentrail.team"))).isEqualTo("search");
    assertThat(metric("tokentrail.llm.cost").orElseThrow().getDoubleSumData().getPoints()).singleElement()
        .satisfies(p -> assertThat(p.getValue()).isCloseTo(GPT_4O_COST, within(1e-12)));
  }
}
