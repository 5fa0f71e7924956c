package dev.tokentrail.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelNamesTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // Dated snapshots.
    "gpt-4o-2024-08-06, gpt-4o",
    "o3-2025-04-16, o3",
    "claude-3-5-sonnet-20241022, claude-3-5-sonnet",
    // Bedrock ids, with and without cross-region prefixes.
    "anthropic.claude-3-5-sonnet-20241022-v2:0, anthropic.claude-3-5-sonnet",
    "us.anthropic.claude-3-5-sonnet-20241022-v2:0, anthropic.claude-3-5-sonnet",
    "global.anthropic.claude-sonnet-4-5-20250929-v1:0, anthropic.claude-sonnet-4-5",
    "us-gov.anthropic.claude-3-haiku-20240307-v1:0, anthropic.claude-3-haiku",
    "apac.amazon.nova-micro-v1:0, amazon.nova-micro",
    "meta.llama3-1-70b-instruct-v1:0, meta.llama3-1-70b-instruct",
    // Bedrock provisioned-throughput ids carry a context-size suffix after the version.
    "anthropic.claude-3-haiku-20240307-v1:0:200k, anthropic.claude-3-haiku",
    // Vertex AI ids.
    "claude-3-5-sonnet-v2@20241022, claude-3-5-sonnet-v2",
    "claude-sonnet-4-5@20250929, claude-sonnet-4-5",
    // Gemini API resource names.
    "models/gemini-1.5-pro, gemini-1.5-pro",
    "models/gemini-1.5-pro-latest, gemini-1.5-pro",
    // Moving aliases.
    "chatgpt-4o-latest, chatgpt-4o",
    "claude-3-5-haiku-latest, claude-3-5-haiku",
    // Case and surrounding blanks.
    "'  GPT-4o  ', gpt-4o",
    // Already canonical, or suffixes that are versions rather than dates: unchanged.
    "gpt-4o, gpt-4o",
    "o3-mini, o3-mini",
    "gpt-4-0613, gpt-4-0613",
    "mistral-large-2411, mistral-large-2411",
    "text-embedding-3-large, text-embedding-3-large",
    "gemini-2.5-flash-preview-05-20, gemini-2.5-flash-preview-05-20",
    "eu.example, eu.example",
  })
  void reducesSpellingsToTheCanonicalId(String reported, String canonical) {
    assertThat(ModelNames.canonicalize(reported)).isEqualTo(canonical);
  }
}
