package dev.tokentrail.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The spellings a reported model id is looked up under, most specific first. The expected
 * spellings must appear in this order; the list may hold further spellings between or after them
 * (a rule for a new provider convention should not have to rewrite every case here).
 */
class ModelNamesTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        // Already canonical: itself first.
        "gpt-4o | gpt-4o",
        "o3-mini | o3-mini",
        // Case and surrounding blanks.
        "'  GPT-4o  ' | gpt-4o",
        // Dated snapshots: dashed and compact dates, the compact one also dashed.
        "gpt-4o-2024-08-06 | gpt-4o-2024-08-06 gpt-4o",
        "claude-3-5-sonnet-20241022 | claude-3-5-sonnet-20241022 claude-3-5-sonnet-2024-10-22 claude-3-5-sonnet",
        // OpenAI's four-digit snapshots.
        "gpt-4-0613 | gpt-4-0613 gpt-4",
        // Moving aliases.
        "claude-3-5-haiku-latest | claude-3-5-haiku-latest claude-3-5-haiku",
        // Bedrock ids: the regional prefix first kept (a regional profile may cost more), then
        // stripped, then the vendor prefix and version suffix, then the date.
        "us.anthropic.claude-3-5-sonnet-20241022-v2:0 | us.anthropic.claude-3-5-sonnet-20241022-v2:0"
            + " anthropic.claude-3-5-sonnet-20241022-v2:0 claude-3-5-sonnet-20241022"
            + " claude-3-5-sonnet-2024-10-22 claude-3-5-sonnet",
        "anthropic.claude-3-haiku-20240307-v1:0:200k | anthropic.claude-3-haiku-20240307-v1:0:200k"
            + " claude-3-haiku-20240307 claude-3-haiku-2024-03-07 claude-3-haiku",
        "apac.amazon.nova-micro-v1:0 | apac.amazon.nova-micro-v1:0 amazon.nova-micro-v1:0 nova-micro",
        // A model:tag id loses its tag.
        "llama3:8b | llama3:8b llama3",
        // Vertex AI ids.
        "claude-sonnet-4-5@20250929 | claude-sonnet-4-5@20250929 claude-sonnet-4-5",
        // Gemini API resource names and vendor prefixes (the prefixed spelling first).
        "models/gemini-1.5-pro-latest | models/gemini-1.5-pro-latest gemini-1.5-pro-latest gemini-1.5-pro",
        "openai/gpt-4o-2024-05-13 | openai/gpt-4o-2024-05-13 gpt-4o-2024-05-13 gpt-4o",
      })
  void candidatesGoFromTheReportedIdToItsFamily(String reported, String expected) {
    List<String> spellings = Arrays.asList(expected.split(" "));
    List<String> candidates = ModelNames.candidates(reported);

    assertThat(candidates.get(0)).isEqualTo(spellings.get(0));
    assertThat(candidates).containsSubsequence(spellings).doesNotHaveDuplicates();
  }

  @Test
  void fineTunedIdIsOnlyLookedUpAsReported() {
    // A fine-tuned model costs more than its base: only a rule for fine-tuned ids may price it.
    assertThat(ModelNames.candidates("ft:gpt-4o-mini-2024-07-18:acme::abc123"))
        .containsExactly("ft:gpt-4o-mini-2024-07-18:acme::abc123");
  }

  @ParameterizedTest(name = "{0} never becomes {1}")
  @CsvSource({
    // Version suffixes that are not dates are part of the model.
    "mistral-large-2411, mistral-large",
    "gemini-2.5-flash-preview-05-20, gemini-2.5-flash-preview",
    "gemini-2.5-flash-preview-05-20, gemini-2.5-flash",
    // A first word that is not a region prefix is kept.
    "eu.example, example",
    // The vendor prefix of a provider-qualified id is not a model.
    "openai/gpt-4o, openai",
  })
  void suffixesAndPrefixesThatAreNotVersionsOrRoutesStay(String reported, String notACandidate) {
    assertThat(ModelNames.candidates(reported)).doesNotContain(notACandidate);
  }
}
