package dev.tokentrail.pricing;

import java.time.LocalDate;
import java.time.LocalTime;

/**
 * Prices in force from a day on (UTC) and optionally only within a daily UTC time window (an
 * off-peak discount). A model's rules are tried newest first; the first whose conditions hold
 * applies, as genai-prices applies its constrained prices.
 */
final class PriceRule {
  private static final long SECONDS_PER_DAY = 86_400;

  final LocalDate from;
  final LocalTime windowStart;
  final LocalTime windowEnd;
  final UnitPrices prices;
  /** The conditions as epoch seconds and seconds of the day: no allocation per call priced. */
  private final long fromSecond;
  private final int startSecond;
  private final int endSecond;

  PriceRule(LocalDate from, LocalTime windowStart, LocalTime windowEnd, UnitPrices prices) {
    this.from = from;
    this.windowStart = windowStart;
    this.windowEnd = windowEnd;
    this.prices = prices;
    this.fromSecond = from == null ? Long.MIN_VALUE : from.toEpochDay() * SECONDS_PER_DAY;
    this.startSecond = windowStart == null ? 0 : windowStart.toSecondOfDay();
    this.endSecond = windowEnd == null ? 0 : windowEnd.toSecondOfDay();
  }

  boolean hasWindow() {
    return windowStart != null;
  }

  boolean appliesAt(long epochSecond) {
    if (epochSecond < fromSecond) {
      return false;
    }
    if (windowStart == null) {
      return true;
    }
    long time = Math.floorMod(epochSecond, SECONDS_PER_DAY);
    if (endSecond < startSecond) {
      return time >= startSecond || time < endSecond;
    }
    return time >= startSecond && time < endSecond;
  }
}
