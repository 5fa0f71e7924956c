package dev.tokentrail.agent;

import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.agent.genai.GenAiKeys;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokentrail.agent.fingerprint.FingerprintSettings;
import dev.tokentrail.agent.fingerprint.JsonRequestFingerprints;
import dev.tokentrail.agent.fingerprint.RequestFingerprint;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the agent extension adds to one LLM call, next to the upstream agent alone: the spans an
 * openai-java call makes under the agent (a GenAI CLIENT span and one okhttp child HTTP span, under a
 * context with team/project/feature baggage) in a real SDK tracer provider with a discarding exporter
 * behind a {@link SimpleSpanProcessor}; then with {@link LlmSpanProcessor} added (built-in catalog,
 * default baggage keys, a real {@link SdkMeterProvider}); then also fingerprinting the request body as
 * the OpenAI HTTP advice does ({@link JsonRequestFingerprints#wanted}, a copy of the body, {@link
 * JsonRequestFingerprints#record}), with that work's two parts (Jackson parse, {@link
 * RequestFingerprint#of}) also timed alone. In the extension's package because the processor is
 * package-private. Run with {@code -prof gc} for bytes allocated per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(1)
public class AgentOverheadBenchmark {
  /** Configured as {@link JsonRequestFingerprints}' own mapper (defaults). */
  static final ObjectMapper JSON = new ObjectMapper();

  /** (a) The upstream agent alone. */
  @Benchmark
  public void upstreamAgent(UpstreamAgent state) {
    state.agent.call(null);
  }

  /** (b) The upstream agent with the extension's span processor. */
  @Benchmark
  public void withExtension(ExtendedAgent state) {
    state.agent.call(null);
  }

  /** (c) (b) plus fingerprinting the request body the SDK sends. */
  @Benchmark
  public void withExtensionAndFingerprint(FingerprintingAgent state) {
    state.agent.call(state.body);
  }

  /** Part of (c): Jackson's parse of the body into maps and lists, as {@link JsonRequestFingerprints} does. */
  @Benchmark
  public Object fingerprintParseOnly(RequestBody request) throws IOException {
    return JSON.readValue(request.bytes, Object.class);
  }

  /** Part of (c): {@link RequestFingerprint#of} on the parsed body (canonical JSON + two HMACs). */
  @Benchmark
  public RequestFingerprint fingerprintHashOnly(RequestBody request) {
    return RequestFingerprint.of(request.parsed, request.salt);
  }

  @State(org.openjdk.jmh.annotations.Scope.Thread)
  public static class UpstreamAgent {
    Agent agent;

    @Setup(Level.Trial)
    public void setUp() {
      agent = new Agent(false);
      agent.check(null);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      agent.close();
    }
  }

  @State(org.openjdk.jmh.annotations.Scope.Thread)
  public static class ExtendedAgent {
    Agent agent;

    @Setup(Level.Trial)
    public void setUp() {
      agent = new Agent(true);
      agent.check(null);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      agent.close();
    }
  }

  /** The JSON body of the request, as the SDK serialized it, and parsed. */
  @State(org.openjdk.jmh.annotations.Scope.Thread)
  public static class RequestBody {
    /** SMALL_CHAT: system prompt + one user message (~1 KB); AGENT_CONVERSATION: many tool-calling turns (~20 KB). */
    @Param({"SMALL_CHAT", "AGENT_CONVERSATION"})
    public String body;

    byte[] bytes;
    Map<String, Object> parsed;
    byte[] salt;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      System.setProperty(FingerprintSettings.SALT_PROPERTY, "bench-salt");
      FingerprintSettings.reload();
      salt = FingerprintSettings.get().salt();
      bytes = body.equals("SMALL_CHAT") ? Bodies.smallChat() : Bodies.agentConversation();
      @SuppressWarnings("unchecked")
      Map<String, Object> tree = JSON.readValue(bytes, Map.class);
      parsed = tree;
    }
  }

  /** The extended agent and a body to fingerprint on each call. */
  @State(org.openjdk.jmh.annotations.Scope.Thread)
  public static class FingerprintingAgent {
    Agent agent;
    byte[] body;

    @Setup(Level.Trial)
    public void setUp(ExtendedAgent extended, RequestBody request) {
      agent = extended.agent;
      body = request.bytes;
      // Fails the trial rather than measuring a path that skipped the fingerprint.
      agent.check(body);
    }
  }

  /** One tracer provider as the agent builds it, with or without the extension's processor. */
  static final class Agent {
    static final AttributeKey<String> URL = AttributeKey.stringKey("url.full");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final List<String> STOP = List.of("stop");

    final boolean extension;
    final SdkMeterProvider meterProvider;
    final SdkTracerProvider tracerProvider;
    final DiscardingSpanExporter exporter = new DiscardingSpanExporter();
    /** The scopes of the agent's openai-java and okhttp instrumentations. */
    final Tracer openAi;
    final Tracer okHttp;
    final Context baggage = Context.root().with(Baggage.builder()
        .put("team", "search").put("project", "answers").put("feature", "answer-question").build());
    // Fields, not constants, so the JIT cannot fold them.
    long inputTokens = 1_234;
    long cacheReadTokens = 1_024;
    long outputTokens = 187;
    String responseId = "chatcmpl-CXh2k9vEeBXq0bYpT6mR3nWfLs1uA";

    Agent(boolean extension) {
      this.extension = extension;
      meterProvider = SdkMeterProvider.builder()
          .registerMetricReader(PeriodicMetricReader.builder(new DiscardingMetricExporter())
              .setInterval(Duration.ofHours(1)).build())
          .build();
      SdkTracerProviderBuilder builder = SdkTracerProvider.builder();
      if (extension) {
        builder.addSpanProcessor(new LlmSpanProcessor(PriceCatalog.builtIn(),
            LlmSpanProcessor.baggageAttributes(LlmSpanProcessor.defaultBaggageKeys()),
            new GenAiClientMetrics(() -> meterProvider.get("dev.tokentrail.agent"))));
      }
      tracerProvider = builder.addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
      openAi = tracerProvider.tracerBuilder("io.opentelemetry.openai-java-1.1").setInstrumentationVersion("2.33.1-alpha").build();
      okHttp = tracerProvider.tracerBuilder("io.opentelemetry.okhttp-3.0").setInstrumentationVersion("2.33.1-alpha").build();
    }

    /** One chat completion: the GenAI span, the request body fingerprinted if given, one HTTP attempt. */
    void call(byte[] body) {
      Span chat = openAi.spanBuilder("chat gpt-4o").setSpanKind(SpanKind.CLIENT).setParent(baggage)
          .setAttribute(GenAiKeys.OPERATION, "chat")
          .setAttribute(GenAiKeys.PROVIDER, "openai")
          .setAttribute(GenAiKeys.REQUEST_MODEL, "gpt-4o")
          .setAttribute(GenAiKeys.REQUEST_TEMPERATURE, 0.2)
          .setAttribute(GenAiKeys.SERVER_ADDRESS, "api.openai.com")
          .setAttribute(GenAiKeys.SERVER_PORT, 443L)
          .startSpan();
      try (Scope ignored = baggage.with(chat).makeCurrent()) {
        if (body != null) {
          fingerprint(Span.current(), body);
        }
        Span http = okHttp.spanBuilder("POST").setSpanKind(SpanKind.CLIENT)
            .setAttribute(GenAiKeys.HTTP_METHOD, "POST")
            .setAttribute(URL, "https://api.openai.com/v1/chat/completions")
            .setAttribute(GenAiKeys.SERVER_ADDRESS, "api.openai.com")
            .setAttribute(GenAiKeys.SERVER_PORT, 443L)
            .startSpan();
        http.setAttribute(STATUS, 200L);
        http.end();
      }
      chat.setAttribute(GenAiKeys.RESPONSE_MODEL, "gpt-4o-2024-08-06");
      chat.setAttribute(GenAiKeys.RESPONSE_ID, responseId);
      chat.setAttribute(GenAiKeys.FINISH_REASONS, STOP);
      chat.setAttribute(GenAiKeys.INPUT, inputTokens);
      chat.setAttribute(GenAiKeys.OUTPUT, outputTokens);
      chat.setAttribute(GenAiKeys.CACHE_READ, cacheReadTokens);
      chat.end();
    }

    /** What OpenAiHttpInstrumentation's advice does with the body inside the SDK's HTTP send. */
    private static void fingerprint(Span current, byte[] body) {
      if (!JsonRequestFingerprints.wanted(current, "application/json; charset=utf-8", body.length)) {
        return;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
      out.write(body, 0, body.length);
      JsonRequestFingerprints.record(current, out.toByteArray());
    }

    /** Makes one call and checks the exported GenAI span carries what this configuration adds. */
    void check(byte[] body) {
      call(body);
      SpanData chat = exporter.last;
      boolean priced = chat.getAttributes().get(GenAiKeys.COST) != null;
      boolean attributed = "search".equals(chat.getAttributes().get(AttributeKey.stringKey("tokentrail.team")));
      if (priced != extension || attributed != extension) {
        throw new IllegalStateException("extension " + extension + " but priced " + priced + ", attributed "
            + attributed + ": " + chat);
      }
      if (body != null && chat.getAttributes().get(GenAiKeys.PREFIX_HASH) == null) {
        throw new IllegalStateException("request not fingerprinted: " + chat);
      }
    }

    void close() {
      tracerProvider.close();
      meterProvider.close();
    }
  }

  /** Keeps the last exported span, so the export is not dead code. */
  static final class DiscardingSpanExporter implements SpanExporter {
    SpanData last;

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      for (SpanData span : spans) {
        last = span;
      }
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  static final class DiscardingMetricExporter implements MetricExporter {
    @Override
    public CompletableResultCode export(Collection<MetricData> metrics) {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
      return AggregationTemporality.CUMULATIVE;
    }
  }

  /** Chat completion request bodies, serialized as the SDK does, with seeded filler text. */
  static final class Bodies {
    private static final String[] WORDS = {
      "the", "order", "customer", "refund", "policy", "invoice", "shipping", "account", "within", "days",
      "please", "summarize", "query", "result", "table", "error", "retry", "search", "document", "answer",
      "which", "because", "should", "return", "product", "warehouse", "status", "pending", "approved", "item"
    };

    static byte[] smallChat() {
      Random random = new Random(1);
      Map<String, Object> request = new LinkedHashMap<>();
      request.put("model", "gpt-4o");
      request.put("messages", List.of(
          message("system", "You are a support assistant for an online store. " + text(random, 560)),
          message("user", text(random, 300))));
      request.put("temperature", 0.2);
      request.put("max_tokens", 512);
      return bytes(request);
    }

    /** A tool-using agent some twenty turns in: each turn a user or tool result, a tool call, an answer. */
    static byte[] agentConversation() {
      Random random = new Random(2);
      Map<String, Object> request = new LinkedHashMap<>();
      request.put("model", "gpt-4o");
      List<Object> messages = new ArrayList<>();
      messages.add(message("system", "You are an operations agent with tools. " + text(random, 1_500)));
      request.put("messages", messages);
      request.put("tools", List.of(tool("search_orders", "query"), tool("get_invoice", "invoice_id")));
      request.put("temperature", 0.0);
      request.put("parallel_tool_calls", false);
      for (int turn = 0; bytes(request).length < 20_000; turn++) {
        messages.add(message("user", text(random, 180)));
        String callId = "call_" + Integer.toString(1_000_000 + turn * 7_919, 36) + "Xy7Qp";
        Map<String, Object> assistant = new LinkedHashMap<>();
        assistant.put("role", "assistant");
        assistant.put("content", null);
        assistant.put("tool_calls", List.of(Map.of("id", callId, "type", "function",
            "function", Map.of("name", "search_orders", "arguments", "{\"query\":\"" + text(random, 40) + "\"}"))));
        messages.add(assistant);
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("role", "tool");
        tool.put("tool_call_id", callId);
        tool.put("content", text(random, 420));
        messages.add(tool);
        messages.add(message("assistant", text(random, 200)));
      }
      messages.add(message("user", text(random, 180)));
      return bytes(request);
    }

    private static Map<String, Object> message(String role, String content) {
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("role", role);
      message.put("content", content);
      return message;
    }

    private static Map<String, Object> tool(String name, String parameter) {
      return Map.of("type", "function", "function", Map.of(
          "name", name,
          "description", "Looks up " + parameter + " in the store's back office and returns the matching records.",
          "parameters", Map.of("type", "object", "required", List.of(parameter),
              "properties", Map.of(parameter, Map.of("type", "string", "description", "The " + parameter + ".")))));
    }

    private static String text(Random random, int chars) {
      StringBuilder out = new StringBuilder(chars + 16);
      while (out.length() < chars) {
        out.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(12) == 0 ? ". " : " ");
      }
      return out.toString().trim();
    }

    private static byte[] bytes(Object request) {
      try {
        return JSON.writeValueAsBytes(request);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
