package dev.tokentrail.pricing;

import java.time.LocalDate;

/** Prices in USD per million tokens, in force from {@code effectiveFrom} (UTC) on. */
public record PricePoint(
    LocalDate effectiveFrom, double input, double output, double cacheRead, double cacheWrite) {}
