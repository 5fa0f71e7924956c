package dev.tokentrail.agent.anthropic;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.anthropic.core.ClientOptions;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.javaagent.bootstrap.CallDepth;
import io.opentelemetry.javaagent.bootstrap.Java8BytecodeBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.concurrent.CompletableFuture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code com.anthropic.services.async.MessageServiceAsyncImpl.create(MessageCreateParams,
 * RequestOptions)}: the span starts with the call and ends when the returned future completes.
 * (Async streaming is not instrumented yet.)
 */
public final class MessageServiceAsyncInstrumentation implements TypeInstrumentation {
  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("com.anthropic.services.async.MessageServiceAsyncImpl");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("create").and(takesArguments(2))
            .and(takesArgument(0, named("com.anthropic.models.messages.MessageCreateParams")))
            .and(takesArgument(1, named("com.anthropic.core.RequestOptions"))),
        MessageServiceAsyncInstrumentation.class.getName() + "$CreateAsyncAdvice");
  }

  @SuppressWarnings("unused")
  public static class CreateAsyncAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.Argument(0) MessageCreateParams params,
        @Advice.FieldValue("clientOptions") ClientOptions clientOptions,
        @Advice.Local("ttCallDepth") CallDepth callDepth,
        @Advice.Local("ttContext") Context context,
        @Advice.Local("ttScope") Scope scope) {
      callDepth = CallDepth.forClass(CompletableFuture.class);
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
        @Advice.Return CompletableFuture<Message> future,
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
      if (error != null || future == null) {
        AnthropicTracing.end(context, null, error);
        return;
      }
      AnthropicTracing.endOnComplete(future, context);
    }
  }
}
