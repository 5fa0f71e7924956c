package dev.tokentrail.analysis;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.pricing.CatalogModel;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.pricing.PriceUnit;
import dev.tokentrail.pricing.Quote;
import dev.tokentrail.pricing.Usage;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The priced LLM calls of a window as FOCUS 1.2 charges for chargeback: one {@link FocusRow} per
 * charge period, model, kind of token, catalog price and attribution (team, project, cost center,
 * feature). Each call's stored cost is split over its kinds of tokens in the proportions of the
 * catalog's quote for the call, so the rows of a window add up to exactly what {@code
 * /api/v1/cost} reports for it. Calls without a stored cost or whose model the catalog no longer
 * knows cannot be split; they are left out and counted in {@link Result#callsLeftOut()}.
 */
public final class FocusExport {
  /** The length of a charge period; periods are aligned to UTC hours, days or calendar months. */
  public enum Granularity {
    HOUR, DAY, MONTH
  }

  /** The rows, and how many calls could not be exported (unpriced, or a model the catalog lost). */
  public record Result(List<FocusRow> rows, int callsLeftOut) {}

  private record Key(long periodStartMillis, int provider, int model, CatalogModel catalogModel, String kind,
      PriceUnit pricedAs, double perMillion, int team, int project, int costCenter, int feature) {}

  private static final class Sum {
    long tokens;
    double billedUsd;
  }

  private FocusExport() {}

  public static Result of(CallTable t, PriceCatalog catalog, String billingAccount, Granularity granularity) {
    requireNonNull(t, "t");
    requireNonNull(catalog, "catalog");
    requireNonNull(billingAccount, "billingAccount");
    requireNonNull(granularity, "granularity");
    CallPrices models = new CallPrices(t, catalog);
    Map<Key, Sum> sums = new LinkedHashMap<>();
    int leftOut = 0;
    for (int row = 0; row < t.size(); row++) {
      double stored = t.cost(row);
      if (!t.hasUsage(row) && !(stored > 0)) {
        // Not billed (a rejected request): no charge.
        continue;
      }
      CatalogModel model = Double.isNaN(stored) ? null : models.model(row);
      if (model == null) {
        leftOut++;
        continue;
      }
      Instant at = Instant.ofEpochSecond(0, t.start(row));
      Quote quote = catalog.quote(model, Usage.builder().input(t.input(row)).output(t.output(row))
          .cacheRead(t.cacheRead(row)).cacheWrite(t.cacheWrite(row)).reasoning(t.reasoning(row)).build(), at);
      List<Quote.Line> lines = quote.lines();
      long tokens = 0;
      for (Quote.Line line : lines) {
        tokens += line.tokens();
      }
      if (tokens == 0) {
        // A cost without tokens (usage not reported) cannot be split into kinds of token.
        if (stored > 0) {
          leftOut++;
        }
        continue;
      }
      double quoted = quote.totalUsd();
      long period = periodStart(at.toEpochMilli(), granularity);
      for (Quote.Line line : lines) {
        // The stored cost is what the call was billed; the quote only says how it divides.
        double share = quoted > 0 ? stored * line.usd() / quoted : stored * line.tokens() / tokens;
        Key key = new Key(period, t.textId(row, Text.PROVIDER), t.textId(row, Text.MODEL), quote.model(),
            line.kind(), line.billedAs(), line.perMillion(), t.textId(row, Text.TEAM), t.textId(row, Text.PROJECT),
            t.textId(row, Text.COST_CENTER), t.textId(row, Text.FEATURE));
        Sum sum = sums.computeIfAbsent(key, k -> new Sum());
        sum.tokens += line.tokens();
        sum.billedUsd += share;
      }
    }
    List<FocusRow> rows = new ArrayList<>(sums.size());
    for (Map.Entry<Key, Sum> e : sums.entrySet()) {
      Key k = e.getKey();
      long start = k.periodStartMillis();
      long billingStart = periodStart(start, Granularity.MONTH);
      String provider = t.string(k.provider());
      rows.add(new FocusRow(
          Instant.ofEpochMilli(start), Instant.ofEpochMilli(periodEnd(start, granularity)),
          Instant.ofEpochMilli(billingStart), Instant.ofEpochMilli(periodEnd(billingStart, Granularity.MONTH)),
          billingAccount, provider == null ? k.catalogModel().provider() : provider,
          t.string(k.model()), k.catalogModel().id(), k.catalogModel().name(), k.kind(), k.pricedAs(),
          e.getValue().tokens, BigDecimal.valueOf(k.perMillion()).stripTrailingZeros(), e.getValue().billedUsd,
          t.string(k.team()), t.string(k.project()), t.string(k.costCenter()), t.string(k.feature())));
    }
    rows.sort(Comparator.comparing(FocusRow::chargePeriodStart).thenComparing(FocusRow::skuPriceId)
        .thenComparing(r -> String.valueOf(r.tags())));
    return new Result(List.copyOf(rows), leftOut);
  }

  /** The start of the UTC period holding {@code millis}. */
  static long periodStart(long millis, Granularity granularity) {
    return switch (granularity) {
      case HOUR -> Math.floorDiv(millis, 3_600_000L) * 3_600_000L;
      case DAY -> Math.floorDiv(millis, 86_400_000L) * 86_400_000L;
      case MONTH -> {
        LocalDateTime time = LocalDateTime.ofEpochSecond(Math.floorDiv(millis, 1000L), 0, ZoneOffset.UTC);
        yield time.toLocalDate().withDayOfMonth(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
      }
    };
  }

  /** The exclusive end of the period starting at {@code startMillis}. */
  static long periodEnd(long startMillis, Granularity granularity) {
    return switch (granularity) {
      case HOUR -> startMillis + 3_600_000L;
      case DAY -> startMillis + 86_400_000L;
      case MONTH -> LocalDateTime.ofEpochSecond(startMillis / 1000L, 0, ZoneOffset.UTC).plusMonths(1)
          .toInstant(ZoneOffset.UTC).toEpochMilli();
    };
  }
}
