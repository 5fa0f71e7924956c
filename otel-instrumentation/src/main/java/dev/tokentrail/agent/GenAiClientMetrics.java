package dev.tokentrail.agent;

import static dev.tokentrail.agent.genai.GenAiKeys.*;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleCounter;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The extension's metrics: the OTel GenAI client metrics {@code gen_ai.client.token.usage} and
 * {@code gen_ai.client.operation.duration} (instrument kinds, units, bucket boundaries and
 * attributes as the semantic conventions define them), recorded for the GenAI spans whose
 * instrumentation does not record them itself; and {@code tokentrail.llm.cost}, the priced cost of
 * every call. Instruments are created on first use: the global meter provider does not exist yet
 * while the agent configures itself.
 */
final class GenAiClientMetrics {
  /** The conventions' advised boundaries. */
  static final List<Long> TOKEN_BUCKETS = Arrays.asList(1L, 4L, 16L, 64L, 256L, 1024L, 4096L, 16384L, 65536L,
      262144L, 1048576L, 4194304L, 16777216L, 67108864L);
  static final List<Double> DURATION_BUCKETS = Arrays.asList(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56,
      5.12, 10.24, 20.48, 40.96, 81.92);

  private final Supplier<Meter> meter;
  private volatile Instruments instruments;

  GenAiClientMetrics(Supplier<Meter> meter) {
    this.meter = meter;
  }

  /** One call's facts, as read off its span. */
  static final class Call {
    String operation;
    String provider;
    String requestModel;
    String responseModel;
    String serverAddress;
    Long serverPort;
    String errorType;
    Long inputTokens;
    Long outputTokens;
    long durationNanos;
  }

  /** Records the duration, and the token usage when the call reported it. */
  void recordCall(Call call) {
    Instruments i = instruments();
    AttributesBuilder common = Attributes.builder().put(OPERATION, call.operation);
    putIfPresent(common, PROVIDER, call.provider);
    putIfPresent(common, REQUEST_MODEL, call.requestModel);
    putIfPresent(common, RESPONSE_MODEL, call.responseModel);
    putIfPresent(common, SERVER_ADDRESS, call.serverAddress);
    if (call.serverPort != null) {
      common.put(SERVER_PORT, call.serverPort);
    }
    Attributes base = common.build();
    Attributes duration = call.errorType == null ? base : base.toBuilder().put(ERROR_TYPE, call.errorType).build();
    i.duration.record(call.durationNanos / 1e9, duration);
    if (call.inputTokens != null) {
      i.tokens.record(call.inputTokens, base.toBuilder().put(TOKEN_TYPE, "input").build());
    }
    if (call.outputTokens != null) {
      i.tokens.record(call.outputTokens, base.toBuilder().put(TOKEN_TYPE, "output").build());
    }
  }

  /** Adds a call's cost, with the span's operation, provider, and request and response models. */
  void recordCost(double usd, String operation, String provider, String requestModel, String responseModel) {
    AttributesBuilder attributes = Attributes.builder().put(OPERATION, operation);
    putIfPresent(attributes, PROVIDER, provider);
    putIfPresent(attributes, REQUEST_MODEL, requestModel);
    putIfPresent(attributes, RESPONSE_MODEL, responseModel);
    instruments().cost.add(usd, attributes.build());
  }

  private static void putIfPresent(AttributesBuilder builder, AttributeKey<String> key, String value) {
    if (value != null) {
      builder.put(key, value);
    }
  }

  private Instruments instruments() {
    Instruments i = instruments;
    if (i == null) {
      synchronized (this) {
        i = instruments;
        if (i == null) {
          i = new Instruments(meter.get());
          instruments = i;
        }
      }
    }
    return i;
  }

  private static final class Instruments {
    final LongHistogram tokens;
    final DoubleHistogram duration;
    final DoubleCounter cost;

    Instruments(Meter meter) {
      tokens = meter.histogramBuilder("gen_ai.client.token.usage")
          .ofLongs()
          .setUnit("{token}")
          .setDescription("Number of input and output tokens used.")
          .setExplicitBucketBoundariesAdvice(TOKEN_BUCKETS)
          .build();
      duration = meter.histogramBuilder("gen_ai.client.operation.duration")
          .setUnit("s")
          .setDescription("GenAI operation duration.")
          .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS)
          .build();
      cost = meter.counterBuilder("tokentrail.llm.cost")
          .ofDoubles()
          .setUnit("USD")
          .setDescription("Cost of the LLM calls made by this service, priced from the TokenTrail catalog")
          .build();
    }
  }
}
