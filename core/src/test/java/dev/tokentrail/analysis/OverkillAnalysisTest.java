package dev.tokentrail.analysis;

import dev.tokentrail.store.CallTable;
import static dev.tokentrail.analysis.Calls.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.analysis.OverkillAnalysis.Finding;
import dev.tokentrail.analysis.OverkillAnalysis.Result;
import dev.tokentrail.genai.FixtureCatalog;
import dev.tokentrail.pricing.Tier;
import org.junit.jupiter.api.Test;

/**
 * Known answers for docs/waste.md, "Overkill model use". Prices per 1M tokens (the fixture
 * catalog, src/test/resources/fixture-catalog.yaml, on 2026-11-20): fx-frontier $2.50 / $10.00
 * (frontier), fx-standard $0.40 / $1.60 (the cheapest standard model of provider fixture-ai:
 * blended $2.00 against fx-standard-plus's $2.25, although fx-standard-plus has the lower input
 * price), fx-small $0.15 / $0.60 (small).
 *
 * <p>The classifier: 3 fx-frontier calls of (1200 in, 8 out), (1500, 12), (1800, 10): medians 1500 and
 * 10. Cost $0.00308 + $0.00387 + $0.0046 = $0.01155 for 4500 in and 30 out. On fx-standard:
 * 4500 x 0.40/1M + 30 x 1.60/1M = $0.001848; on fx-small: 4500 x 0.15/1M + 30 x 0.60/1M = $0.000693.
 */
class OverkillAnalysisTest {
  private static final double EPS = 1e-12;
  private static final double CLASSIFIER_COST = 0.01155;

  private static Calls classifierOnFrontier(Calls calls) {
    return calls
        .trace(1).call("fx-frontier", 1200, 8).task("classify-ticket")
        .trace(2).call("fx-frontier", 1500, 12).task("classify-ticket")
        .trace(3).call("fx-frontier", 1800, 10).task("classify-ticket");
  }

  private static Result analyze(CallTable t) {
    return OverkillAnalysis.analyze(t, Calls.CATALOG, WasteThresholds.DEFAULT);
  }

  private static Finding single(Result result) {
    assertThat(result.findings()).hasSize(1);
    return result.findings().get(0);
  }

  @Test
  void catalogRecommendsItsCheapestStandardModelOneTierBelowFrontier() {
    assertThat(Calls.CATALOG.cheapestOneTierDown(FixtureCatalog.PROVIDER, Tier.FRONTIER).id()).isEqualTo("fx-standard");
  }

  @Test
  void simpleClassifierOnAFrontierModelIsFlaggedWithTheCatalogRecommendation() {
    CallTable t = classifierOnFrontier(new Calls()).table();

    Result result = analyze(t);

    Finding f = single(result);
    assertThat(f.service()).isEqualTo("svc");
    assertThat(f.task()).isEqualTo("classify-ticket");
    assertThat(f.operation()).isEqualTo("chat");
    assertThat(f.model()).isEqualTo("fx-frontier");
    assertThat(f.provider()).isEqualTo(FixtureCatalog.PROVIDER);
    assertThat(f.calls()).isEqualTo(3);
    assertThat(f.successRate()).isEqualTo(1.0);
    assertThat(f.medianInput()).isEqualTo(1500);
    assertThat(f.medianOutput()).isEqualTo(10);
    assertThat(f.simple()).isTrue();
    assertThat(f.usesTools()).isFalse();
    assertThat(f.recommendedModel()).isEqualTo("fx-standard");
    assertThat(f.recommendationSource()).isEqualTo("catalog");
    assertThat(f.costUsd()).isCloseTo(CLASSIFIER_COST, within(EPS));
    assertThat(f.recommendedCostUsd()).isCloseTo(0.001848, within(EPS));
    assertThat(f.savingsUsd()).isCloseTo(0.009702, within(EPS));
    assertThat(f.exampleTraceIds()).containsExactly(traceId(1), traceId(2), traceId(3));
    assertThat(f.reason()).contains("simple", "fx-standard");
    assertThat(result.savingsUsd()).isCloseTo(0.009702, within(EPS));
  }

  @Test
  void cheaperModelObservedOnTheSameTaskWithEqualSuccessIsTheRecommendation() {
    CallTable t = classifierOnFrontier(new Calls())
        .trace(4).call("fx-small", 1000, 10).task("classify-ticket")
        .trace(5).call("fx-small", 1400, 6).task("classify-ticket")
        .table();

    Finding f = single(analyze(t));

    assertThat(f.model()).isEqualTo("fx-frontier");
    assertThat(f.calls()).isEqualTo(3);
    // Class medians over all five calls: inputs 1000..1800 -> 1400, outputs 6..12 -> 10.
    assertThat(f.medianInput()).isEqualTo(1400);
    assertThat(f.medianOutput()).isEqualTo(10);
    assertThat(f.recommendedModel()).isEqualTo("fx-small");
    assertThat(f.recommendationSource()).isEqualTo("observed");
    assertThat(f.costUsd()).isCloseTo(CLASSIFIER_COST, within(EPS));
    assertThat(f.recommendedCostUsd()).isCloseTo(0.000693, within(EPS));
    assertThat(f.savingsUsd()).isCloseTo(0.010857, within(EPS));
    assertThat(f.reason()).contains("fx-small serves the same task");
  }

  @Test
  void complexTaskWithoutACheaperObservedModelIsNotFlagged() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 3000, 900).task("write-reply")
        .trace(2).call("fx-frontier", 3500, 800).task("write-reply")
        .trace(3).call("fx-frontier", 2500, 1000).task("write-reply")
        .table();

    assertThat(analyze(t).findings()).isEmpty();
  }

  @Test
  void complexTaskIsFlaggedWhenACheaperModelServesItAsWell() {
    // fx-frontier: 3000 in + 900 out = $0.0075 + $0.009 = $0.0165; on fx-small
    // $0.00045 + $0.00054 = $0.00099; savings $0.01551.
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 3000, 900).task("write-reply")
        .trace(2).call("fx-small", 3000, 900).task("write-reply")
        .table();

    Finding f = single(analyze(t));

    assertThat(f.simple()).isFalse();
    assertThat(f.recommendedModel()).isEqualTo("fx-small");
    assertThat(f.recommendationSource()).isEqualTo("observed");
    assertThat(f.savingsUsd()).isCloseTo(0.01551, within(EPS));
  }

  @Test
  void taskWithToolCallsIsNotSimple() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 1200, 8).task("lookup")
        .trace(2).call("fx-frontier", 1500, 12).task("lookup").tools()
        .trace(3).call("fx-frontier", 1800, 10).task("lookup")
        .table();

    assertThat(analyze(t).findings()).isEmpty();
  }

  @Test
  void cheaperModelWithALowerSuccessRateIsNotARecommendation() {
    // fx-small fails one call of two (50 % < 100 %).
    Calls complex = new Calls()
        .trace(1).call("fx-frontier", 3000, 900).task("write-reply")
        .trace(2).call("fx-small", 3000, 900).task("write-reply")
        .trace(3).call("fx-small", 3000, 0).task("write-reply").error("invalid_output");
    assertThat(analyze(complex.table()).findings()).isEmpty();

    CallTable simple = classifierOnFrontier(new Calls())
        .trace(4).call("fx-small", 1000, 10).task("classify-ticket")
        .trace(5).call("fx-small", 1400, 0).task("classify-ticket").error("invalid_output")
        .table();
    Finding f = single(analyze(simple));
    assertThat(f.recommendedModel()).isEqualTo("fx-standard");
    assertThat(f.recommendationSource()).isEqualTo("catalog");
  }

  @Test
  void thresholdsDecideWhatIsSimple() {
    CallTable t = classifierOnFrontier(new Calls()).table();

    // Median output 10 > 8.
    assertThat(OverkillAnalysis.analyze(t, Calls.CATALOG, new WasteThresholds(3, 3.0, 0.5, 8, 2000)).findings()).isEmpty();
    // Median input 1500 > 1000.
    assertThat(OverkillAnalysis.analyze(t, Calls.CATALOG, new WasteThresholds(3, 3.0, 0.5, 64, 1000)).findings()).isEmpty();
  }

  @Test
  void differentServicesTasksOrOperationsAreDifferentClasses() {
    // Each class has one simple fx-frontier call; the cheaper fx-small call is in another class so
    // every recommendation comes from the catalog.
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 1000, 10).task("a")
        .trace(2).call("fx-small", 1000, 10).task("b")
        .inService("other").trace(3).call("fx-frontier", 1000, 10).task("a")
        .table();

    Result result = analyze(t);

    assertThat(result.findings()).hasSize(2);
    assertThat(result.findings()).allSatisfy(f -> assertThat(f.recommendationSource()).isEqualTo("catalog"));
    assertThat(result.findings()).extracting(Finding::service).containsExactlyInAnyOrder("svc", "other");
  }

  @Test
  void unknownModelsAreSkipped() {
    CallTable t = new Calls()
        .trace(1).call(FixtureCatalog.PROVIDER, "fx-unlisted", 1000, 10).task("classify-ticket")
        .trace(2).call(FixtureCatalog.PROVIDER, "fx-unlisted", 1200, 12).task("classify-ticket")
        .table();

    assertThat(analyze(t).findings()).isEmpty();
  }

  @Test
  void nonFrontierModelsAreNotFlagged() {
    CallTable t = new Calls()
        .trace(1).call("fx-standard", 1000, 10).task("classify-ticket")
        .trace(2).call("fx-small", 1000, 10).task("classify-ticket")
        .table();

    assertThat(analyze(t).findings()).isEmpty();
  }
}
