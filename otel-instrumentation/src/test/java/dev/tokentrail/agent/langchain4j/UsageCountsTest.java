package dev.tokentrail.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.anthropic.AnthropicTokenUsage;
import dev.langchain4j.model.openai.OpenAiTokenUsage;
import dev.langchain4j.model.output.TokenUsage;
import org.junit.jupiter.api.Test;

class UsageCountsTest {
  @Test
  void openAiCachedTokensAreAlreadyInsideInputTokens() {
    TokenUsage usage = OpenAiTokenUsage.builder()
        .inputTokenCount(1200).outputTokenCount(80)
        .inputTokensDetails(OpenAiTokenUsage.InputTokensDetails.builder().cachedTokens(1000).build())
        .outputTokensDetails(OpenAiTokenUsage.OutputTokensDetails.builder().reasoningTokens(30).build())
        .build();

    UsageCounts counts = UsageCounts.of(usage);

    assertThat(counts.input).isEqualTo(1200L);
    assertThat(counts.output).isEqualTo(80L);
    assertThat(counts.cacheRead).isEqualTo(1000L);
    assertThat(counts.reasoning).isEqualTo(30L);
    assertThat(counts.cacheWrite).isNull();
  }

  @Test
  void openAiUsageWithoutDetailsLeavesCacheAndReasoningUnknown() {
    UsageCounts counts = UsageCounts.of(OpenAiTokenUsage.builder().inputTokenCount(10).outputTokenCount(5).build());

    assertThat(counts.input).isEqualTo(10L);
    assertThat(counts.output).isEqualTo(5L);
    assertThat(counts.cacheRead).isNull();
    assertThat(counts.reasoning).isNull();
  }

  @Test
  void anthropicCacheReadsAndWritesAreAddedToInputTokens() {
    TokenUsage usage = AnthropicTokenUsage.builder()
        .inputTokenCount(200).outputTokenCount(50).cacheReadInputTokens(1000).cacheCreationInputTokens(300).build();

    UsageCounts counts = UsageCounts.of(usage);

    assertThat(counts.input).isEqualTo(1500L);
    assertThat(counts.output).isEqualTo(50L);
    assertThat(counts.cacheRead).isEqualTo(1000L);
    assertThat(counts.cacheWrite).isEqualTo(300L);
    assertThat(counts.reasoning).isNull();
  }

  @Test
  void anthropicUsageWithoutCacheCountsKeepsItsInput() {
    UsageCounts counts = UsageCounts.of(AnthropicTokenUsage.builder().inputTokenCount(200).outputTokenCount(50).build());

    assertThat(counts.input).isEqualTo(200L);
    assertThat(counts.cacheRead).isNull();
    assertThat(counts.cacheWrite).isNull();
  }

  @Test
  void plainTokenUsageHasOnlyInputAndOutput() {
    UsageCounts counts = UsageCounts.of(new TokenUsage(7, 3));

    assertThat(counts.input).isEqualTo(7L);
    assertThat(counts.output).isEqualTo(3L);
    assertThat(counts.cacheRead).isNull();
    assertThat(counts.cacheWrite).isNull();
    assertThat(counts.reasoning).isNull();
  }

  @Test
  void failingDetailAccessorLeavesItsCountUnknown() {
    UsageCounts counts = UsageCounts.of(new BrokenDetailsUsage());

    assertThat(counts.input).isEqualTo(7L);
    assertThat(counts.cacheRead).isNull();
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
