package dev.tokentrail.agent.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import java.lang.reflect.Method;

/**
 * The {@code gen_ai.provider.name} of a LangChain4j chat model: from its {@code provider()} (a
 * {@code ModelProvider} enum in recent 1.x releases), else from the provider module's package.
 */
final class GenAiProvider {
  private static final String MODEL_PACKAGE = "dev.langchain4j.model.";
  /** {@code provider()} of each model interface, dispatched virtually; null on releases without it. */
  private static final Method CHAT_PROVIDER = providerMethod(ChatModel.class);
  private static final Method STREAMING_PROVIDER = providerMethod(StreamingChatModel.class);

  private GenAiProvider() {}

  private static Method providerMethod(Class<?> modelInterface) {
    try {
      return modelInterface.getMethod("provider");
    } catch (NoSuchMethodException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  /** The provider name for {@code model}, or null when neither source names one. */
  static String of(Object model) {
    String name = null;
    Method providerMethod = model instanceof ChatModel ? CHAT_PROVIDER
        : model instanceof StreamingChatModel ? STREAMING_PROVIDER : null;
    if (providerMethod != null) {
      try {
        Object provider = providerMethod.invoke(model);
        if (provider instanceof Enum) {
          name = fromModelProvider(((Enum<?>) provider).name());
        }
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        // A model whose provider() fails: fall back to the package.
      }
    }
    return name != null ? name : fromClassName(model.getClass().getName());
  }

  /** Maps a {@code ModelProvider} constant to the OTel GenAI provider name; null for {@code OTHER}. */
  static String fromModelProvider(String constant) {
    switch (constant) {
      case "OPEN_AI": return "openai";
      case "ANTHROPIC": return "anthropic";
      case "AMAZON_BEDROCK": return "aws.bedrock";
      case "AZURE_OPEN_AI": return "azure.ai.openai";
      case "MICROSOFT_FOUNDRY": return "azure.ai.inference";
      case "GOOGLE_AI_GEMINI": return "gcp.gemini";
      case "GOOGLE_GENAI": return "gcp.gen_ai";
      case "GOOGLE_VERTEX_AI_GEMINI":
      case "GOOGLE_VERTEX_AI_ANTHROPIC": return "gcp.vertex_ai";
      case "MISTRAL_AI": return "mistral_ai";
      case "WATSONX": return "ibm.watsonx.ai";
      case "COHERE": return "cohere";
      case "OTHER": return null;
      // Not in the OTel list (ollama, github_models, ...): the constant itself, in its style.
      default: return constant.toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The provider from the package of a LangChain4j provider module ({@code
   * dev.langchain4j.model.openai.OpenAiChatModel} is openai); null for classes outside them.
   */
  static String fromClassName(String className) {
    if (!className.startsWith(MODEL_PACKAGE)) {
      return null;
    }
    int end = className.indexOf('.', MODEL_PACKAGE.length());
    if (end < 0) {
      return null;
    }
    String module = className.substring(MODEL_PACKAGE.length(), end);
    switch (module) {
      case "openai": return "openai";
      case "anthropic": return "anthropic";
      case "googleai": return "gcp.gemini";
      case "vertexai": return "gcp.vertex_ai";
      case "azure": return "azure.ai.openai";
      case "mistralai": return "mistral_ai";
      case "bedrock": return "aws.bedrock";
      case "watsonx": return "ibm.watsonx.ai";
      case "chat": return null; // langchain4j-core's own types, not a provider
      default: return module; // ollama, cohere, ...
    }
  }
}
