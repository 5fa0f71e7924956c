package dev.tokentrail.agent.anthropic;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Instruments the Anthropic Java SDK 3.x ({@code com.anthropic:anthropic-java}), which the upstream
 * agent does not cover: every {@code client.messages().create(...)} (blocking, async, and blocking
 * streaming) becomes a CLIENT span {@code chat {model}} with the OTel GenAI attributes. The SDK's
 * retries happen inside the span, so the agent's okhttp spans for each HTTP attempt are its children.
 *
 * <p>anthropic-java 3.x also has OpenTelemetry tracing of its own, on by default, which reaches the
 * agent through the application's opentelemetry-api (a dependency of the SDK) and makes a GenAI span
 * {@code anthropic.messages.create} per call. Our span is made only for clients where that is off
 * ({@code AnthropicOkHttpClient.builder().openTelemetry(false)}), so a call is never counted twice.
 *
 * <p>Built with Maven, so there is no muzzle: the class-loader matcher is the only version gate, and
 * every class the advice reaches is listed in {@link #getAdditionalHelperClassNames()}. Turn it off
 * with {@code -Dotel.instrumentation.tokentrail-anthropic-java.enabled=false}.
 */
public final class AnthropicInstrumentationModule extends InstrumentationModule {
  public AnthropicInstrumentationModule() {
    super("tokentrail-anthropic-java", "tokentrail-anthropic-java-3", "anthropic-java");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    // Both exist in every 3.x release (verified on 3.2.0, 3.12.0 and 3.13.0).
    return hasClassesNamed("com.anthropic.services.blocking.MessageServiceImpl", "com.anthropic.helpers.MessageAccumulator");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new MessageServiceInstrumentation(), new MessageServiceAsyncInstrumentation());
  }

  /** Every class the inlined advice touches, nested ones included: injected into the app's classloader. */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Arrays.asList(
        "dev.tokentrail.agent.genai.GenAiKeys",
        "dev.tokentrail.agent.anthropic.AnthropicTracing",
        "dev.tokentrail.agent.anthropic.AnthropicTracing$EndOnComplete",
        "dev.tokentrail.agent.anthropic.TracingStreamResponse",
        "dev.tokentrail.agent.anthropic.TracingStreamResponse$TracingIterator");
  }
}
