package dev.tokentrail.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import org.junit.jupiter.api.Test;

class GenAiProviderTest {
  @Test
  void realProviderModelsNameTheirProvider() {
    ChatModel openAi = OpenAiChatModel.builder().apiKey("test").modelName("gpt-4o-mini").build();
    ChatModel anthropic = AnthropicChatModel.builder().apiKey("test").modelName("claude-sonnet-4-5").build();

    assertThat(GenAiProvider.of(openAi)).isEqualTo("openai");
    assertThat(GenAiProvider.of(anthropic)).isEqualTo("anthropic");
    // Outside the provider packages, so only ChatModel.provider() can name it.
    ChatModel mistral = new ChatModel() {
      @Override
      public ModelProvider provider() {
        return ModelProvider.MISTRAL_AI;
      }
    };
    assertThat(GenAiProvider.of(mistral)).isEqualTo("mistral_ai");
  }

  @Test
  void streamingModelsNameTheirProviderToo() {
    StreamingChatModel openAi = OpenAiStreamingChatModel.builder().apiKey("test").modelName("gpt-4o-mini").build();
    StreamingChatModel mistral = new StreamingChatModel() {
      @Override
      public ModelProvider provider() {
        return ModelProvider.MISTRAL_AI;
      }
    };

    assertThat(GenAiProvider.of(openAi)).isEqualTo("openai");
    // Outside the provider packages, so only provider() can name it.
    assertThat(GenAiProvider.of(mistral)).isEqualTo("mistral_ai");
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
