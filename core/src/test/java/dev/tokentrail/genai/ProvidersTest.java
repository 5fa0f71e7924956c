package dev.tokentrail.genai;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProvidersTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // OTel well-known values are kept.
    "openai, openai",
    "anthropic, anthropic",
    "aws.bedrock, aws.bedrock",
    "azure.ai.openai, azure.ai.openai",
    "gcp.vertex_ai, gcp.vertex_ai",
    "gcp.gemini, gcp.gemini",
    "ibm.watsonx.ai, ibm.watsonx.ai",
    "x_ai, x_ai",
    // Deprecated OTel values.
    "az.ai.openai, azure.ai.openai",
    "az.ai.inference, azure.ai.inference",
    "vertex_ai, gcp.vertex_ai",
    "gemini, gcp.gemini",
    "xai, x_ai",
    // OpenLLMetry mixed case, OpenInference vocabulary, Spring AI enum.
    "Anthropic, anthropic",
    "AWS, aws.bedrock",
    "Azure, azure.ai.openai",
    "Google, gcp.vertex_ai",
    "MistralAI, mistral_ai",
    "mistralai, mistral_ai",
    "azure_openai, azure.ai.openai",
    "bedrock_converse, aws.bedrock",
    // Vercel AI SDK provider ids carry the API flavor.
    "anthropic.messages, anthropic",
    "openai.chat, openai",
    "openai.responses, openai",
    "google.generative-ai, gcp.gemini",
    "google.vertex.chat, gcp.vertex_ai",
    "amazon-bedrock, aws.bedrock",
    "mistral.chat, mistral_ai",
    "'  OpenAI ', openai",
  })
  void mapsEverySpellingToTheOtelValue(String raw, String canonical) {
    assertThat(Providers.canonical(raw)).isEqualTo(canonical);
  }
}
