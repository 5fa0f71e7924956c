package dev.tokentrail.agent.langchain4j;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
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
 * {@code doChat(ChatRequest)} on every {@code ChatModel} implementation: LangChain4j's {@code
 * chat(...)} merges the default parameters into the request, then calls it once per logical call,
 * and the provider retries inside it. The advice is inlined into the provider class, so its bodies
 * only call the public helper {@link Langchain4jTracing}.
 */
public final class ChatModelInstrumentation implements TypeInstrumentation {
  static final String CHAT_MODEL = "dev.langchain4j.model.chat.ChatModel";
  static final String CHAT_REQUEST = "dev.langchain4j.model.chat.request.ChatRequest";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return Langchain4jInstrumentationModule.modelsNotTracedUpstream(CHAT_MODEL);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("doChat").and(takesArguments(1)).and(takesArgument(0, named(CHAT_REQUEST))).and(not(isAbstract())),
        ChatModelInstrumentation.class.getName() + "$DoChatAdvice");
  }

  @SuppressWarnings("unused")
  public static class DoChatAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.This Object model,
        @Advice.Argument(0) ChatRequest request,
        @Advice.Local("ttCallDepth") CallDepth callDepth,
        @Advice.Local("ttContext") Context context,
        @Advice.Local("ttScope") Scope scope) {
      // One span per logical call, even when a model's doChat delegates to another model.
      callDepth = CallDepth.forClass(ChatModel.class);
      if (callDepth.getAndIncrement() > 0) {
        return;
      }
      context = Langchain4jTracing.start(Java8BytecodeBridge.currentContext(), model, request);
      scope = context.makeCurrent();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Return ChatResponse response,
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
        Langchain4jTracing.end(context, response, error);
      }
    }
  }
}
