package dev.tokentrail.analysis;

import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Monthly budgets per team or project: spend month-to-date, a forecast of month-end spend from
 * the burn rate of the trailing {@link #BURN_WINDOW_DAYS} days, and the projected overrun date. All
 * calendar arithmetic is UTC.
 */
public final class BudgetAnalysis {
  public static final int BURN_WINDOW_DAYS = 7;
  private static final double DAY_MILLIS = 86_400_000d;

  /** A configured budget: {@code scope} is {@code team} or {@code project}. */
  public record Budget(String scope, String name, double monthlyUsd) {
    public Budget {
      if (!"team".equals(scope) && !"project".equals(scope)) {
        throw new IllegalArgumentException("budget scope: " + scope + " (expected: team or project)");
      }
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("budget name: missing");
      }
      if (!(monthlyUsd > 0)) {
        throw new IllegalArgumentException("budget " + scope + "/" + name + ": monthly_usd " + monthlyUsd + " (expected: > 0)");
      }
    }
  }

  /** Where a budget stands. Times are epoch milliseconds; {@code overrunMillis} is -1 when none is projected. */
  public record Status(
      String scope, String name, double monthlyUsd, double spendMonthToDateUsd, double burnRateUsdPerDay,
      long burnWindowStartMillis, long burnWindowEndMillis, double forecastMonthEndUsd, double forecastRatio,
      long overrunMillis, long monthStartMillis, long monthEndMillis, String explanation) {}

  private BudgetAnalysis() {}

  /** The window of calls the analysis needs: from the earlier of month start and the burn window start. */
  public static long windowStartMillis(long nowMillis) {
    return Math.min(monthStart(nowMillis), nowMillis - BURN_WINDOW_DAYS * 86_400_000L);
  }

  public static List<Status> analyze(CallTable t, List<Budget> budgets, long nowMillis) {
    long monthStart = monthStart(nowMillis);
    long monthEnd = YearMonth.from(Instant.ofEpochMilli(nowMillis).atZone(ZoneOffset.UTC)).plusMonths(1)
        .atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    long burnStart = nowMillis - BURN_WINDOW_DAYS * 86_400_000L;
    List<Status> out = new ArrayList<>();
    for (Budget b : budgets) {
      Text column = b.scope().equals("team") ? Text.TEAM : Text.PROJECT;
      List<long[]> monthCalls = new ArrayList<>();
      double mtd = 0;
      double burn = 0;
      for (int row = 0; row < t.size(); row++) {
        if (!b.name().equals(t.text(row, column))) {
          continue;
        }
        long millis = t.start(row) / 1_000_000L;
        double cost = t.costOrZero(row);
        if (millis >= monthStart && millis <= nowMillis) {
          mtd += cost;
          monthCalls.add(new long[] {millis, Double.doubleToLongBits(cost)});
        }
        if (millis >= burnStart && millis <= nowMillis) {
          burn += cost;
        }
      }
      double rate = burn / BURN_WINDOW_DAYS;
      double remainingDays = Math.max(0, (monthEnd - nowMillis) / DAY_MILLIS);
      double forecast = mtd + rate * remainingDays;
      long overrun = -1;
      if (mtd >= b.monthlyUsd()) {
        monthCalls.sort(Comparator.comparingLong(c -> c[0]));
        double cumulative = 0;
        for (long[] c : monthCalls) {
          cumulative += Double.longBitsToDouble(c[1]);
          if (cumulative >= b.monthlyUsd()) {
            overrun = c[0];
            break;
          }
        }
      } else if (forecast > b.monthlyUsd() && rate > 0) {
        overrun = nowMillis + (long) ((b.monthlyUsd() - mtd) / rate * DAY_MILLIS);
      }
      String explanation = String.format(Locale.ROOT,
          "$%.2f spent since %s; at the last %d days' rate of $%.2f/day the month ends at $%.2f (%.0f%% of $%.2f)%s",
          mtd, Instant.ofEpochMilli(monthStart).toString().substring(0, 10), BURN_WINDOW_DAYS, rate, forecast,
          forecast / b.monthlyUsd() * 100, b.monthlyUsd(),
          overrun < 0 ? "" : (mtd >= b.monthlyUsd() ? "; over budget since " : "; projected over budget on ")
              + Instant.ofEpochMilli(overrun).toString().substring(0, 10));
      out.add(new Status(b.scope(), b.name(), b.monthlyUsd(), mtd, rate, burnStart, nowMillis, forecast,
          forecast / b.monthlyUsd(), overrun, monthStart, monthEnd, explanation));
    }
    out.sort(Comparator.comparingDouble(Status::forecastRatio).reversed());
    return out;
  }

  static long monthStart(long nowMillis) {
    return YearMonth.from(Instant.ofEpochMilli(nowMillis).atZone(ZoneOffset.UTC)).atDay(1)
        .atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
  }

}
