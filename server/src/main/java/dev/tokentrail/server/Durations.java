package dev.tokentrail.server;

import java.time.Duration;

/** Parses durations as operators write them: {@code 250ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 14d}. */
final class Durations {
  private Durations() {}

  static Duration parse(String text, String key) {
    String s = text.trim();
    int split = 0;
    while (split < s.length() && Character.isDigit(s.charAt(split))) {
      split++;
    }
    if (split == 0 || split == s.length()) {
      throw new IllegalArgumentException(key + ": " + text + " (expected: a number with a unit ms, s, m, h or d, e.g. 14d)");
    }
    long amount = Long.parseLong(s.substring(0, split));
    return switch (s.substring(split)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      case "d" -> Duration.ofDays(amount);
      default -> throw new IllegalArgumentException(key + ": " + text + " (expected: a unit ms, s, m, h or d)");
    };
  }
}
