package dev.tokentrail.benchmarks;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.pricing.CatalogModel;
import dev.tokentrail.pricing.PriceUnit;
import dev.tokentrail.pricing.PriceCatalog;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A seeded generator of realistic traces: an HTTP root, HTTP/DB/internal children and 20-40 % LLM
 * calls reported in the conventions seen in the wild (OTel GenAI current and deprecated names,
 * OpenInference, OpenLLMetry), over 30 services and ~40 catalog models, with token counts drawn
 * from a real trace. The same seed gives the same spans, so the load generator and the bare
 * Lucene baseline index identical documents.
 */
public final class Workload {
  /** The kinds of span the JMH benchmarks can select. */
  public enum Kind {
    MIX,
    OTEL,
    OTEL_DEPRECATED,
    OPENINFERENCE,
    OPENLLMETRY,
    HTTP
  }

  static final int SERVICES = 30;
  static final int MODELS = 40;
  private static final String[] SERVICE_NAMES = {
    "checkout-api", "support-agent", "search-gateway", "doc-summarizer", "ticket-triage",
    "code-review-bot", "email-drafter", "sql-copilot", "onboarding-assistant", "fraud-explainer",
    "catalog-enricher", "translation-service", "meeting-notes", "sales-copilot", "hr-helpdesk",
    "contract-analyzer", "chat-frontend", "recommendation-api", "kb-indexer", "incident-bot",
    "invoice-reader", "voice-agent", "qa-evaluator", "release-notes", "log-explainer",
    "survey-coder", "lead-scorer", "policy-checker", "rag-retriever", "agent-orchestrator"
  };
  private static final String[] TEAMS = {"payments", "support", "platform", "growth", "data", "security"};
  private static final String[] ROUTES = {
    "/api/chat", "/api/answer", "/api/summarize", "/api/triage", "/v1/complete", "/api/search"
  };
  private static final String[] FINISH = {"stop", "stop", "stop", "length", "tool_calls"};

  private final TokenCounts tokens;
  private final SplittableRandom random;
  private final List<Resource> resources = new ArrayList<>();
  private final List<Model> models = new ArrayList<>();
  private final double[] modelWeights;
  private final long[] conversationCounter = new long[1];

  /** One catalog model as an instrumentation reports it. */
  record Model(String provider, String name, String alias, boolean embedding) {}

  public Workload(TokenCounts tokens, PriceCatalog catalog, long seed) {
    this.tokens = requireNonNull(tokens, "tokens");
    this.random = new SplittableRandom(seed);
    for (int i = 0; i < SERVICES; i++) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("service.name", SERVICE_NAMES[i]);
      r.put("service.version", "1." + (i % 7) + "." + (i % 3));
      r.put("service.namespace", "shop");
      r.put("deployment.environment.name", "production");
      r.put("host.name", "ip-10-0-" + (i % 8) + "-" + (20 + i) + ".ec2.internal");
      r.put("telemetry.sdk.language", "java");
      r.put("telemetry.sdk.name", "opentelemetry");
      r.put("telemetry.sdk.version", "1.67.0");
      r.put("team", TEAMS[i % TEAMS.length]);
      r.put("project", SERVICE_NAMES[i].split("-")[0]);
      resources.add(Resource.of(r));
    }
    pickModels(requireNonNull(catalog, "catalog"));
    // Zipf-like popularity: a few models carry most calls, as in real fleets.
    modelWeights = new double[models.size()];
    double total = 0;
    for (int i = 0; i < modelWeights.length; i++) {
      total += 1.0 / (i + 1);
      modelWeights[i] = total;
    }
    for (int i = 0; i < modelWeights.length; i++) {
      modelWeights[i] /= total;
    }
  }

  /** The vendors the workload calls, as catalog provider id and OTel provider name. */
  private static final String[][] VENDORS = {
    {"openai", "openai"}, {"anthropic", "anthropic"}, {"google", "gcp.gemini"}, {"x-ai", "x_ai"},
    {"mistral", "mistral_ai"}, {"deepseek", "deepseek"}, {"groq", "groq"}
  };

  /** Round-robin over the vendors' catalog models, so every vendor is represented. */
  private void pickModels(PriceCatalog catalog) {
    Map<String, List<CatalogModel>> byProvider = new LinkedHashMap<>();
    for (String[] vendor : VENDORS) {
      byProvider.put(vendor[1], new ArrayList<>());
    }
    for (CatalogModel m : catalog.models()) {
      for (String[] vendor : VENDORS) {
        if (vendor[0].equals(m.provider()) && !m.isDeprecated() && !m.id().contains(":")) {
          byProvider.get(vendor[1]).add(m);
        }
      }
    }
    for (int round = 0; models.size() < MODELS; round++) {
      boolean any = false;
      for (Map.Entry<String, List<CatalogModel>> entries : byProvider.entrySet()) {
        if (round < entries.getValue().size() && models.size() < MODELS) {
          CatalogModel m = entries.getValue().get(round);
          double output = m.latestPrices().basePerMillion(PriceUnit.OUTPUT);
          models.add(new Model(entries.getKey(), m.id(), m.id(), !(output > 0)));
          any = true;
        }
      }
      if (!any) {
        break;
      }
    }
  }

  public String tokenSource() {
    return tokens.source();
  }

  /** The next trace: 5-50 spans starting at {@code startNanos}, root first. */
  public List<Span> nextTrace(long startNanos) {
    TraceId traceId = traceId();
    int size = 5 + random.nextInt(46);
    double llmShare = 0.2 + 0.2 * random.nextDouble();
    int rootService = random.nextInt(SERVICES);
    List<Span> spans = new ArrayList<>(size);
    SpanId rootId = spanId();
    long cursor = startNanos + 200_000;
    List<SpanId> parents = new ArrayList<>();
    parents.add(rootId);
    String conversation = random.nextInt(2) == 0 ? "conv-" + (++conversationCounter[0]) : null;
    for (int i = 1; i < size; i++) {
      // Most work stays in the root service; some hops to two or three others.
      Resource resource = resources.get(random.nextInt(4) == 0 ? random.nextInt(SERVICES) : rootService);
      SpanId parent = parents.get(random.nextInt(parents.size()));
      SpanId spanId = spanId();
      Span span;
      if (random.nextDouble() < llmShare) {
        span = llm(pickConvention(), traceId, spanId, parent, cursor, resource, conversation);
      } else {
        span = nonLlm(traceId, spanId, parent, cursor, resource);
        if (span.kind() == SpanKind.INTERNAL) {
          parents.add(spanId);
        }
      }
      spans.add(span);
      cursor = span.endEpochNanos() + 50_000;
    }
    spans.add(0, httpServer(traceId, rootId, startNanos, cursor + 300_000, resources.get(rootService)));
    return spans;
  }

  /**
   * Whole traces until at least {@code minSpans} spans, the traces' starts spread evenly from
   * {@code startNanos} over {@code spreadNanos}. The last list element is the last trace's root.
   */
  public List<List<Span>> traces(int minSpans, long startNanos, long spreadNanos) {
    List<List<Span>> traces = new ArrayList<>();
    forEachTrace(minSpans, startNanos, spreadNanos, traces::add);
    return traces;
  }

  /**
   * The traces of {@link #traces} one at a time, without holding them: a fresh workload with the
   * same seed hands out the same traces, so a large run can be generated again for each consumer.
   */
  public void forEachTrace(int minSpans, long startNanos, long spreadNanos, Consumer<List<Span>> consumer) {
    int spans = 0;
    // ~27.5 spans per trace on average.
    long step = Math.max(1, spreadNanos / Math.max(1, minSpans / 27));
    long at = startNanos;
    while (spans < minSpans) {
      List<Span> trace = nextTrace(at);
      consumer.accept(trace);
      spans += trace.size();
      at += step;
    }
  }

  /** {@code n} spans of one kind (for JMH), each in its own trace. */
  public List<Span> spans(Kind kind, int n, long startNanos) {
    List<Span> out = new ArrayList<>(n);
    while (out.size() < n) {
      if (kind == Kind.MIX) {
        for (Span s : nextTrace(startNanos)) {
          if (out.size() < n) {
            out.add(s);
          }
        }
        continue;
      }
      Resource resource = resources.get(random.nextInt(SERVICES));
      TraceId traceId = traceId();
      out.add(
          switch (kind) {
            case HTTP -> nonLlm(traceId, spanId(), spanId(), startNanos, resource);
            case OTEL, OTEL_DEPRECATED, OPENINFERENCE, OPENLLMETRY ->
                llm(kind, traceId, spanId(), spanId(), startNanos, resource, "conv-" + out.size());
            case MIX -> throw new AssertionError();
          });
    }
    return out;
  }

  private Kind pickConvention() {
    double r = random.nextDouble();
    if (r < 0.45) {
      return Kind.OTEL;
    }
    if (r < 0.60) {
      return Kind.OTEL_DEPRECATED;
    }
    return r < 0.80 ? Kind.OPENINFERENCE : Kind.OPENLLMETRY;
  }

  private Model pickModel() {
    double r = random.nextDouble();
    for (int i = 0; i < modelWeights.length; i++) {
      if (r <= modelWeights[i]) {
        return models.get(i);
      }
    }
    return models.get(models.size() - 1);
  }

  private Span llm(
      Kind convention, TraceId traceId, SpanId spanId, SpanId parent, long start, Resource resource, String conversation) {
    Model model = pickModel();
    int row = random.nextInt(tokens.size());
    long input = tokens.input(row);
    long output = model.embedding() ? 0 : tokens.output(row);
    boolean failed = random.nextInt(100) < 3;
    long cacheRead = !model.embedding() && random.nextInt(10) < 3 ? (long) (input * (0.3 + 0.6 * random.nextDouble())) : 0;
    String requested = random.nextInt(4) == 0 ? model.alias() : model.name();
    String operation = model.embedding() ? "embeddings" : "chat";
    // Decode-bound latency: ~30 ms/token of output plus prefill, capped.
    long durationNanos = Math.min(60_000_000_000L, 150_000_000L + output * 25_000_000L + input * 50_000L);
    Span.Builder b =
        Span.builder()
            .traceId(traceId)
            .spanId(spanId)
            .parentSpanId(parent)
            .kind(SpanKind.CLIENT)
            .startEpochNanos(start)
            .endEpochNanos(start + durationNanos)
            .resource(resource);
    switch (convention) {
      case OTEL -> {
        b.name(operation + " " + requested).scope("io.opentelemetry.openai-java-1.1", "2.21.0-alpha");
        b.attribute("gen_ai.operation.name", operation)
            .attribute("gen_ai.provider.name", model.provider())
            .attribute("gen_ai.request.model", requested)
            .attribute("server.address", model.provider().replace('_', '-') + ".api.example.com")
            .attribute("server.port", 443L);
        if (!model.embedding()) {
          b.attribute("gen_ai.request.temperature", 0.2).attribute("gen_ai.request.max_tokens", 4096L);
        }
        if (!failed) {
          b.attribute("gen_ai.response.model", model.name())
              .attribute("gen_ai.response.id", "resp_" + HexFormat.of().formatHex(randomId(12)))
              .attribute("gen_ai.usage.input_tokens", input);
          if (!model.embedding()) {
            b.attribute("gen_ai.usage.output_tokens", output)
                .attribute("gen_ai.response.finish_reasons", List.of(FINISH[random.nextInt(FINISH.length)]));
          }
          if (cacheRead > 0) {
            b.attribute("gen_ai.usage.cache_read.input_tokens", cacheRead);
          }
        }
        if (conversation != null) {
          b.attribute("gen_ai.conversation.id", conversation);
        }
      }
      case OTEL_DEPRECATED -> {
        b.name(operation + " " + requested).scope("io.opentelemetry.spring-ai-1.0", "2.18.0-alpha");
        b.attribute("gen_ai.system", model.provider()).attribute("gen_ai.request.model", requested);
        if (!failed) {
          b.attribute("gen_ai.response.model", model.name()).attribute("gen_ai.usage.prompt_tokens", input);
          if (!model.embedding()) {
            b.attribute("gen_ai.usage.completion_tokens", output);
          }
        }
      }
      case OPENINFERENCE -> {
        b.name(model.embedding() ? "Embeddings" : "ChatCompletion").kind(SpanKind.INTERNAL)
            .scope("openinference.instrumentation.openai", "0.1.30");
        b.attribute("openinference.span.kind", model.embedding() ? "EMBEDDING" : "LLM")
            .attribute("llm.provider", model.provider())
            .attribute("llm.system", model.provider())
            .attribute("llm.model_name", failed ? requested : model.name())
            .attribute("llm.invocation_parameters", "{\"temperature\":0.2,\"max_tokens\":4096}")
            .attribute("input.mime_type", "application/json");
        if (!failed) {
          b.attribute("llm.token_count.prompt", input)
              .attribute("llm.token_count.completion", output)
              .attribute("llm.token_count.total", input + output);
          if (cacheRead > 0) {
            b.attribute("llm.token_count.prompt_details.cache_read", cacheRead);
          }
        }
        if (conversation != null) {
          b.attribute("session.id", conversation);
        }
      }
      case OPENLLMETRY -> {
        b.name(model.provider() + "." + (model.embedding() ? "embeddings" : "chat"))
            .scope("opentelemetry.instrumentation.openai.v1", "0.40.7");
        b.attribute("llm.request.type", model.embedding() ? "embedding" : "chat")
            .attribute("gen_ai.system", model.provider())
            .attribute("gen_ai.request.model", requested)
            .attribute("llm.is_streaming", random.nextBoolean());
        if (!failed) {
          b.attribute("gen_ai.response.model", model.name())
              .attribute("gen_ai.usage.prompt_tokens", input)
              .attribute("gen_ai.usage.completion_tokens", output)
              .attribute("llm.usage.total_tokens", input + output);
          if (cacheRead > 0) {
            b.attribute("gen_ai.usage.cache_read_input_tokens", cacheRead);
          }
        }
      }
      case MIX, HTTP -> throw new IllegalArgumentException("convention: " + convention);
    }
    if (random.nextInt(3) == 0) {
      b.attribute("user.id", "user-" + random.nextInt(5000));
    }
    if (failed) {
      String type = random.nextBoolean() ? "429" : "timeout";
      b.status(StatusCode.ERROR, type.equals("429") ? "Too Many Requests" : "request timed out")
          .attribute("error.type", type);
    }
    return b.build();
  }

  private Span nonLlm(TraceId traceId, SpanId spanId, SpanId parent, long start, Resource resource) {
    int pick = random.nextInt(10);
    Span.Builder b =
        Span.builder().traceId(traceId).spanId(spanId).parentSpanId(parent).startEpochNanos(start).resource(resource);
    if (pick < 4) {
      long duration = 2_000_000L + random.nextInt(80_000_000);
      int status = random.nextInt(50) == 0 ? 503 : 200;
      b.name("GET").kind(SpanKind.CLIENT).endEpochNanos(start + duration)
          .scope("io.opentelemetry.java-http-client", "2.21.0-alpha")
          .attribute("http.request.method", "GET")
          .attribute("url.full", "https://vector-db.internal:8443/collections/docs/points/search")
          .attribute("server.address", "vector-db.internal")
          .attribute("server.port", 8443L)
          .attribute("network.protocol.version", "1.1")
          .attribute("http.response.status_code", (long) status);
      if (status >= 500) {
        b.status(StatusCode.ERROR, "").attribute("error.type", "503");
      }
    } else if (pick < 7) {
      long duration = 300_000L + random.nextInt(20_000_000);
      b.name("SELECT shop.documents").kind(SpanKind.CLIENT).endEpochNanos(start + duration)
          .scope("io.opentelemetry.jdbc", "2.21.0-alpha")
          .attribute("db.system.name", "postgresql")
          .attribute("db.namespace", "shop")
          .attribute("db.collection.name", "documents")
          .attribute("db.operation.name", "SELECT")
          .attribute("db.query.text", "select id, body from documents where tenant_id = ? and id in (?, ?, ?)")
          .attribute("server.address", "db.internal");
    } else {
      long duration = 100_000L + random.nextInt(5_000_000);
      String step = random.nextBoolean() ? "agent.plan" : "tool.search_kb";
      b.name(step).kind(SpanKind.INTERNAL).endEpochNanos(start + duration)
          .scope("com.example.agent", "3.2.0")
          .attribute("code.function.name", step.replace('.', '_'))
          .attribute("agent.step", (long) random.nextInt(12));
    }
    return b.build();
  }

  private Span httpServer(TraceId traceId, SpanId spanId, long start, long end, Resource resource) {
    String route = ROUTES[random.nextInt(ROUTES.length)];
    return Span.builder()
        .traceId(traceId)
        .spanId(spanId)
        .name("POST " + route)
        .kind(SpanKind.SERVER)
        .startEpochNanos(start)
        .endEpochNanos(end)
        .resource(resource)
        .scope("io.opentelemetry.armeria-1.3", "2.21.0-alpha")
        .attribute("http.request.method", "POST")
        .attribute("http.route", route)
        .attribute("url.path", route)
        .attribute("url.scheme", "https")
        .attribute("http.response.status_code", 200L)
        .attribute("server.address", "api.example.com")
        .attribute("client.address", "10.0." + random.nextInt(256) + "." + random.nextInt(256))
        .attribute("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36")
        .build();
  }

  private TraceId traceId() {
    return TraceId.fromBytes(randomId(TraceId.BYTES));
  }

  private SpanId spanId() {
    return SpanId.fromBytes(randomId(SpanId.BYTES));
  }

  private byte[] randomId(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    b[0] |= 1; // never all zero
    return b;
  }
}
