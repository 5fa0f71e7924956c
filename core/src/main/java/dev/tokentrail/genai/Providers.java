package dev.tokentrail.genai;

import java.util.Locale;
import java.util.Map;

/** Maps the many provider spellings of the conventions to the OTel well-known values. */
final class Providers {
  private static final Map<String, String> ALIASES =
      Map.ofEntries(
          Map.entry("aws", "aws.bedrock"),
          Map.entry("amazon-bedrock", "aws.bedrock"),
          Map.entry("bedrock", "aws.bedrock"),
          Map.entry("bedrock_converse", "aws.bedrock"),
          Map.entry("azure", "azure.ai.openai"),
          Map.entry("az.ai.openai", "azure.ai.openai"),
          Map.entry("azure_openai", "azure.ai.openai"),
          Map.entry("az.ai.inference", "azure.ai.inference"),
          Map.entry("google", "gcp.vertex_ai"),
          Map.entry("vertexai", "gcp.vertex_ai"),
          Map.entry("vertex_ai", "gcp.vertex_ai"),
          Map.entry("vertex", "gcp.vertex_ai"),
          Map.entry("gemini", "gcp.gemini"),
          Map.entry("google.generative-ai", "gcp.gemini"),
          Map.entry("mistralai", "mistral_ai"),
          Map.entry("mistral", "mistral_ai"),
          Map.entry("xai", "x_ai"),
          Map.entry("grok", "x_ai"));

  private Providers() {}

  static String canonical(String raw) {
    String lower = raw.trim().toLowerCase(Locale.ROOT);
    String mapped = ALIASES.get(lower);
    if (mapped != null) {
      return mapped;
    }
    // Vercel AI SDK writes "anthropic.messages", "openai.chat", "google.generative-ai".
    if (!lower.startsWith("gcp.") && !lower.startsWith("aws.") && !lower.startsWith("azure.")
        && !lower.startsWith("ibm.")) {
      int dot = lower.indexOf('.');
      if (dot > 0) {
        String head = lower.substring(0, dot);
        return ALIASES.getOrDefault(head, head);
      }
    }
    return lower;
  }
}
