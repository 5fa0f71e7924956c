package dev.tokentrail.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.tokentrail.analysis.FocusExport.Granularity;
import dev.tokentrail.store.CallTable;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FocusExportTest {

  /** A Claude-like call with cache writes and reads, and an OpenAI-like one with reasoning, for two teams. */
  private static CallTable mixedCalls() {
    return new Calls().trace(1)
        .call("anthropic", "fixture-sonnet", 10_000, 500).cacheRead(6000).cacheWrite(2000)
        .team("support").project("bot").costCenter("cc-42").feature("answer")
        .call("fx-frontier", 1000, 200).reasoning(100).team("routing")
        .call("fx-frontier", 3000, 400).reasoning(100).team("routing").at("2026-11-20T13:00:00Z")
        .table();
  }

  private static FocusExport.Result export(CallTable calls, Granularity granularity) {
    return FocusExport.of(calls, Calls.CATALOG, "acme", granularity);
  }

  @Test
  void everyRowPassesTheFocus12ColumnDefinitions() {
    for (Granularity granularity : Granularity.values()) {
      List<FocusRow> rows = export(mixedCalls(), granularity).rows();

      assertThat(rows).isNotEmpty();
      assertThat(FocusSpec.headerViolations(FocusRow.COLUMNS)).isEmpty();
      for (FocusRow row : rows) {
        assertThat(FocusSpec.violations(row.columns())).as("%s %s", granularity, row).isEmpty();
        assertThat(row.columns().keySet()).containsExactlyElementsOf(FocusRow.COLUMNS);
      }
    }
  }

  @Test
  void eachKindOfTokenIsItsOwnChargeAtItsCatalogPrice() {
    List<FocusRow> rows = export(mixedCalls(), Granularity.DAY).rows();

    assertThat(rows).filteredOn(r -> r.model().equals("fixture-sonnet"))
        .extracting(FocusRow::tokenKind, FocusRow::tokens, r -> r.listCost().toPlainString(), FocusRow::skuPriceId)
        .containsExactlyInAnyOrder(
            tuple("cache_write", 2000L, "0.0075", "anthropic/fixture-sonnet/cache_write@3.75"),
            tuple("cache_read", 6000L, "0.0018", "anthropic/fixture-sonnet/cache_read@0.3"),
            tuple("input", 2000L, "0.006", "anthropic/fixture-sonnet/input@3"),
            tuple("output", 500L, "0.0075", "anthropic/fixture-sonnet/output@15"));
    assertThat(rows).filteredOn(r -> r.model().equals("fx-frontier"))
        .extracting(FocusRow::tokenKind, FocusRow::tokens)
        .containsExactlyInAnyOrder(tuple("input", 4000L), tuple("reasoning", 200L), tuple("output", 400L));
    Map<String, Object> cacheRead = rows.stream().filter(r -> r.tokenKind().equals("cache_read")).findFirst().orElseThrow().columns();
    assertThat(cacheRead).containsEntry("SkuMeter", "Cache Read Tokens").containsEntry("ConsumedUnit", "Tokens")
        .containsEntry("PricingUnit", "1000000 Tokens").containsEntry("ProviderName", "Anthropic")
        .containsEntry("PublisherName", "Anthropic").containsEntry("ServiceName", "Anthropic API")
        .containsEntry("ResourceId", "fixture-sonnet").containsEntry("BillingAccountId", "acme")
        .containsEntry("ServiceCategory", "AI and Machine Learning").containsEntry("ChargeCategory", "Usage");
    assertThat((BigDecimal) cacheRead.get("PricingQuantity")).isEqualByComparingTo("0.006");
  }

  @Test
  void theStoredCostIsSplitInTheQuotesProportionsSoTheRowsAddUpToIt() {
    // Billed at twice the catalog price (a price file of the time, say): 2 x 0.0228.
    CallTable calls = new Calls().trace(1)
        .call("anthropic", "fixture-sonnet", 10_000, 500).cacheRead(6000).cacheWrite(2000).cost(0.0456)
        .table();

    List<FocusRow> rows = export(calls, Granularity.DAY).rows();

    assertThat(rows.stream().map(FocusRow::billedCost).reduce(BigDecimal.ZERO, BigDecimal::add)).isEqualByComparingTo("0.0456");
    for (FocusRow row : rows) {
      assertThat(row.billedCost()).as(row.tokenKind()).isEqualByComparingTo(row.listCost().multiply(BigDecimal.valueOf(2)));
      assertThat(row.columns().get("EffectiveCost")).isEqualTo(row.billedCost());
    }
  }

  @Test
  void callsOfOnePeriodModelKindPriceAndAttributionAddUpInOneRow() {
    CallTable calls = mixedCalls();

    List<FocusRow> daily = export(calls, Granularity.DAY).rows();
    List<FocusRow> hourly = export(calls, Granularity.HOUR).rows();

    assertThat(daily).filteredOn(r -> r.model().equals("fx-frontier") && r.tokenKind().equals("input"))
        .extracting(FocusRow::tokens, r -> r.chargePeriodStart().toString(), r -> r.chargePeriodEnd().toString())
        .containsExactly(tuple(4000L, "2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"));
    assertThat(hourly).filteredOn(r -> r.model().equals("fx-frontier") && r.tokenKind().equals("input"))
        .extracting(FocusRow::tokens, r -> r.chargePeriodStart().toString())
        .containsExactly(tuple(1000L, "2026-11-20T10:00:00Z"), tuple(3000L, "2026-11-20T13:00:00Z"));
    // The same call for another team is another charge.
    CallTable twoTeams = new Calls().trace(1)
        .call("fx-small", 100, 10).team("a")
        .call("fx-small", 100, 10).team("b")
        .call("fx-small", 100, 10).team("a")
        .table();
    assertThat(export(twoTeams, Granularity.DAY).rows()).filteredOn(r -> r.tokenKind().equals("input"))
        .extracting(FocusRow::team, FocusRow::tokens)
        .containsExactly(tuple("a", 200L), tuple("b", 100L));
  }

  @Test
  void monthlyChargePeriodsAreCalendarMonthsAndTheBillingPeriodIsTheMonth() {
    CallTable calls = new Calls().trace(1).call("fx-small", 100, 10).at("2026-02-28T23:59:59Z").table();

    FocusRow monthly = export(calls, Granularity.MONTH).rows().get(0);
    FocusRow daily = export(calls, Granularity.DAY).rows().get(0);

    assertThat(monthly.columns()).containsEntry("ChargePeriodStart", "2026-02-01T00:00:00Z")
        .containsEntry("ChargePeriodEnd", "2026-03-01T00:00:00Z")
        .containsEntry("BillingPeriodStart", "2026-02-01T00:00:00Z")
        .containsEntry("BillingPeriodEnd", "2026-03-01T00:00:00Z");
    assertThat(daily.columns()).containsEntry("ChargePeriodStart", "2026-02-28T00:00:00Z")
        .containsEntry("ChargePeriodEnd", "2026-03-01T00:00:00Z")
        .containsEntry("BillingPeriodStart", "2026-02-01T00:00:00Z");
  }

  @Test
  void aPriceChangeWithinAPeriodIsANewSkuPriceOfTheSameSku() {
    CallTable calls = new Calls().trace(1)
        .call("fx-frontier", 1_000_000, 0).at("2024-10-01T12:00:00Z")
        .call("fx-frontier", 1_000_000, 0).at("2024-10-02T12:00:00Z")
        .table();

    List<FocusRow> rows = export(calls, Granularity.MONTH).rows();

    assertThat(rows).extracting(FocusRow::skuId, FocusRow::skuPriceId, r -> r.listCost().toPlainString())
        .containsExactly(
            tuple("fixture-ai/fx-frontier/input", "fixture-ai/fx-frontier/input@2.5", "2.5"),
            tuple("fixture-ai/fx-frontier/input", "fixture-ai/fx-frontier/input@5", "5"));
  }

  @Test
  void unpricedCallsAreLeftOutAndCountedAndUnbilledOnesAreNoCharge() {
    CallTable calls = new Calls().trace(1)
        .call("fx-small", 100, 10)
        .call("no-such-model", 100, 10)
        .call("fx-small", 0, 0).noUsage().error("429")
        .table();

    FocusExport.Result result = export(calls, Granularity.DAY);

    assertThat(result.callsLeftOut()).isEqualTo(1);
    assertThat(result.rows()).extracting(FocusRow::model).containsOnly("fx-small");
    assertThat(result.rows()).extracting(FocusRow::tokens).containsExactlyInAnyOrder(100L, 10L);
  }

  @Test
  void tagsCarryOnlyTheAttributionACallHas() {
    List<FocusRow> rows = export(mixedCalls(), Granularity.DAY).rows();
    CallTable none = new Calls().trace(1).call("fx-small", 100, 10).table();

    assertThat(rows).filteredOn(r -> r.model().equals("fixture-sonnet")).first()
        .extracting(FocusRow::tags)
        .isEqualTo(Map.of("team", "support", "project", "bot", "cost_center", "cc-42", "feature", "answer"));
    assertThat(rows).filteredOn(r -> r.model().equals("fx-frontier")).first()
        .extracting(FocusRow::tags).isEqualTo(Map.of("team", "routing"));
    assertThat(export(none, Granularity.DAY).rows().get(0).columns()).containsEntry("Tags", null);
  }
}
