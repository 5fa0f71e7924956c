package dev.tokentrail.analysis;

/**
 * The configurable thresholds of the waste definitions; the defaults are those docs/waste.md
 * documents.
 */
public record WasteThresholds(
    int contextMinTurns,
    double contextGrowthFactor,
    double contextResentShare,
    long overkillMaxMedianOutput,
    long overkillMaxMedianInput) {

  public static final WasteThresholds DEFAULT = new WasteThresholds(3, 3.0, 0.5, 64, 2000);

  public WasteThresholds {
    if (contextMinTurns < 2) {
      throw new IllegalArgumentException("contextMinTurns: " + contextMinTurns + " (expected: >= 2)");
    }
    if (contextGrowthFactor <= 1) {
      throw new IllegalArgumentException("contextGrowthFactor: " + contextGrowthFactor + " (expected: > 1)");
    }
    if (contextResentShare <= 0 || contextResentShare > 1) {
      throw new IllegalArgumentException("contextResentShare: " + contextResentShare + " (expected: in (0, 1])");
    }
    if (overkillMaxMedianOutput < 0 || overkillMaxMedianInput < 0) {
      throw new IllegalArgumentException("overkill medians: expected >= 0");
    }
  }
}
