package dev.tokentrail.analysis;

import dev.tokentrail.store.CallTable;
import static dev.tokentrail.analysis.Calls.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.analysis.ContextGrowthAnalysis.Conversation;
import dev.tokentrail.analysis.ContextGrowthAnalysis.Result;
import dev.tokentrail.genai.FixtureCatalog;
import org.junit.jupiter.api.Test;

/**
 * Known answers for docs/waste.md, "Context growth". The agent loop has inputs 1000, 2500, 4500,
 * 7000 and outputs 500 each, so r = min(in_i, in_{i-1} + out_{i-1}) = 1500, 3000, 5000 (sum 9500
 * of 15000 input tokens), g = 7000 / 1000 = 7. On fx-frontier (2026-11-20: $2.50 input, $1.25 cache
 * read per 1M) re-sent USD = 9500 x $2.50/1M = $0.02375 and the cache opportunity with no cache
 * reads = 9500 x ($2.50 - $1.25)/1M = $0.011875.
 */
class ContextGrowthAnalysisTest {
  private static final double EPS = 1e-12;

  private static Calls agentLoop(Calls calls) {
    return calls
        .call("fx-frontier", 1000, 500)
        .call("fx-frontier", 2500, 500)
        .call("fx-frontier", 4500, 500)
        .call("fx-frontier", 7000, 500);
  }

  private static Result analyze(CallTable t) {
    return analyze(t, WasteThresholds.DEFAULT);
  }

  private static Result analyze(CallTable t, WasteThresholds thresholds) {
    return ContextGrowthAnalysis.analyze(t, RetryAnalysis.analyze(t).finalAttempt(), Calls.CATALOG, thresholds);
  }

  private static Conversation single(Result result) {
    assertThat(result.conversations()).hasSize(1);
    return result.conversations().get(0);
  }

  @Test
  void agentLoopOfFourTurnsReSendsItsGrowingContext() {
    CallTable t = agentLoop(new Calls().trace(1)).table();

    Result result = analyze(t);

    Conversation c = single(result);
    assertThat(c.conversation()).isEqualTo(traceId(1).hex());
    assertThat(c.fromConversationId()).isFalse();
    assertThat(c.service()).isEqualTo("svc");
    assertThat(c.turns()).isEqualTo(4);
    assertThat(c.firstInput()).isEqualTo(1000);
    assertThat(c.lastInput()).isEqualTo(7000);
    assertThat(c.growthFactor()).isEqualTo(7.0);
    assertThat(c.resentTokens()).isEqualTo(9500);
    assertThat(c.inputTokens()).isEqualTo(15000);
    assertThat(c.resentShare()).isCloseTo(9500.0 / 15000, within(EPS));
    assertThat(c.resentUsd()).isCloseTo(0.02375, within(EPS));
    assertThat(c.cacheOpportunityUsd()).isCloseTo(0.011875, within(EPS));
    assertThat(c.cacheReadTokens()).isZero();
    assertThat(c.flagged()).isTrue();
    assertThat(c.exampleTraceIds()).containsExactly(traceId(1));
    assertThat(c.reason()).contains("4 turns", "from 1000 to 7000", "x7.0", "9500 of 15000");
    assertThat(result.growthFindings()).containsExactly(c);
    assertThat(result.cacheFindings()).containsExactly(c);
    assertThat(result.resentUsdOfFlagged()).isCloseTo(0.02375, within(EPS));
    assertThat(result.cacheOpportunityUsd()).isCloseTo(0.011875, within(EPS));
  }

  @Test
  void reSentTokensAlreadyReadFromTheCacheAreNoOpportunity() {
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1000, 500)
        .call("fx-frontier", 2500, 500).cacheRead(1500)
        .call("fx-frontier", 4500, 500).cacheRead(3000)
        .call("fx-frontier", 7000, 500).cacheRead(5000)
        .table();

    Conversation c = single(analyze(t));

    assertThat(c.resentTokens()).isEqualTo(9500);
    assertThat(c.resentUsd()).isCloseTo(0.02375, within(EPS));
    assertThat(c.cacheReadTokens()).isEqualTo(9500);
    assertThat(c.cacheOpportunityUsd()).isZero();
    assertThat(c.flagged()).isTrue();
  }

  @Test
  void partlyCachedReSentTokensLeaveTheUncachedRestAsOpportunity() {
    // (1500 - 1000) + (3000 - 3000) + (5000 - 6000)+ = 500 tokens x $1.25/1M = $0.000625.
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1000, 500)
        .call("fx-frontier", 2500, 500).cacheRead(1000)
        .call("fx-frontier", 4500, 500).cacheRead(3000)
        .call("fx-frontier", 7000, 500).cacheRead(6000)
        .table();

    assertThat(single(analyze(t)).cacheOpportunityUsd()).isCloseTo(0.000625, within(EPS));
  }

  @Test
  void conversationIdJoinsTurnsAcrossTracesAndTheTraceIsTheConversationWithoutIt() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 1000, 500).conversation("conv-1")
        .trace(2).call("fx-frontier", 2500, 500).conversation("conv-1")
        .trace(3).call("fx-frontier", 4500, 500).conversation("conv-1")
        .trace(4).call("fx-frontier", 7000, 500).conversation("conv-1")
        .trace(5).call("fx-frontier", 1000, 100).call("fx-frontier", 1100, 100).call("fx-frontier", 1200, 100)
        .table();

    Result result = analyze(t);

    assertThat(result.conversations()).hasSize(2);
    Conversation joined = result.conversations().stream().filter(Conversation::fromConversationId).findFirst().orElseThrow();
    assertThat(joined.conversation()).isEqualTo("conv-1");
    assertThat(joined.turns()).isEqualTo(4);
    assertThat(joined.resentTokens()).isEqualTo(9500);
    assertThat(joined.exampleTraceIds()).containsExactly(traceId(1), traceId(2), traceId(3), traceId(4));
    assertThat(joined.flagged()).isTrue();

    Conversation byTrace = result.conversations().stream().filter(c -> !c.fromConversationId()).findFirst().orElseThrow();
    assertThat(byTrace.conversation()).isEqualTo(traceId(5).hex());
    assertThat(byTrace.turns()).isEqualTo(3);
    // r = min(1100, 1100) + min(1200, 1200) = 2300 of 3300 (70 %) >= 50 %: flagged though g = 1.2.
    assertThat(byTrace.resentTokens()).isEqualTo(2300);
    assertThat(byTrace.growthFactor()).isCloseTo(1.2, within(EPS));
    assertThat(byTrace.flagged()).isTrue();
  }

  @Test
  void onlyTheFinalAttemptOfARetryGroupIsATurn() {
    // Turn 2 first failed after the provider counted its 2500 input tokens; only its retry counts.
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1000, 500)
        .call("fx-frontier", 2500, -1).error("500").hash("turn-2")
        .call("fx-frontier", 2500, 500).hash("turn-2")
        .call("fx-frontier", 4500, 500)
        .call("fx-frontier", 7000, 500)
        .table();

    Conversation c = single(analyze(t));

    assertThat(c.turns()).isEqualTo(4);
    assertThat(c.inputTokens()).isEqualTo(15000);
    assertThat(c.resentTokens()).isEqualTo(9500);
    assertThat(c.resentUsd()).isCloseTo(0.02375, within(EPS));
  }

  @Test
  void twoTurnConversationIsNotFlaggedButHasACacheOpportunity() {
    // r = min(3000, 1000 + 500) = 1500; g = 3 but n = 2 < 3. 1500 x $1.25/1M = $0.001875.
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1000, 500)
        .call("fx-frontier", 3000, 500)
        .table();

    Result result = analyze(t);

    Conversation c = single(result);
    assertThat(c.turns()).isEqualTo(2);
    assertThat(c.growthFactor()).isEqualTo(3.0);
    assertThat(c.flagged()).isFalse();
    assertThat(c.resentUsd()).isCloseTo(0.00375, within(EPS));
    assertThat(c.cacheOpportunityUsd()).isCloseTo(0.001875, within(EPS));
    assertThat(result.growthFindings()).isEmpty();
    assertThat(result.resentUsdOfFlagged()).isZero();
    assertThat(result.cacheFindings()).containsExactly(c);
  }

  @Test
  void thresholdsDecideTheFlag() {
    CallTable t = agentLoop(new Calls().trace(1)).table();

    // g = 7 < 8 and share 63 % < 70 %.
    assertThat(single(analyze(t, new WasteThresholds(3, 8.0, 0.7, 64, 2000))).flagged()).isFalse();
    // g = 7 >= 7.
    assertThat(single(analyze(t, new WasteThresholds(3, 7.0, 0.7, 64, 2000))).flagged()).isTrue();
    // share 63 % >= 60 %.
    assertThat(single(analyze(t, new WasteThresholds(3, 8.0, 0.6, 64, 2000))).flagged()).isTrue();
    // n = 4 < 5.
    Conversation fewTurns = single(analyze(t, new WasteThresholds(5, 3.0, 0.5, 64, 2000)));
    assertThat(fewTurns.flagged()).isFalse();
    assertThat(fewTurns.reason()).contains("below the thresholds: 5 turns");
  }

  @Test
  void callsWithoutInputTokensAreNotTurns() {
    Calls calls = new Calls().trace(1).call("fx-frontier", 1000, 500);
    calls.call("fx-frontier", 0, 0).noUsage().error("connection_reset").parent(0xB);
    calls.call("fx-frontier", -1, 700).parent(0xC);
    CallTable t = calls
        .call("fx-frontier", 2500, 500)
        .call("fx-frontier", 4500, 500)
        .call("fx-frontier", 7000, 500)
        .table();

    Conversation c = single(analyze(t));

    assertThat(c.turns()).isEqualTo(4);
    assertThat(c.resentTokens()).isEqualTo(9500);
  }

  @Test
  void turnsAreOrderedByStartWhateverOrderTheyArrive() {
    // Turn 3 (4500 in) was recorded before turn 2 (2500 in) but started after it.
    long t0 = Calls.BASE_MILLIS;
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1000, 500).at(t0)
        .call("fx-frontier", 4500, 500).at(t0 + 30_000)
        .call("fx-frontier", 2500, 500).at(t0 + 20_000)
        .call("fx-frontier", 7000, 500).at(t0 + 40_000)
        .table();

    Conversation c = single(analyze(t));

    assertThat(c.resentTokens()).isEqualTo(9500);
    assertThat(c.growthFactor()).isEqualTo(7.0);
  }

  @Test
  void turnsStartingTogetherAreOrderedBySpanIdInHexOrder() {
    // 0x8000000000000001 is negative as a signed long; in hex (unsigned) order it comes after 0x1.
    long t0 = Calls.BASE_MILLIS;
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 3000, 500).at(t0).spanId(0x8000_0000_0000_0001L)
        .call("fx-frontier", 1000, 500).at(t0).spanId(0x1L)
        .table();

    Conversation c = single(analyze(t));

    assertThat(c.firstInput()).isEqualTo(1000);
    assertThat(c.lastInput()).isEqualTo(3000);
  }

  @Test
  void unknownModelCountsTokensButNoMoney() {
    CallTable t = new Calls().trace(1)
        .call(FixtureCatalog.PROVIDER, "fx-unlisted", 1000, 500)
        .call(FixtureCatalog.PROVIDER, "fx-unlisted", 2500, 500)
        .call(FixtureCatalog.PROVIDER, "fx-unlisted", 4500, 500)
        .table();

    Conversation c = single(analyze(t));

    assertThat(c.resentTokens()).isEqualTo(4500);
    assertThat(c.growthFactor()).isEqualTo(4.5);
    assertThat(c.flagged()).isTrue();
    assertThat(c.resentUsd()).isZero();
    assertThat(c.cacheOpportunityUsd()).isZero();
  }

  @Test
  void missingOutputCountsAsNoOutput() {
    // r2 = min(1500, 1000 + 0) = 1000; r3 = min(2000, 1500 + 200) = 1700.
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1000, -1)
        .call("fx-frontier", 1500, 200)
        .call("fx-frontier", 2000, 200)
        .table();

    assertThat(single(analyze(t)).resentTokens()).isEqualTo(2700);
  }

  @Test
  void interleavedConversationsOfOneTraceStayApart() {
    // Conversation "a" grows 1000 -> 1500 -> 2000, "b" is flat at 5000, and the calls without a
    // conversation id (the trace's own conversation) are 100, 200.
    long t0 = Calls.BASE_MILLIS;
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 5000, 10).conversation("b").at(t0)
        .call("fx-frontier", 1000, 500).conversation("a").at(t0 + 1)
        .call("fx-frontier", 100, 10).at(t0 + 2)
        .call("fx-frontier", 5000, 10).conversation("b").at(t0 + 3)
        .call("fx-frontier", 1500, 500).conversation("a").at(t0 + 4)
        .call("fx-frontier", 200, 10).at(t0 + 5)
        .call("fx-frontier", 2000, 500).conversation("a").at(t0 + 6)
        .table();

    Result result = analyze(t);

    assertThat(result.conversations()).extracting(Conversation::conversation, Conversation::turns, Conversation::resentTokens)
        .containsExactlyInAnyOrder(
            tuple("a", 3, 3500L),
            tuple("b", 2, 5000L),
            tuple(traceId(1).hex(), 2, 110L));
  }

  @Test
  void manyConversationsArrivingInAnyOrderAreEachAnalysed() {
    // 40 traces of the 4-turn loop, rows added newest trace first and turns last-first.
    Calls calls = new Calls();
    long[] inputs = {1000, 2500, 4500, 7000};
    for (int trace = 40; trace >= 1; trace--) {
      calls.trace(trace);
      for (int turn = 3; turn >= 0; turn--) {
        calls.call("fx-frontier", inputs[turn], 500).at(Calls.BASE_MILLIS + trace * 100_000L + turn * 1000L);
      }
    }

    Result result = analyze(calls.table());

    assertThat(result.conversations()).hasSize(40);
    assertThat(result.conversations()).allSatisfy(c -> {
      assertThat(c.turns()).isEqualTo(4);
      assertThat(c.resentTokens()).isEqualTo(9500);
      assertThat(c.growthFactor()).isEqualTo(7.0);
    });
    assertThat(result.resentUsdOfFlagged()).isCloseTo(40 * 0.02375, within(1e-9));
  }
}
