package dev.tokentrail.analysis;

import dev.tokentrail.store.CallTable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.genai.FixtureCatalog;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every analysis on degenerate input: nothing, one call, missing counts, unknown models. */
class EdgeCasesTest {
  private static final double EPS = 1e-12;

  @Test
  void emptyTableYieldsNothingEverywhere() {
    CallTable t = new CallTable();

    RetryAnalysis.Result retries = RetryAnalysis.analyze(t);
    assertThat(retries.groups()).isEmpty();
    assertThat(retries.rollups()).isEmpty();
    assertThat(retries.findings()).isEmpty();
    assertThat(retries.finalAttempt()).isEmpty();
    assertThat(retries.wastedUsd()).isZero();

    ContextGrowthAnalysis.Result context =
        ContextGrowthAnalysis.analyze(t, retries.finalAttempt(), Calls.CATALOG, WasteThresholds.DEFAULT);
    assertThat(context.conversations()).isEmpty();
    assertThat(context.cacheOpportunityUsd()).isZero();

    assertThat(OverkillAnalysis.analyze(t, Calls.CATALOG, WasteThresholds.DEFAULT).findings()).isEmpty();
    assertThat(OutcomeAnalysis.analyze(t, Map.of(), Map.of())).isEmpty();
    assertThat(CostSeries.of(t, 60_000, Text.TEAM)).isEmpty();
  }

  @Test
  void singleCallIsOneUnwastedGroupAndNoConversation() {
    CallTable t = new Calls().trace(1).call("fx-frontier", 3000, 900).table();

    RetryAnalysis.Result retries = RetryAnalysis.analyze(t);
    assertThat(retries.groups()).hasSize(1);
    assertThat(retries.groups().get(0).wastedAttempts()).isZero();
    assertThat(retries.groups().get(0).firstTrySucceeded()).isTrue();
    assertThat(retries.groups().get(0).reason()).isEqualTo("succeeded on the first attempt");
    assertThat(retries.finalAttempt()).containsExactly(true);
    assertThat(retries.findings()).isEmpty();

    assertThat(ContextGrowthAnalysis.analyze(t, retries.finalAttempt(), Calls.CATALOG, WasteThresholds.DEFAULT)
        .conversations()).isEmpty();
    assertThat(OverkillAnalysis.analyze(t, Calls.CATALOG, WasteThresholds.DEFAULT).findings()).isEmpty();
  }

  @Test
  void singleSimpleFrontierCallIsOverkill() {
    // fx-frontier 500 in + 10 out = $0.00125 + $0.0001 = $0.00135; on fx-standard $0.0002 + $0.000016.
    CallTable t = new Calls().trace(1).call("fx-frontier", 500, 10).table();

    OverkillAnalysis.Finding f = OverkillAnalysis.analyze(t, Calls.CATALOG, WasteThresholds.DEFAULT).findings().get(0);

    assertThat(f.recommendedModel()).isEqualTo("fx-standard");
    assertThat(f.savingsUsd()).isCloseTo(0.00135 - 0.000216, within(EPS));
  }

  @Test
  void missingTokenCountsCountAsZeroWhereTokensAreSummed() {
    // A timeout that reported input only: 2000 wasted tokens, $0.005 on fx-frontier.
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 2000, -1).error("timeout")
        .call("fx-frontier", 2000, 100)
        .table();

    RetryAnalysis.RetryGroup g = RetryAnalysis.analyze(t).groups().get(0);

    assertThat(g.wastedTokens()).isEqualTo(2000);
    assertThat(g.wastedUsd()).isCloseTo(0.005, within(EPS));
    assertThat(g.unbilledRetries()).isZero();
    assertThat(CostSeries.of(t, 3_600_000L, null).get(0).outputTokens()).isEqualTo(100);
  }

  @Test
  void overkillMediansIgnoreMissingCounts() {
    // Outputs 10, missing, 20: median of the two reported = 15; inputs 100, 200, 300: 200.
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 100, 10).task("t")
        .trace(2).call("fx-frontier", 200, -1).task("t")
        .trace(3).call("fx-frontier", 300, 20).task("t")
        .table();

    OverkillAnalysis.Finding f = OverkillAnalysis.analyze(t, Calls.CATALOG, WasteThresholds.DEFAULT).findings().get(0);

    assertThat(f.medianOutput()).isEqualTo(15);
    assertThat(f.medianInput()).isEqualTo(200);
  }

  @Test
  void callsWithoutAnyTokenCountsAreNeverSimple() {
    CallTable t = new Calls().trace(1).call("fx-frontier", 0, 0).noUsage().error("429").task("t").table();

    assertThat(OverkillAnalysis.analyze(t, Calls.CATALOG, WasteThresholds.DEFAULT).findings()).isEmpty();
  }

  @Test
  void unknownModelIsGroupedAndCountedButCostsNothing() {
    CallTable t = new Calls().trace(1)
        .call(FixtureCatalog.PROVIDER, "fx-unlisted", 1000, 0).error("500")
        .call(FixtureCatalog.PROVIDER, "fx-unlisted", 1000, 100)
        .table();

    RetryAnalysis.RetryGroup g = RetryAnalysis.analyze(t).groups().get(0);

    assertThat(g.attempts()).isEqualTo(2);
    assertThat(g.wastedTokens()).isEqualTo(1000);
    assertThat(g.wastedUsd()).isZero();
    assertThat(g.totalUsd()).isZero();
  }

  @Test
  void callsWithoutModelOrServiceAreStillAnalysed() {
    CallTable t = new CallTable();
    int row = t.addRow();
    t.setIds(row, 0, 1, 1, 0);
    t.setText(row, Text.ERROR_TYPE, "429");

    RetryAnalysis.Result retries = RetryAnalysis.analyze(t);

    assertThat(retries.groups()).hasSize(1);
    assertThat(retries.rollups()).anySatisfy(r -> {
      assertThat(r.service()).isEqualTo("unknown");
      assertThat(r.model()).isEqualTo("unknown");
    });
    assertThat(retries.groups().get(0).reason()).contains("429");
    assertThat(OverkillAnalysis.analyze(t, Calls.CATALOG, WasteThresholds.DEFAULT).findings()).isEmpty();
  }
}
