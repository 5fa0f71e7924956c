package dev.tokentrail.agent.langchain4j;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
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
 * {@code doChat(ChatRequest, StreamingChatResponseHandler)} on every {@code StreamingChatModel}
 * implementation. The call returns before the answer arrives, so the span starts here and ends when
 * the model reports to the handler ({@code onCompleteResponse} or {@code onError}): the handler is
 * replaced by {@link StreamingSpan}, which forwards every callback to it unchanged.
 */
public final class StreamingChatModelInstrumentation implements TypeInstrumentation {
  static final String STREAMING_CHAT_MODEL = "dev.langchain4j.model.chat.StreamingChatModel";
  static final String HANDLER = "dev.langchain4j.model.chat.response.StreamingChatResponseHandler";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return Langchain4jInstrumentationModule.modelsNotTracedUpstream(STREAMING_CHAT_MODEL);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("doChat").and(takesArguments(2))
            .and(takesArgument(0, named(ChatModelInstrumentation.CHAT_REQUEST)))
            .and(takesArgument(1, named(HANDLER)))
            .and(not(isAbstract())),
        StreamingChatModelInstrumentation.class.getName() + "$DoChatAdvice");
  }

  @SuppressWarnings("unused")
  public static class DoChatAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.This Object model,
        @Advice.Argument(0) ChatRequest request,
        @Advice.Argument(value = 1, readOnly = false) StreamingChatResponseHandler handler,
        @Advice.Local("ttCallDepth") CallDepth callDepth,
        @Advice.Local("ttStream") StreamingSpan stream,
        @Advice.Local("ttScope") Scope scope) {
      callDepth = CallDepth.forClass(StreamingChatModel.class);
      if (callDepth.getAndIncrement() > 0 || handler == null) {
        return;
      }
      Context context = Langchain4jTracing.startStreaming(Java8BytecodeBridge.currentContext(), model, request);
      if (context == null) {
        return;
      }
      stream = StreamingSpan.create(context, handler);
      handler = stream.handler();
      scope = context.makeCurrent();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Thrown Throwable error,
        @Advice.Local("ttCallDepth") CallDepth callDepth,
        @Advice.Local("ttStream") StreamingSpan stream,
        @Advice.Local("ttScope") Scope scope) {
      if (callDepth == null || callDepth.decrementAndGet() > 0) {
        return;
      }
      if (scope != null) {
        scope.close();
      }
      if (stream != null && error != null) {
        // Failed before streaming began: the handler may never hear of it.
        stream.end(null, error);
      }
    }
  }
}
