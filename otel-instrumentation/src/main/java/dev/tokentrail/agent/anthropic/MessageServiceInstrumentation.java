package dev.tokentrail.agent.anthropic;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.anthropic.core.http.StreamResponse;
import com.anthropic.core.ClientOptions;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.javaagent.bootstrap.CallDepth;
import io.opentelemetry.javaagent.bootstrap.Java8BytecodeBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code com.anthropic.services.blocking.MessageServiceImpl}: {@code create} and {@code
 * createStreaming} with {@code (MessageCreateParams, RequestOptions)}, which the one-argument and
 * structured-output defaults of {@code MessageService} all reach. The advice is inlined into the SDK
 * class, so its bodies only call the public helper {@link AnthropicTracing}.
 */
public final class MessageServiceInstrumentation implements TypeInstrumentation {
  static final String TYPE = "com.anthropic.services.blocking.MessageServiceImpl";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(TYPE);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("create").and(takesArguments(2))
            .and(takesArgument(0, named("com.anthropic.models.messages.MessageCreateParams")))
            .and(takesArgument(1, named("com.anthropic.core.RequestOptions"))),
        MessageServiceInstrumentation.class.getName() + "$CreateAdvice");
    transformer.applyAdviceToMethod(
        named("createStreaming").and(takesArguments(2))
            .and(takesArgument(0, named("com.anthropic.models.messages.MessageCreateParams")))
            .and(takesArgument(1, named("com.anthropic.core.RequestOptions"))),
        MessageServiceInstrumentation.class.getName() + "$CreateStreamingAdvice");
  }

  @SuppressWarnings("unused")
  public static class CreateAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.Argument(0) MessageCreateParams params,
        @Advice.FieldValue("clientOptions") ClientOptions clientOptions,
        @Advice.Local("ttCallDepth") CallDepth callDepth,
        @Advice.Local("ttContext") Context context,
        @Advice.Local("ttScope") Scope scope) {
      callDepth = CallDepth.forClass(MessageCreateParams.class);
      if (callDepth.getAndIncrement() > 0) {
        return;
      }
      context = AnthropicTracing.start(Java8BytecodeBridge.currentContext(), params, clientOptions, false);
      if (context != null) {
        scope = context.makeCurrent();
      }
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Return Message message,
        @Advice.Thrown Throwable error,
        @Advice.Local("ttCallDepth") CallDepth callDepth,
        @Advice.Local("ttContext") Context context,
        @Advice.Local("ttScope") Scope scope) {
      if (callDepth == null || callDepth.decrementAndGet() > 0) {
        return;
      }
      if (scope != null) {
        scope.close();
      }
      if (context != null) {
        AnthropicTracing.end(context, message, error);
      }
    }
  }

  @SuppressWarnings("unused")
  public static class CreateStreamingAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.Argument(0) MessageCreateParams params,
        @Advice.FieldValue("clientOptions") ClientOptions clientOptions,
        @Advice.Local("ttCallDepth") CallDepth callDepth,
        @Advice.Local("ttContext") Context context,
        @Advice.Local("ttScope") Scope scope) {
      callDepth = CallDepth.forClass(MessageCreateParams.class);
      if (callDepth.getAndIncrement() > 0) {
        return;
      }
      context = AnthropicTracing.start(Java8BytecodeBridge.currentContext(), params, clientOptions, true);
      if (context != null) {
        scope = context.makeCurrent();
      }
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Return(readOnly = false) StreamResponse<RawMessageStreamEvent> response,
        @Advice.Thrown Throwable error,
        @Advice.Local("ttCallDepth") CallDepth callDepth,
        @Advice.Local("ttContext") Context context,
        @Advice.Local("ttScope") Scope scope) {
      if (callDepth == null || callDepth.decrementAndGet() > 0) {
        return;
      }
      if (scope != null) {
        scope.close();
      }
      if (context == null) {
        return;
      }
      if (error != null || response == null) {
        AnthropicTracing.end(context, null, error);
        return;
      }
      // The span ends when the caller has read the stream to its end, or closes it.
      response = AnthropicTracing.wrap(response, context);
    }
  }
}
