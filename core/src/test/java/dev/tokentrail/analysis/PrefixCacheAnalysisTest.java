package dev.tokentrail.analysis;

import static dev.tokentrail.analysis.Calls.BASE_MILLIS;
import static dev.tokentrail.analysis.Calls.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.analysis.PrefixCacheAnalysis.Finding;
import dev.tokentrail.analysis.PrefixCacheAnalysis.Result;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.store.CallTable;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Known answers for docs/waste.md, "Shared-prefix cache opportunity". Fixture prices per 1M tokens:
 * fx-frontier input $2.50, cache read $1.25, no cache-write price (writes billed as input: no
 * premium); anthropic/fixture-sonnet input $3.00, cache read $0.30, cache write $3.75. The fixture
 * provider's cache: 1024 tokens, 5 minutes; Anthropic's from the built-in catalog: 1024, 5 minutes.
 */
class PrefixCacheAnalysisTest {
  private static final double EPS = 1e-12;
  private static final long MINUTE = 60_000L;
  private static final double FRONTIER_SAVING_PER_TOKEN = (2.50 - 1.25) / 1e6;

  private static Result analyze(CallTable t, PriceCatalog catalog) {
    RetryAnalysis.Result retries = RetryAnalysis.analyze(t);
    DuplicateAnalysis.Result duplicates = DuplicateAnalysis.analyze(t, retries.finalAttempt(), 600_000_000_000L);
    return PrefixCacheAnalysis.analyze(t, retries.finalAttempt(), duplicates.duplicate(), catalog);
  }

  private static Result analyze(CallTable t) {
    return analyze(t, Calls.CATALOG);
  }

  /** fx-frontier calls of 2500 input tokens sending prefix {@code p} of 2000 tokens, one per trace. */
  private static CallTable frontierCalls(long... minutes) {
    Calls calls = new Calls();
    for (int i = 0; i < minutes.length; i++) {
      calls.trace(i + 1).call("fx-frontier", 2500, 50).prefix("p", 2000).at(BASE_MILLIS + minutes[i] * MINUTE);
    }
    return calls.table();
  }

  @Test
  void callsOfOtherTracesRepeatingAWarmPrefixSaveInputMinusCacheReadPrice() {
    Result r = analyze(frontierCalls(0, 1, 2));
    assertThat(r.findings()).hasSize(1);
    Finding f = r.findings().get(0);
    assertThat(f.prefixHash()).isEqualTo("p");
    assertThat(f.model()).isEqualTo("fx-frontier");
    assertThat(f.calls()).isEqualTo(3);
    assertThat(f.repeats()).isEqualTo(2);
    assertThat(f.prefixTokens()).isEqualTo(2000);
    assertThat(f.repeatedTokens()).isEqualTo(4000);
    assertThat(f.writePremiumUsd()).isZero();
    assertThat(f.savingsUsd()).isCloseTo(4000 * FRONTIER_SAVING_PER_TOKEN, within(EPS));
    assertThat(f.exampleTraceIds()).containsExactly(traceId(2), traceId(3));
    assertThat(f.minTokens()).isEqualTo(1024);
    assertThat(f.lifetimeNanos()).isEqualTo(300_000_000_000L);
  }

  @Test
  void theLifetimeRunsFromThePreviousCallThatSentThePrefix() {
    // 0, 4, 8 minutes: each within 5 minutes of the one before, so the cache stays warm.
    assertThat(analyze(frontierCalls(0, 4, 8)).findings().get(0).repeats()).isEqualTo(2);
    // 0 and 6 minutes: the entry expired.
    assertThat(analyze(frontierCalls(0, 6)).findings()).isEmpty();
    // Exactly 5 minutes later is still warm; a millisecond more is not.
    assertThat(analyze(frontierCalls(0, 5)).findings()).hasSize(1);
    CallTable late = new Calls()
        .trace(1).call("fx-frontier", 2500, 50).prefix("p", 2000).at(BASE_MILLIS)
        .trace(2).call("fx-frontier", 2500, 50).prefix("p", 2000).at(BASE_MILLIS + 5 * MINUTE + 1)
        .table();
    assertThat(analyze(late).findings()).isEmpty();
  }

  @Test
  void aPrefixBelowTheProvidersMinimumIsNotCacheable() {
    CallTable small = new Calls()
        .trace(1).call("fx-frontier", 2500, 50).prefix("p", 1023)
        .trace(2).call("fx-frontier", 2500, 50).prefix("p", 1023)
        .table();
    assertThat(analyze(small).findings()).isEmpty();
    CallTable atMinimum = new Calls()
        .trace(1).call("fx-frontier", 2500, 50).prefix("p", 1024)
        .trace(2).call("fx-frontier", 2500, 50).prefix("p", 1024)
        .table();
    assertThat(analyze(atMinimum).findings().get(0).repeatedTokens()).isEqualTo(1024);
  }

  @Test
  void thePrefixIsNeverLargerThanTheCallsInput() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 1500, 50).prefix("p", 4000)
        .trace(2).call("fx-frontier", 1500, 50).prefix("p", 4000)
        .table();
    assertThat(analyze(t).findings().get(0).repeatedTokens()).isEqualTo(1500);
  }

  @Test
  void tokensAlreadyReadFromTheCacheAreNotCountedAgain() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 2500, 50).prefix("p", 2000)
        .trace(2).call("fx-frontier", 2500, 50).prefix("p", 2000).cacheRead(1500)
        .trace(3).call("fx-frontier", 2500, 50).prefix("p", 2000).cacheRead(2000)
        .table();
    Finding f = analyze(t).findings().get(0);
    assertThat(f.repeats()).isEqualTo(1);
    assertThat(f.repeatedTokens()).isEqualTo(500);
    assertThat(f.savingsUsd()).isCloseTo(500 * FRONTIER_SAVING_PER_TOKEN, within(EPS));
  }

  @Test
  void whereTheProviderBillsWritesTheFirstCallsWritePremiumIsSubtracted() {
    CallTable t = new Calls()
        .trace(1).call("anthropic", "fixture-sonnet", 3000, 50).prefix("p", 2000)
        .trace(2).call("anthropic", "fixture-sonnet", 3000, 50).prefix("p", 2000)
        .table();
    Finding f = analyze(t).findings().get(0);
    assertThat(f.grossSavingsUsd()).isCloseTo(2000 * (3.00 - 0.30) / 1e6, within(EPS));
    assertThat(f.writePremiumUsd()).isCloseTo(2000 * (3.75 - 3.00) / 1e6, within(EPS));
    assertThat(f.savingsUsd()).isCloseTo(2000 * (3.00 - 0.30 - 0.75) / 1e6, within(EPS));
  }

  @Test
  void aRunWhosePremiumExceedsItsSavingsSavesNothing() {
    // A catalog where reading saves less than writing costs: one repeat cannot pay for the write.
    PriceCatalog expensiveWrites = Calls.CATALOG.overriddenBy(new ByteArrayInputStream(String.join("\n",
        "version: \"w\"",
        "models:",
        "  - provider: anthropic",
        "    model: fixture-sonnet",
        "    prices: [{effective_from: 2024-01-01, input: 3.00, output: 15.00, cache_read: 2.90, cache_write: 4.00}]",
        "").getBytes(StandardCharsets.UTF_8)), "w.yaml");
    CallTable t = new Calls()
        .trace(1).call("anthropic", "fixture-sonnet", 3000, 50).prefix("p", 2000)
        .trace(2).call("anthropic", "fixture-sonnet", 3000, 50).prefix("p", 2000)
        .table();
    assertThat(analyze(t, expensiveWrites).findings()).isEmpty();
  }

  @Test
  void laterTurnsOfAConversationAreLeftToTheCacheKind() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 2500, 50).prefix("p", 2000).conversation("c1")
        .trace(2).call("fx-frontier", 2600, 50).prefix("p", 2000).conversation("c1")
        .trace(3).call("fx-frontier", 2500, 50).prefix("p", 2000).conversation("c2")
        .table();
    Finding f = analyze(t).findings().get(0);
    assertThat(f.calls()).isEqualTo(3);
    assertThat(f.repeats()).isEqualTo(1);
    assertThat(f.exampleTraceIds()).containsExactly(traceId(3));
  }

  @Test
  void duplicateRequestsAreLeftToTheDuplicateKind() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 2500, 50).prefix("p", 2000).hash("same")
        .trace(2).call("fx-frontier", 2500, 50).prefix("p", 2000).hash("same")
        .trace(3).call("fx-frontier", 2500, 50).prefix("p", 2000).hash("different")
        .table();
    assertThat(analyze(t).findings().get(0).exampleTraceIds()).containsExactly(traceId(3));
  }

  @Test
  void modelsOfAProviderWithoutAPromptCacheAndUnknownModelsAreNotAnalyzed() {
    CallTable t = new Calls()
        .trace(1).call("nobody", "mystery", 2500, 50).prefix("p", 2000)
        .trace(2).call("nobody", "mystery", 2500, 50).prefix("p", 2000)
        .table();
    assertThat(analyze(t).findings()).isEmpty();
  }

  @Test
  void theLifetimeIsCatalogData() {
    PriceCatalog hourLong = Calls.CATALOG.overriddenBy(new ByteArrayInputStream(String.join("\n",
        "version: \"h\"",
        "prompt_caching:",
        "  - {provider: fixture-ai, min_tokens: 1024, lifetime: 1h}",
        "").getBytes(StandardCharsets.UTF_8)), "h.yaml");
    assertThat(analyze(frontierCalls(0, 30), hourLong).findings()).hasSize(1);
    assertThat(analyze(frontierCalls(0, 30)).findings()).isEmpty();
  }

  @Test
  void differentModelsDoNotShareACache() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 2500, 50).prefix("p", 2000)
        .trace(2).call("fx-standard", 2500, 50).prefix("p", 2000)
        .table();
    assertThat(analyze(t).findings()).isEmpty();
    assertThat(analyze(t).savingsUsd()).isZero();
    assertThat(List.of(t.size())).containsExactly(2);
  }
}
