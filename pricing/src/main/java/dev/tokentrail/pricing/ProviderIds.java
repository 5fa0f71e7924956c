package dev.tokentrail.pricing;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Maps the provider a span names (an OTel {@code gen_ai.provider.name} value such as {@code
 * aws.bedrock} or {@code gcp.vertex_ai}, or another convention's spelling) to the catalog's provider
 * id. Unmapped names are looked up among the catalog's provider ids and provider match rules.
 */
final class ProviderIds {
  private static final Map<String, String> KNOWN = new HashMap<>();

  static {
    String[][] pairs = {
      {"openai", "openai"},
      {"anthropic", "anthropic"},
      {"aws.bedrock", "aws"},
      {"aws", "aws"},
      {"bedrock", "aws"},
      {"amazon-bedrock", "aws"},
      {"bedrock_converse", "aws"},
      {"gcp.vertex_ai", "google"},
      {"gcp.gemini", "google"},
      {"gcp.gen_ai", "google"},
      {"google", "google"},
      {"vertex_ai", "google"},
      {"vertexai", "google"},
      {"gemini", "google"},
      {"azure.ai.openai", "azure"},
      {"azure.ai.inference", "azure"},
      {"azure", "azure"},
      {"az.ai.openai", "azure"},
      {"az.ai.inference", "azure"},
      {"x_ai", "x-ai"},
      {"xai", "x-ai"},
      {"x-ai", "x-ai"},
      {"mistral_ai", "mistral"},
      {"mistralai", "mistral"},
      {"mistral", "mistral"},
      {"deepseek", "deepseek"},
      {"groq", "groq"},
      {"together_ai", "together"},
      {"together", "together"},
      {"togetherai", "together"},
      {"fireworks", "fireworks"},
      {"fireworks_ai", "fireworks"},
      {"fireworks-ai", "fireworks"},
      {"cerebras", "cerebras"},
      {"cohere", "cohere"},
      {"perplexity", "perplexity"},
      {"openrouter", "openrouter"},
      {"moonshot", "moonshotai"},
      {"moonshotai", "moonshotai"},
    };
    for (String[] pair : pairs) {
      KNOWN.put(pair[0], pair[1]);
    }
  }

  private ProviderIds() {}

  /** The catalog provider id for a span's provider name, or {@code null} when none is known. */
  static String lookup(String spanProvider, PriceCatalog catalog) {
    if (spanProvider == null || spanProvider.isBlank()) {
      return null;
    }
    String lower = spanProvider.trim().toLowerCase(Locale.ROOT);
    String known = KNOWN.get(lower);
    if (known != null) {
      return known;
    }
    if (catalog.hasProvider(lower)) {
      return lower;
    }
    // The Vercel AI SDK writes "anthropic.messages", "openai.chat", "google.generative-ai".
    int dot = lower.indexOf('.');
    if (dot > 0) {
      known = KNOWN.get(lower.substring(0, dot));
      if (known != null) {
        return known;
      }
    }
    return catalog.providerMatching(lower);
  }

  /** The catalog provider id a catalog file's {@code provider} names (OTel names are accepted). */
  static String forFile(String provider) {
    String lower = provider.trim().toLowerCase(Locale.ROOT);
    return KNOWN.getOrDefault(lower, lower);
  }
}
