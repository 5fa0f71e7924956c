package dev.tokentrail.pricing;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;

/**
 * Prices in force from a day on (UTC) and optionally only within a daily UTC time window (an
 * off-peak discount). A model's rules are tried newest first; the first whose conditions hold
 * applies, as genai-prices applies its constrained prices.
 */
final class PriceRule {
  final LocalDate from;
  final LocalTime windowStart;
  final LocalTime windowEnd;
  final UnitPrices prices;

  PriceRule(LocalDate from, LocalTime windowStart, LocalTime windowEnd, UnitPrices prices) {
    this.from = from;
    this.windowStart = windowStart;
    this.windowEnd = windowEnd;
    this.prices = prices;
  }

  boolean hasWindow() {
    return windowStart != null;
  }

  boolean appliesAt(Instant at) {
    if (from != null && at.isBefore(from.atStartOfDay(ZoneOffset.UTC).toInstant())) {
      return false;
    }
    if (windowStart == null) {
      return true;
    }
    LocalTime time = LocalTime.ofInstant(at, ZoneOffset.UTC);
    if (windowEnd.isBefore(windowStart)) {
      return !time.isBefore(windowStart) || time.isBefore(windowEnd);
    }
    return !time.isBefore(windowStart) && time.isBefore(windowEnd);
  }
}
