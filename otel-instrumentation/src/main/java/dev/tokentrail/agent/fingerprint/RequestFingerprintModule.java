package dev.tokentrail.agent.fingerprint;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Puts {@code tokentrail.request.hash} and {@code tokentrail.prefix.hash} on the GenAI spans of the
 * OpenAI and Anthropic Java SDKs, whoever made the span (the upstream agent's openai-java
 * instrumentation, the Anthropic SDK's own tracing, or ours). Both SDKs send every request through
 * their {@code OkHttpClient.execute}/{@code executeAsync} with the JSON body in hand, while the call's
 * GenAI span is current, so that is where the body is read. Turn it off with {@code
 * -Dotel.instrumentation.tokentrail-request-fingerprint.enabled=false}.
 */
public final class RequestFingerprintModule extends InstrumentationModule {
  public RequestFingerprintModule() {
    super("tokentrail-request-fingerprint");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed("com.fasterxml.jackson.databind.ObjectMapper")
        .and(hasClassesNamed(OpenAiHttpInstrumentation.TYPE).or(hasClassesNamed(AnthropicHttpInstrumentation.TYPE)));
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new OpenAiHttpInstrumentation(), new AnthropicHttpInstrumentation());
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Arrays.asList(
        "dev.tokentrail.agent.genai.GenAiKeys",
        "dev.tokentrail.agent.genai.PublicMethods",
        "dev.tokentrail.agent.fingerprint.RequestFingerprint",
        "dev.tokentrail.agent.fingerprint.FingerprintSettings",
        "dev.tokentrail.agent.fingerprint.RecordingGenAiSpan",
        "dev.tokentrail.agent.fingerprint.RecordingGenAiSpan$1",
        "dev.tokentrail.agent.fingerprint.JsonRequestFingerprints");
  }
}
