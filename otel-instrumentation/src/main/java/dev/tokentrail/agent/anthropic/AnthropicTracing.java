package dev.tokentrail.agent.anthropic;

import static dev.tokentrail.agent.genai.GenAiKeys.*;

import com.anthropic.core.ClientOptions;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.CacheCreation;
import com.anthropic.models.messages.Usage;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;

/**
 * Helper injected into the application's classloader next to the Anthropic SDK (so it uses the SDK
 * types directly): starts the {@code chat {model}} CLIENT span and puts the raw GenAI facts on it.
 * Pricing and retry counting are done by the extension's span processor, which sees every span. No
 * exception from here reaches the application: the advice suppresses them, and every SDK accessor is
 * read defensively.
 */
public final class AnthropicTracing {
  static final String SCOPE = "dev.tokentrail.anthropic-java-3";

  private static volatile Tracer tracer;

  private AnthropicTracing() {}

  private static Tracer tracer() {
    Tracer t = tracer;
    if (t == null) {
      t = GlobalOpenTelemetry.getTracer(SCOPE);
      tracer = t;
    }
    return t;
  }

  /**
   * Starts the span under {@code parent}; the returned context carries it. Null (no span) when the
   * client traces itself: anthropic-java 3.x has its own OpenTelemetry tracing, on by default (off
   * with {@code .openTelemetry(false)} on the client builder), which already emits a GenAI span per
   * call through the agent; a second one would count the call, and its cost, twice.
   */
  public static Context start(Context parent, MessageCreateParams params, ClientOptions options, boolean streaming) {
    if (sdkTraces(options)) {
      return null;
    }
    String model = null;
    try {
      model = params.model().asString();
    } catch (RuntimeException e) {
      // A params object without a model fails in the SDK itself; the span just has no model.
    }
    SpanBuilder builder = tracer().spanBuilder(model == null ? "chat" : "chat " + model)
        .setSpanKind(SpanKind.CLIENT)
        .setParent(parent)
        // Set before start: the extension's processor recognises a GenAI span at start by this.
        .setAttribute(OPERATION, "chat")
        .setAttribute(PROVIDER, "anthropic");
    if (model != null) {
      builder.setAttribute(REQUEST_MODEL, model);
    }
    try {
      builder.setAttribute(REQUEST_MAX_TOKENS, params.maxTokens());
    } catch (RuntimeException e) {
      // Missing max_tokens: leave it off.
    }
    try {
      Optional<List<String>> stop = params.stopSequences();
      if (stop.isPresent() && !stop.get().isEmpty()) {
        builder.setAttribute(REQUEST_STOP, stop.get());
      }
    } catch (RuntimeException e) {
      // Malformed stop sequences: leave them off.
    }
    if (streaming) {
      builder.setAttribute(REQUEST_STREAM, true);
    }
    Span span = builder.startSpan();
    return parent.with(span);
  }

  /** Whether the SDK's own OpenTelemetry tracing is on for this client (false on SDKs without it). */
  static boolean sdkTraces(ClientOptions options) {
    if (options == null) {
      return false;
    }
    try {
      return options.openTelemetry().traces().enabled();
    } catch (LinkageError | RuntimeException e) {
      return false; // An SDK without built-in tracing.
    }
  }

  /** Ends the span of {@code context} with the response, or with the failure. */
  public static void end(Context context, Message message, Throwable error) {
    Span span = Span.fromContext(context);
    try {
      if (message != null) {
        recordResponse(span, message);
      }
      if (error != null) {
        recordError(span, error);
      }
    } finally {
      span.end();
    }
  }

  private static void recordResponse(Span span, Message message) {
    try {
      span.setAttribute(RESPONSE_ID, message.id());
    } catch (RuntimeException e) {
      // No id in the response.
    }
    try {
      span.setAttribute(RESPONSE_MODEL, message.model().asString());
    } catch (RuntimeException e) {
      // No model in the response.
    }
    try {
      Optional<StopReason> stop = message.stopReason();
      if (stop.isPresent()) {
        span.setAttribute(FINISH_REASONS, Collections.singletonList(stop.get().asString()));
      }
    } catch (RuntimeException e) {
      // No stop reason.
    }
    try {
      Usage usage = message.usage();
      long cacheRead = usage.cacheReadInputTokens().orElse(0L);
      long cacheWrite = usage.cacheCreationInputTokens().orElse(0L);
      // Anthropic's input_tokens excludes cache reads and writes; OTel's gen_ai.usage.input_tokens includes them.
      span.setAttribute(INPUT, usage.inputTokens() + cacheRead + cacheWrite);
      span.setAttribute(OUTPUT, usage.outputTokens());
      span.setAttribute(CACHE_READ, cacheRead);
      span.setAttribute(CACHE_WRITE, cacheWrite);
      // One-hour cache writes cost more than five-minute ones; no OTel attribute carries them yet.
      recordOneHourWrites(span, usage);
    } catch (RuntimeException e) {
      // No usage in the response.
    }
  }

  /** One-hour cache writes cost more than five-minute ones; no OTel attribute carries them yet. */
  private static void recordOneHourWrites(Span span, Usage usage) {
    try {
      Optional<CacheCreation> creation = usage.cacheCreation();
      if (creation.isPresent() && creation.get().ephemeral1hInputTokens() > 0) {
        span.setAttribute(CACHE_WRITE_1H, creation.get().ephemeral1hInputTokens());
      }
    } catch (RuntimeException | LinkageError e) {
      // An SDK older than the cache-creation breakdown, or none in the response.
    }
  }

  private static void recordError(Span span, Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    span.setAttribute(ERROR_TYPE, errorType(cause));
    span.setStatus(StatusCode.ERROR, String.valueOf(cause.getMessage()));
    span.recordException(cause);
  }

  /**
   * The HTTP status for a provider error (429 rate limit, 500, 529 overloaded, ...), classified by
   * status code rather than exception class so every 3.x release maps the same way; else the
   * exception's class name.
   */
  static String errorType(Throwable error) {
    if (error instanceof AnthropicServiceException) {
      try {
        return Integer.toString(((AnthropicServiceException) error).statusCode());
      } catch (RuntimeException e) {
        // Fall through to the class name.
      }
    }
    return error.getClass().getName();
  }

  /** Ends the span when the async call's future completes; the caller's future is left as is. */
  public static void endOnComplete(CompletableFuture<Message> future, Context context) {
    future.whenComplete(new EndOnComplete(context));
  }

  /** Wraps a blocking stream so the span ends, with the accumulated message, when it is read or closed. */
  public static StreamResponse<RawMessageStreamEvent> wrap(StreamResponse<RawMessageStreamEvent> response, Context context) {
    return new TracingStreamResponse(response, context);
  }

  static final class EndOnComplete implements BiConsumer<Message, Throwable> {
    private final Context context;

    EndOnComplete(Context context) {
      this.context = context;
    }

    @Override
    public void accept(Message message, Throwable error) {
      try {
        end(context, message, error);
      } catch (RuntimeException e) {
        // Never disturb the application's future.
      }
    }
  }
}
