package dev.tokentrail.pricing.conformance;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of money-conformance.yaml: a call as a client reports it, the prices the provider
 * published for it, and the USD those prices make, computed here by hand-written arithmetic and
 * never from the catalog.
 *
 * <p>Token counts are canonical (OTel GenAI): {@code input} includes cache reads and cache writes,
 * {@code cacheWrite} includes one-hour writes, {@code output} includes reasoning.
 */
public final class MoneyCase {
  /** How the span reports the token counts. */
  public enum Shape {
    /** OTel GenAI current names; input includes the cache counts (what the agent writes). */
    INCLUSIVE,
    /**
     * Anthropic's API convention ({@code input_tokens} without cache reads and writes, which are
     * reported beside it), as older and hand-rolled instrumentations copy it onto the span.
     */
    ANTHROPIC_BESIDE
  }

  private static final double PER_TOKEN = 1.0 / 1_000_000;

  public final String id;
  public final String what;
  /** {@code gen_ai.provider.name} as the client's instrumentation writes it. */
  public final String provider;
  public final String requestModel;
  /** {@code gen_ai.response.model}, or null when the client does not report it. */
  public final String responseModel;
  /** {@code gen_ai.operation.name}. */
  public final String operation;
  public final Instant at;
  public final long input;
  public final long cacheRead;
  public final long cacheWrite;
  public final long cacheWrite1h;
  /** -1 when the call reports no output count (embeddings). */
  public final long output;
  public final long reasoning;
  /** The published USD per 1M tokens in force for this call (tier already chosen by hand). */
  public final Map<String, Double> published;
  public final String source;
  /** What the catalog gets wrong for this case, or null. */
  public final String knownGap;

  MoneyCase(String id, String what, String provider, String requestModel, String responseModel,
      String operation, Instant at, long input, long cacheRead, long cacheWrite, long cacheWrite1h,
      long output, long reasoning, Map<String, Double> published, String source, String knownGap) {
    this.id = id;
    this.what = what;
    this.provider = provider;
    this.requestModel = requestModel;
    this.responseModel = responseModel;
    this.operation = operation;
    this.at = at;
    this.input = input;
    this.cacheRead = cacheRead;
    this.cacheWrite = cacheWrite;
    this.cacheWrite1h = cacheWrite1h;
    this.output = output;
    this.reasoning = reasoning;
    this.published = published;
    this.source = source;
    this.knownGap = knownGap;
    check();
  }

  private void check() {
    if (uncachedInput() < 0) {
      throw new IllegalArgumentException(id + ": cache_read + cache_write exceed input (input includes them)");
    }
    if (cacheWrite1h > cacheWrite) {
      throw new IllegalArgumentException(id + ": cache_write_1h exceeds cache_write (cache_write includes it)");
    }
    if (reasoning > Math.max(0, output)) {
      throw new IllegalArgumentException(id + ": reasoning exceeds output (output includes it)");
    }
    if (hasAnthropicBesideShape() && cacheRead + cacheWrite <= uncachedInput()) {
      throw new IllegalArgumentException(id + ": an Anthropic or Bedrock row with cache tokens needs more cache tokens"
          + " than uncached input, or its Anthropic-convention span cannot be told from an inclusive one");
    }
    inputUsd();
    outputUsd();
  }

  public long uncachedInput() {
    return input - cacheRead - cacheWrite;
  }

  /** The published price of {@code unit}, required when {@code tokens > 0}. */
  private double price(String unit, long tokens) {
    if (tokens <= 0) {
      return 0;
    }
    Double p = published.get(unit);
    if (p == null) {
      throw new IllegalArgumentException(id + ": " + tokens + " " + unit + " tokens but no published " + unit + " price");
    }
    return p;
  }

  /** Input USD by the published prices: uncached, cache reads, 5-minute and one-hour writes. */
  public double inputUsd() {
    double usd = uncachedInput() * price("input", uncachedInput())
        + cacheRead * price("cache_read", cacheRead)
        + (cacheWrite - cacheWrite1h) * price("cache_write", cacheWrite - cacheWrite1h)
        + cacheWrite1h * price("cache_write_1h", cacheWrite1h);
    return usd * PER_TOKEN;
  }

  /** Output USD by the published output price (reasoning is output). */
  public double outputUsd() {
    long out = Math.max(0, output);
    return out * price("output", out) * PER_TOKEN;
  }

  public double expectedUsd() {
    return inputUsd() + outputUsd();
  }

  public boolean isKnownGap() {
    return knownGap != null;
  }

  /** The model the server and the agent price first: the response model, else the request model. */
  public String billedModel() {
    return responseModel != null ? responseModel : requestModel;
  }

  public long startEpochNanos() {
    return at.getEpochSecond() * 1_000_000_000L + at.getNano();
  }

  /**
   * Whether the Anthropic convention is a shape this case can be reported in: an Anthropic or
   * Bedrock call with cache tokens. TokenTrail recognizes the convention on spans with the current
   * OTel cache names when the cache counts exceed the reported input (docs/research/
   * genai-conventions.md section 9.2, rule 3); the table's rows are written so that they do.
   */
  public boolean hasAnthropicBesideShape() {
    String p = provider.toLowerCase(java.util.Locale.ROOT);
    boolean anthropicApi = p.equals("anthropic") || p.equals("aws.bedrock");
    return anthropicApi && cacheRead + cacheWrite > 0;
  }

  public List<Shape> serverShapes() {
    return hasAnthropicBesideShape() ? List.of(Shape.INCLUSIVE, Shape.ANTHROPIC_BESIDE) : List.of(Shape.INCLUSIVE);
  }

  /**
   * The span attributes a client reports for this call, in {@code shape}: strings and longs, in a
   * stable order. Counts that are zero are left out, as instrumentations do.
   */
  public Map<String, Object> spanAttributes(Shape shape) {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("gen_ai.operation.name", operation);
    a.put("gen_ai.provider.name", provider);
    a.put("gen_ai.request.model", requestModel);
    if (responseModel != null) {
      a.put("gen_ai.response.model", responseModel);
    }
    a.put("gen_ai.usage.input_tokens", shape == Shape.ANTHROPIC_BESIDE ? uncachedInput() : input);
    if (output >= 0) {
      a.put("gen_ai.usage.output_tokens", output);
    }
    if (cacheRead > 0) {
      a.put("gen_ai.usage.cache_read.input_tokens", cacheRead);
    }
    if (cacheWrite > 0) {
      a.put("gen_ai.usage.cache_creation.input_tokens", cacheWrite);
    }
    if (cacheWrite1h > 0) {
      a.put("tokentrail.usage.cache_creation_1h.input_tokens", cacheWrite1h);
    }
    if (reasoning > 0) {
      a.put("gen_ai.usage.reasoning.output_tokens", reasoning);
    }
    return a;
  }

  @Override
  public String toString() {
    return id;
  }
}
