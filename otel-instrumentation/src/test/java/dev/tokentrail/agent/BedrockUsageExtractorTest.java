package dev.tokentrail.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.context.Context;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.core.internal.InternalCoreExecutionAttribute;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;

/** The extractor against the real AWS SDK objects the agent hands its extractors. */
class BedrockUsageExtractorTest {
  private final BedrockUsageExtractor extractor = new BedrockUsageExtractor();

  /** Stands in for the agent's internal response wrapper, which has the same accessor. */
  public static final class AgentResponse {
    private final SdkResponse sdkResponse;

    AgentResponse(SdkResponse sdkResponse) {
      this.sdkResponse = sdkResponse;
    }

    public SdkResponse getSdkResponse() {
      return sdkResponse;
    }
  }

  private static ExecutionAttributes call(String service, int attempt) {
    return call(service, "Converse", attempt);
  }

  private static ExecutionAttributes call(String service, String operation, int attempt) {
    return ExecutionAttributes.builder()
        .put(SdkExecutionAttribute.SERVICE_NAME, service)
        .put(SdkExecutionAttribute.OPERATION_NAME, operation)
        .put(InternalCoreExecutionAttribute.EXECUTION_ATTEMPT, attempt)
        .build();
  }

  private Attributes end(ExecutionAttributes request, Object response) {
    AttributesBuilder attributes = Attributes.builder();
    extractor.onEnd(attributes, Context.root(), request, response, null);
    return attributes.build();
  }

  @Test
  void converseCacheTokensAreAddedAndCountedInTheInput() {
    ConverseResponse response = ConverseResponse.builder().usage(TokenUsage.builder()
        .inputTokens(200).outputTokens(80).totalTokens(1330).cacheReadInputTokens(1000).cacheWriteInputTokens(50).build()).build();
    Attributes a = end(call("BedrockRuntime", 1), new AgentResponse(response));
    assertThat(a.get(AttributeKey.longKey("gen_ai.usage.input_tokens"))).isEqualTo(1250L);
    assertThat(a.get(AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens"))).isEqualTo(1000L);
    assertThat(a.get(AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens"))).isEqualTo(50L);
    assertThat(a.get(AttributeKey.longKey("gen_ai.usage.output_tokens"))).isNull(); // the agent's own
    assertThat(a.get(AttributeKey.longKey("tokentrail.retry.attempt"))).isEqualTo(0L);
  }

  @Test
  void theSdksSecondAttemptIsRetryAttemptOneEvenWhenTheCallFails() {
    AttributesBuilder attributes = Attributes.builder();
    extractor.onEnd(attributes, Context.root(), call("BedrockRuntime", 3), null, new RuntimeException("throttled"));
    assertThat(attributes.build().get(AttributeKey.longKey("tokentrail.retry.attempt"))).isEqualTo(2L);
  }

  @Test
  void converseWithoutCacheUsageKeepsTheAgentsInput() {
    ConverseResponse response = ConverseResponse.builder()
        .usage(TokenUsage.builder().inputTokens(200).outputTokens(80).totalTokens(280).build()).build();
    Attributes a = end(call("BedrockRuntime", 1), new AgentResponse(response));
    assertThat(a.get(AttributeKey.longKey("gen_ai.usage.input_tokens"))).isEqualTo(200L);
    assertThat(a.get(AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens"))).isNull();
  }

  @Test
  void aDisabledExtensionLeavesTheAgentsSpanAlone() {
    ConverseResponse response = ConverseResponse.builder()
        .usage(TokenUsage.builder().inputTokens(200).outputTokens(80).cacheReadInputTokens(1000).build()).build();
    BedrockUsageExtractor.active = false;
    try {
      assertThat(end(call("BedrockRuntime", 2), new AgentResponse(response)).isEmpty()).isTrue();
    } finally {
      BedrockUsageExtractor.active = true;
    }
  }

  @Test
  void otherOperationsAndServicesAreLeftAsTheAgentMadeThem() {
    assertThat(end(call("BedrockRuntime", "InvokeModel", 1), new AgentResponse(InvokeModelResponse.builder().build())).asMap())
        .containsOnlyKeys(AttributeKey.longKey("tokentrail.retry.attempt"));
    assertThat(end(call("S3", 2), new AgentResponse(ConverseResponse.builder().build())).isEmpty()).isTrue();
    assertThat(end(call("BedrockRuntime", "ApplyGuardrail", 2), null).isEmpty()).isTrue();
    assertThat(end(null, null).isEmpty()).isTrue();
    assertThat(extractorIgnores("not the SDK's attributes")).isTrue();
  }

  private boolean extractorIgnores(Object request) {
    AttributesBuilder attributes = Attributes.builder();
    extractor.onEnd(attributes, Context.root(), request, "not a response", null);
    return attributes.build().isEmpty();
  }
}
