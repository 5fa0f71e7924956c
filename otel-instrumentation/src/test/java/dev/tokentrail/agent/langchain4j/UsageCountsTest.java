package dev.tokentrail.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.anthropic.AnthropicTokenUsage;
import dev.langchain4j.model.openai.OpenAiTokenUsage;
import dev.langchain4j.model.output.TokenUsage;
import org.junit.jupiter.api.Test;

class UsageCountsTest {
  /** Every count, so no test leaves one unchecked; null means the provider did not report it. */
  private static void assertCounts(UsageCounts counts, Long input, Long output, Long cacheRead, Long cacheWrite, Long reasoning) {
    assertThat(new Long[] {counts.input, counts.output, counts.cacheRead, counts.cacheWrite, counts.reasoning})
        .as("input, output, cache read, cache write, reasoning")
        .containsExactly(input, output, cacheRead, cacheWrite, reasoning);
  }

  @Test
  void openAiCachedTokensAreAlreadyInsideInputTokens() {
    TokenUsage usage = OpenAiTokenUsage.builder()
        .inputTokenCount(1200).outputTokenCount(80)
        .inputTokensDetails(OpenAiTokenUsage.InputTokensDetails.builder().cachedTokens(1000).build())
        .outputTokensDetails(OpenAiTokenUsage.OutputTokensDetails.builder().reasoningTokens(30).build())
        .build();

    assertCounts(UsageCounts.of(usage), 1200L, 80L, 1000L, null, 30L);
  }

  @Test
  void openAiUsageWithoutDetailsLeavesCacheAndReasoningUnknown() {
    assertCounts(UsageCounts.of(OpenAiTokenUsage.builder().inputTokenCount(10).outputTokenCount(5).build()), 10L, 5L, null, null, null);
  }

  @Test
  void anthropicCacheReadsAndWritesAreAddedToInputTokens() {
    TokenUsage usage = AnthropicTokenUsage.builder()
        .inputTokenCount(200).outputTokenCount(50).cacheReadInputTokens(1000).cacheCreationInputTokens(300).build();

    assertCounts(UsageCounts.of(usage), 1500L, 50L, 1000L, 300L, null);
  }

  @Test
  void anthropicUsageWithoutCacheCountsKeepsItsInput() {
    assertCounts(UsageCounts.of(AnthropicTokenUsage.builder().inputTokenCount(200).outputTokenCount(50).build()), 200L, 50L, null, null, null);
  }

  @Test
  void plainTokenUsageHasOnlyInputAndOutput() {
    assertCounts(UsageCounts.of(new TokenUsage(7, 3)), 7L, 3L, null, null, null);
  }

  @Test
  void failingDetailAccessorLeavesItsCountUnknown() {
    assertCounts(UsageCounts.of(new BrokenDetailsUsage()), 7L, 3L, null, null, null);
  }

  /** A provider usage whose detail accessor throws, as one from a mismatched release might. */
  public static final class BrokenDetailsUsage extends TokenUsage {
    BrokenDetailsUsage() {
      super(7, 3);
    }

    public Object inputTokensDetails() {
      throw new IllegalStateException("details: not loaded");
    }
  }
}
