package dev.tokentrail.agent.langchain4j;

import static dev.tokentrail.agent.genai.GenAiKeys.*;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.tokentrail.agent.fingerprint.FingerprintSettings;
import dev.tokentrail.agent.fingerprint.RequestFingerprint;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.lang.reflect.Method;
import java.util.Collections;
import java.util.List;

/**
 * Helper injected into the application's classloader next to LangChain4j (so it uses the core types
 * directly): starts the {@code chat {model}} CLIENT span of a {@code ChatModel.doChat} and puts the
 * raw GenAI facts on it. Pricing and retry counting are done by the extension's span processor,
 * which sees every span. No exception from here reaches the application: the advice suppresses them,
 * and every accessor that may be missing in another 1.x release is read defensively. No prompt text
 * goes on the span, only the salted request fingerprints.
 */
public final class Langchain4jTracing {
  static final String SCOPE = "dev.tokentrail.langchain4j-1";

  private static volatile Tracer tracer;

  private Langchain4jTracing() {}

  private static Tracer tracer() {
    Tracer t = tracer;
    if (t == null) {
      t = GlobalOpenTelemetry.getTracer(SCOPE);
      tracer = t;
    }
    return t;
  }

  /** Starts the span of one {@code doChat} of {@code model} under {@code parent}; the returned context carries it. */
  public static Context start(Context parent, Object model, ChatRequest request) {
    return start(parent, model, request, false);
  }

  /** As {@link #start(Context, Object, ChatRequest)}, for a streaming call. */
  public static Context startStreaming(Context parent, Object model, ChatRequest request) {
    return start(parent, model, request, true);
  }

  private static Context start(Context parent, Object model, ChatRequest request, boolean streaming) {
    String modelName = modelName(model, request);
    SpanBuilder builder = tracer().spanBuilder(modelName == null ? "chat" : "chat " + modelName)
        .setSpanKind(SpanKind.CLIENT)
        .setParent(parent)
        // Set before start: the extension's processor recognises a GenAI span at start by this.
        .setAttribute(OPERATION, "chat");
    String provider = GenAiProvider.of(model);
    if (provider != null) {
      builder.setAttribute(PROVIDER, provider);
    }
    if (modelName != null) {
      builder.setAttribute(REQUEST_MODEL, modelName);
    }
    if (streaming) {
      builder.setAttribute(REQUEST_STREAM, true);
    }
    Span span = builder.startSpan();
    // The parameters and fingerprints cost time only a recorded span repays (a sampled-out call
    // would hash its request for nothing).
    if (request != null && span.isRecording()) {
      setRequestParameters(span, request);
      setFingerprints(span, request, modelName);
    }
    return parent.with(span);
  }

  /** The request's model, else the model's default (releases that do not merge it into the request). */
  private static String modelName(Object model, ChatRequest request) {
    try {
      if (request != null && request.modelName() != null) {
        return request.modelName();
      }
    } catch (RuntimeException | LinkageError e) {
      // No model on this release's request: try the defaults.
    }
    try {
      if (model instanceof ChatModel) {
        return ((ChatModel) model).defaultRequestParameters().modelName();
      }
      if (model instanceof StreamingChatModel) {
        return ((StreamingChatModel) model).defaultRequestParameters().modelName();
      }
    } catch (RuntimeException | LinkageError e) {
      // No defaults either: the span has no model.
    }
    return null;
  }

  private static void setRequestParameters(Span span, ChatRequest request) {
    try {
      Double temperature = request.temperature();
      if (temperature != null) {
        span.setAttribute(REQUEST_TEMPERATURE, temperature);
      }
      Double topP = request.topP();
      if (topP != null) {
        span.setAttribute(REQUEST_TOP_P, topP);
      }
      Integer maxTokens = request.maxOutputTokens();
      if (maxTokens != null) {
        span.setAttribute(REQUEST_MAX_TOKENS, maxTokens.longValue());
      }
    } catch (RuntimeException | LinkageError e) {
      // A release without these accessors: leave them off.
    }
  }

  private static void setFingerprints(Span span, ChatRequest request, String modelName) {
    FingerprintSettings settings = FingerprintSettings.get();
    if (settings == null) {
      return; // fingerprints are off
    }
    try {
      RequestFingerprint fingerprint = RequestFingerprint.of(ChatRequestTree.of(request, modelName), settings.salt());
      span.setAttribute(REQUEST_HASH, fingerprint.requestHash());
      if (fingerprint.prefixHash() != null) {
        span.setAttribute(PREFIX_HASH, fingerprint.prefixHash());
        span.setAttribute(PREFIX_TOKENS, fingerprint.prefixTokens());
      }
    } catch (RuntimeException | LinkageError e) {
      // A message shape this release does not have: no fingerprints, the span still goes out.
    }
  }

  /** Ends the span of {@code context} with the response, or with the failure. */
  public static void end(Context context, ChatResponse response, Throwable error) {
    Span span = Span.fromContext(context);
    try {
      if (response != null) {
        recordResponse(span, response);
      }
      if (error != null) {
        span.setAttribute(ERROR_TYPE, errorType(error));
        span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
        span.recordException(error);
      }
    } finally {
      span.end();
    }
  }

  private static void recordResponse(Span span, ChatResponse response) {
    try {
      String id = response.id();
      if (id != null) {
        span.setAttribute(RESPONSE_ID, id);
      }
      String model = response.modelName();
      if (model != null) {
        span.setAttribute(RESPONSE_MODEL, model);
      }
    } catch (RuntimeException | LinkageError e) {
      // A release without response metadata: leave it off.
    }
    try {
      FinishReason finish = response.finishReason();
      if (finish != null) {
        span.setAttribute(FINISH_REASONS, Collections.singletonList(finishReason(finish.name())));
      }
    } catch (RuntimeException | LinkageError e) {
      // No finish reason.
    }
    try {
      TokenUsage usage = response.tokenUsage();
      if (usage != null) {
        UsageCounts counts = UsageCounts.of(usage);
        setIfKnown(span, INPUT, counts.input);
        setIfKnown(span, OUTPUT, counts.output);
        setIfKnown(span, CACHE_READ, counts.cacheRead);
        setIfKnown(span, CACHE_WRITE, counts.cacheWrite);
        setIfKnown(span, REASONING, counts.reasoning);
      }
    } catch (RuntimeException | LinkageError e) {
      // No usage in the response.
    }
  }

  private static void setIfKnown(Span span, AttributeKey<Long> key, Long value) {
    if (value != null) {
      span.setAttribute(key, value);
    }
  }

  /** LangChain4j's {@code FinishReason} as the OTel value (OpenAI's words, which the conventions use). */
  static String finishReason(String constant) {
    switch (constant) {
      case "STOP": return "stop";
      case "LENGTH": return "length";
      case "TOOL_EXECUTION": return "tool_calls";
      case "CONTENT_FILTER": return "content_filter";
      default: return constant.toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The HTTP status of a provider error (LangChain4j's {@code HttpException}, usually the cause of its
   * mapped {@code RateLimitException}, {@code InvalidRequestException}, ...), found by a {@code
   * statusCode()} accessor anywhere in the cause chain; else the exception's class name.
   */
  static String errorType(Throwable error) {
    int depth = 0;
    for (Throwable t = error; t != null && depth < 8; t = t.getCause(), depth++) {
      Integer status = statusCode(t);
      if (status != null) {
        return Integer.toString(status);
      }
    }
    return error.getClass().getName();
  }

  private static Integer statusCode(Throwable t) {
    try {
      Method m = t.getClass().getMethod("statusCode");
      if (m.getReturnType() == int.class || m.getReturnType() == Integer.class) {
        Object value = m.invoke(t);
        return value instanceof Integer && (Integer) value > 0 ? (Integer) value : null;
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      // No status on this exception.
    }
    return null;
  }
}
