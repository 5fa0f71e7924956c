package dev.tokentrail.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import org.junit.jupiter.api.Test;

class GenAiProviderTest {
  @Test
  void realProviderModelsNameTheirProvider() {
    ChatModel openAi = OpenAiChatModel.builder().apiKey("test").modelName("gpt-4o-mini").build();
    ChatModel anthropic = AnthropicChatModel.builder().apiKey("test").modelName("claude-sonnet-4-5").build();

    assertThat(GenAiProvider.of(openAi)).isEqualTo("openai");
    assertThat(GenAiProvider.of(anthropic)).isEqualTo("anthropic");
  }

  @Test
  void modelProviderConstantsMapToOtelProviderNames() {
    assertThat(GenAiProvider.fromModelProvider("OPEN_AI")).isEqualTo("openai");
    assertThat(GenAiProvider.fromModelProvider("AZURE_OPEN_AI")).isEqualTo("azure.ai.openai");
    assertThat(GenAiProvider.fromModelProvider("GOOGLE_AI_GEMINI")).isEqualTo("gcp.gemini");
    assertThat(GenAiProvider.fromModelProvider("GOOGLE_VERTEX_AI_GEMINI")).isEqualTo("gcp.vertex_ai");
    assertThat(GenAiProvider.fromModelProvider("MISTRAL_AI")).isEqualTo("mistral_ai");
    assertThat(GenAiProvider.fromModelProvider("AMAZON_BEDROCK")).isEqualTo("aws.bedrock");
    assertThat(GenAiProvider.fromModelProvider("OLLAMA")).isEqualTo("ollama");
    assertThat(GenAiProvider.fromModelProvider("OTHER")).isNull();
  }

  @Test
  void packageNamesTheProviderWhenTheModelDoesNot() {
    assertThat(GenAiProvider.fromClassName("dev.langchain4j.model.googleai.GoogleAiGeminiChatModel")).isEqualTo("gcp.gemini");
    assertThat(GenAiProvider.fromClassName("dev.langchain4j.model.mistralai.MistralAiChatModel")).isEqualTo("mistral_ai");
    assertThat(GenAiProvider.fromClassName("dev.langchain4j.model.ollama.OllamaChatModel")).isEqualTo("ollama");
    assertThat(GenAiProvider.fromClassName("com.example.MyChatModel")).isNull();
  }

  @Test
  void customModelWithoutProviderHasNone() {
    ChatModel custom = new ChatModel() {};

    assertThat(GenAiProvider.of(custom)).isNull();
  }
}
