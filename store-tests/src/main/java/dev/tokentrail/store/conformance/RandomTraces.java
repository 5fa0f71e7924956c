package dev.tokentrail.store.conformance;

import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.pricing.PriceCatalog;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded random traces as services send them: roots (sometimes missing) over HTTP, database and
 * LLM call spans in the OTel GenAI, OpenInference and OpenLLMetry conventions, priced by the real
 * {@link LlmSpanEnricher} with the built-in catalog; spans days apart, written in shuffled batches,
 * some re-sent as they were and some re-sent changed. A trace's calls name one team and project
 * (or none); with {@code conflicts}, spans of a trace also start together, and traces carry
 * several outcomes, teams and projects.
 */
public final class RandomTraces {
  private static final LlmSpanEnricher ENRICHER = LlmSpanEnricher.create(
      GenAiNormalizer.create(AttributionKeys.DEFAULT), new CostCalculator(PriceCatalog.builtIn()));
  private static final String[] SERVICES = {"checkout", "support-bot", "search-api", "etl-worker"};
  private static final String[] ROOT_NAMES = {"POST /answer", "GET /search", "nightly batch", "agent run"};
  private static final String[] MODELS = {"gpt-4o", "gpt-4o-mini", "claude-3-5-haiku-20241022", "claude-sonnet-4-20250514", "in-house-llm"};
  private static final String[] TEAMS = {"search", "ads", "support"};
  private static final String[] PROJECTS = {"helpdesk", "ranking"};
  private static final String[] FEATURES = {"triage", "summary", "autocomplete"};
  private static final String[] OUTCOMES = {"resolved", "escalated", "sale"};

  private final Random random;
  private final boolean conflicts;
  private final TestSpans ids = new TestSpans();
  /** The batches to write, in order. */
  private final List<List<IngestedSpan>> batches = new ArrayList<>();
  /** The latest copy of every span written. */
  private final Map<String, IngestedSpan> latest = new LinkedHashMap<>();

  private RandomTraces(Random random, boolean conflicts) {
    this.random = random;
    this.conflicts = conflicts;
  }

  /** {@code traces} random traces starting within three days after {@link TestSpans#T0}. */
  public static RandomTraces generate(Random random, int traces, boolean conflicts) {
    RandomTraces out = new RandomTraces(random, conflicts);
    List<IngestedSpan> spans = new ArrayList<>();
    for (int i = 0; i < traces; i++) {
      spans.addAll(out.trace());
    }
    out.batch(spans);
    return out;
  }

  /** The batches in the order they are to be written (re-sent spans among them). */
  public List<List<IngestedSpan>> batches() {
    return batches;
  }

  /** The latest copy of every distinct span: what a store holds once every batch is written. */
  public List<IngestedSpan> stored() {
    return List.copyOf(latest.values());
  }

  private List<IngestedSpan> trace() {
    TraceId traceId = ids.traceId();
    long start = TestSpans.T0 + (long) (random.nextDouble() * 2.5 * TestSpans.DAY);
    String service = pick(SERVICES);
    Resource resource = resource(service);
    String team = random.nextInt(4) == 0 ? null : pick(TEAMS);
    String project = random.nextInt(3) == 0 ? pick(PROJECTS) : null;
    List<Span> spans = new ArrayList<>();
    boolean hasRoot = random.nextInt(8) != 0;
    SpanId rootId = ids.spanId();
    long rootDuration = (1 + random.nextInt(30)) * TestSpans.SECOND + random.nextInt(1_000_000);
    if (hasRoot) {
      Span.Builder root = Span.builder().traceId(traceId).spanId(rootId).name(pick(ROOT_NAMES)).kind(SpanKind.SERVER)
          .startEpochNanos(start).endEpochNanos(start + rootDuration).resource(resource)
          .attribute("http.status_code", random.nextInt(5) == 0 ? 500L : 200L);
      if (random.nextInt(6) == 0) {
        root.status(StatusCode.ERROR, random.nextBoolean() ? "upstream timeout" : "");
      }
      if (random.nextInt(3) == 0) {
        root.attribute("tokentrail.outcome", pick(OUTCOMES));
        if (random.nextBoolean()) {
          root.attribute("tokentrail.outcome.value_usd", random.nextBoolean() ? (double) random.nextInt(100) / 4 : (long) random.nextInt(50));
        }
      }
      spans.add(root.build());
    }
    int children = 1 + random.nextInt(7);
    long previous = start;
    for (int c = 0; c < children; c++) {
      long childStart;
      if (conflicts && random.nextInt(3) == 0) {
        childStart = previous;
      } else if (random.nextInt(12) == 0) {
        childStart = start + (1 + random.nextInt(2)) * TestSpans.DAY + random.nextInt(1000); // late, another partition
      } else {
        childStart = start + 1 + random.nextInt((int) Math.min(Integer.MAX_VALUE, rootDuration));
      }
      previous = childStart;
      String childTeam = conflicts && random.nextBoolean() ? pick(TEAMS) : team;
      String childProject = conflicts && random.nextBoolean() ? pick(PROJECTS) : project;
      spans.add(random.nextInt(3) == 0 ? plainChild(traceId, hasRoot ? rootId : SpanId.NONE, childStart, resource)
          : llmCall(traceId, hasRoot ? rootId : SpanId.NONE, childStart, resource, childTeam, childProject));
    }
    List<IngestedSpan> out = new ArrayList<>();
    for (Span s : spans) {
      out.add(ENRICHER.enrich(s));
    }
    return out;
  }

  private Resource resource(String service) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("service.name", service);
    attributes.put("deployment.environment", random.nextInt(4) == 0 ? "staging" : "prod");
    attributes.put("host.name", "host-" + random.nextInt(3));
    if (random.nextInt(5) == 0) {
      attributes.put("cloud.zone", List.of("eu-1", "eu-" + (2 + random.nextInt(2))));
    }
    return Resource.of(attributes);
  }

  private Span plainChild(TraceId traceId, SpanId parent, long start, Resource resource) {
    Span.Builder b = Span.builder().traceId(traceId).spanId(ids.spanId()).parentSpanId(parent).resource(resource)
        .startEpochNanos(start).endEpochNanos(start + 1000 + random.nextInt(500_000_000));
    if (random.nextBoolean()) {
      b.name("SELECT orders").kind(SpanKind.CLIENT).attribute("db.system", random.nextBoolean() ? "postgresql" : "redis")
          .attribute("db.rows", (long) random.nextInt(1000));
    } else {
      b.name("render").kind(SpanKind.INTERNAL).attribute("cache.hit", random.nextBoolean())
          .attribute("ratio", random.nextInt(100) / 8.0);
      if (random.nextBoolean()) {
        b.attribute("tags", List.of("beta", random.nextBoolean() ? "fast" : "slow"));
      }
    }
    if (conflicts && random.nextInt(3) == 0) {
      b.attribute("tokentrail.outcome", pick(OUTCOMES));
    }
    return b.build();
  }

  private Span llmCall(TraceId traceId, SpanId parent, long start, Resource resource, String team, String project) {
    String model = pick(MODELS);
    long input = 10 + random.nextInt(5000);
    long output = 1 + random.nextInt(800);
    Span.Builder b = Span.builder().traceId(traceId).spanId(ids.spanId()).parentSpanId(parent).resource(resource)
        .kind(SpanKind.CLIENT).startEpochNanos(start).endEpochNanos(start + 1000 + random.nextInt(900_000_000));
    switch (random.nextInt(3)) {
      case 0 -> {
        b.name("chat " + model).attribute("gen_ai.operation.name", "chat")
            .attribute("gen_ai.provider.name", model.startsWith("claude") ? "anthropic" : "openai")
            .attribute("gen_ai.request.model", model).attribute("gen_ai.usage.input_tokens", input)
            .attribute("gen_ai.usage.output_tokens", output);
        if (random.nextBoolean()) {
          b.attribute("gen_ai.response.model", model + "-2025");
        }
        if (random.nextInt(3) == 0) {
          b.attribute("gen_ai.response.finish_reasons", List.of(random.nextBoolean() ? "tool_calls" : "stop"));
        }
        if (random.nextInt(3) == 0) {
          b.attribute("gen_ai.conversation.id", "conv-" + random.nextInt(5));
        }
      }
      case 1 -> b.name("ChatCompletion").attribute("openinference.span.kind", "LLM").attribute("llm.model_name", model)
          .attribute("llm.provider", "openai").attribute("llm.token_count.prompt", input)
          .attribute("llm.token_count.completion", output).attribute("session.id", "s-" + random.nextInt(4));
      default -> b.name("openai.chat").attribute("llm.request.type", "chat").attribute("gen_ai.system", "openai")
          .attribute("gen_ai.request.model", model).attribute("gen_ai.usage.prompt_tokens", input)
          .attribute("gen_ai.usage.completion_tokens", output);
    }
    if (team != null) {
      b.attribute("tokentrail.team", team);
    }
    if (project != null && random.nextInt(4) != 0) {
      b.attribute("tokentrail.project", project);
    }
    if (random.nextInt(3) == 0) {
      b.attribute("tokentrail.feature", pick(FEATURES));
    }
    if (random.nextInt(10) == 0) {
      b.status(StatusCode.ERROR, "rate limited").attribute("error.type", "429");
    }
    if (random.nextInt(8) == 0) {
      b.attribute("tokentrail.retry.attempt", (long) (1 + random.nextInt(3)));
    }
    return b.build();
  }

  /** Shuffles spans into batches; some are re-sent unchanged, some re-sent changed (the change wins). */
  private void batch(List<IngestedSpan> spans) {
    List<IngestedSpan> order = new ArrayList<>(spans);
    Collections.shuffle(order, random);
    List<IngestedSpan> resent = new ArrayList<>();
    for (IngestedSpan s : order) {
      latest.put(s.span().traceId() + "/" + s.span().spanId(), s);
      int roll = random.nextInt(20);
      if (roll == 0) {
        resent.add(s);
      } else if (roll == 1) {
        Map<String, Object> changed = new LinkedHashMap<>(s.span().attributes());
        changed.put("resent.version", 2L);
        IngestedSpan copy = new IngestedSpan(s.span().withAttributes(changed), s.call());
        resent.add(copy);
      }
    }
    order.addAll(resent);
    for (IngestedSpan s : resent) {
      latest.put(s.span().traceId() + "/" + s.span().spanId(), s);
    }
    int i = 0;
    while (i < order.size()) {
      int size = 1 + random.nextInt(60);
      batches.add(List.copyOf(order.subList(i, Math.min(order.size(), i + size))));
      i += size;
    }
  }

  private String pick(String[] values) {
    return values[random.nextInt(values.length)];
  }
}
