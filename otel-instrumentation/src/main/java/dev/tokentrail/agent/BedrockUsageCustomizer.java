package dev.tokentrail.agent;

import io.opentelemetry.instrumentation.api.incubator.instrumenter.InstrumenterCustomizer;
import io.opentelemetry.instrumentation.api.incubator.instrumenter.InstrumenterCustomizerProvider;

/**
 * Completes the agent's own AWS SDK spans for Bedrock Runtime calls with what its Bedrock
 * instrumentation leaves out: prompt-cache tokens and the SDK's retry attempt ({@link
 * BedrockUsageExtractor}). Registered through {@code META-INF/services}; the agent applies it when
 * it builds each instrumenter, so it only ever touches the {@code io.opentelemetry.aws-sdk-2.2} one.
 */
public final class BedrockUsageCustomizer implements InstrumenterCustomizerProvider {
  static final String AWS_SDK_INSTRUMENTATION = "io.opentelemetry.aws-sdk-2.2";

  @Override
  public void customize(InstrumenterCustomizer customizer) {
    if (AWS_SDK_INSTRUMENTATION.equals(customizer.getInstrumentationName())) {
      customizer.addAttributesExtractor(new BedrockUsageExtractor());
    }
  }
}
