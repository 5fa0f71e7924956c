package dev.tokentrail.analysis;

import java.util.Locale;
import java.util.Map;

/**
 * Who provides, publishes and invoices an LLM charge, by the FOCUS definitions: the provider is the
 * host that sells access to the model (OpenAI, AWS for Bedrock), the publisher is who made the
 * model (Anthropic for Claude on Bedrock), and the invoice issuer is the provider, as TokenTrail
 * sees direct API billing. Ids the tables do not know are written as they are.
 */
final class FocusParties {
  /** Provider display names by catalog or span provider id. */
  private static final Map<String, String> PROVIDERS = Map.ofEntries(
      Map.entry("openai", "OpenAI"),
      Map.entry("anthropic", "Anthropic"),
      Map.entry("aws", "AWS"),
      Map.entry("aws.bedrock", "AWS"),
      Map.entry("azure", "Microsoft"),
      Map.entry("azure.ai.openai", "Microsoft"),
      Map.entry("azure.ai.inference", "Microsoft"),
      Map.entry("google", "Google"),
      Map.entry("gcp.gemini", "Google"),
      Map.entry("gcp.vertex_ai", "Google Cloud"),
      Map.entry("mistral", "Mistral AI"),
      Map.entry("mistral_ai", "Mistral AI"),
      Map.entry("x_ai", "xAI"),
      Map.entry("x-ai", "xAI"),
      Map.entry("deepseek", "DeepSeek"),
      Map.entry("cohere", "Cohere"),
      Map.entry("groq", "Groq"),
      Map.entry("together", "Together AI"),
      Map.entry("fireworks", "Fireworks AI"),
      Map.entry("perplexity", "Perplexity"));

  /** Service names by provider id: the product a provider bills LLM calls under. */
  private static final Map<String, String> SERVICES = Map.ofEntries(
      Map.entry("aws", "Amazon Bedrock"),
      Map.entry("aws.bedrock", "Amazon Bedrock"),
      Map.entry("azure", "Azure OpenAI Service"),
      Map.entry("azure.ai.openai", "Azure OpenAI Service"),
      Map.entry("azure.ai.inference", "Azure AI Foundry"),
      Map.entry("gcp.vertex_ai", "Vertex AI"),
      Map.entry("google", "Gemini API"),
      Map.entry("gcp.gemini", "Gemini API"));

  /** Model publishers by the start of the model id (after a host's "vendor." prefix). */
  private static final String[][] PUBLISHERS = {
      {"claude", "Anthropic"}, {"anthropic", "Anthropic"},
      {"gpt", "OpenAI"}, {"chatgpt", "OpenAI"}, {"o1", "OpenAI"}, {"o3", "OpenAI"}, {"o4", "OpenAI"},
      {"text-embedding", "OpenAI"}, {"openai", "OpenAI"},
      {"gemini", "Google"}, {"gemma", "Google"},
      {"llama", "Meta"}, {"meta", "Meta"},
      {"mistral", "Mistral AI"}, {"mixtral", "Mistral AI"}, {"codestral", "Mistral AI"},
      {"command", "Cohere"}, {"cohere", "Cohere"},
      {"grok", "xAI"}, {"deepseek", "DeepSeek"},
      {"nova", "Amazon"}, {"amazon", "Amazon"}, {"titan", "Amazon"}};

  private FocusParties() {}

  static String providerName(String providerId) {
    String name = PROVIDERS.get(providerId.toLowerCase(Locale.ROOT));
    return name == null ? providerId : name;
  }

  static String serviceName(String providerId) {
    String name = SERVICES.get(providerId.toLowerCase(Locale.ROOT));
    return name == null ? providerName(providerId) + " API" : name;
  }

  /** The model's maker, recognized from its id; else the provider (a provider's own model). */
  static String publisherName(String providerId, String modelId) {
    String model = modelId.toLowerCase(Locale.ROOT);
    // Bedrock ids carry the publisher first ("anthropic.claude-...", "us.meta.llama3-...").
    for (String[] publisher : PUBLISHERS) {
      if (model.startsWith(publisher[0]) || model.contains("." + publisher[0]) || model.contains("/" + publisher[0])) {
        return publisher[1];
      }
    }
    return providerName(providerId);
  }
}
