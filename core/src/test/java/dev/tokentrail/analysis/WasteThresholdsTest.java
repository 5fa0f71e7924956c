package dev.tokentrail.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WasteThresholdsTest {
  @Test
  void defaultsAreTheDesignNumbers() {
    assertThat(WasteThresholds.DEFAULT).isEqualTo(new WasteThresholds(3, 3.0, 0.5, 64, 2000));
  }

  @Test
  void nonsenseThresholdsAreRejectedWithTheReason() {
    assertThatThrownBy(() -> new WasteThresholds(1, 3.0, 0.5, 64, 2000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("contextMinTurns: 1 (expected: >= 2)");
    assertThatThrownBy(() -> new WasteThresholds(3, 1.0, 0.5, 64, 2000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("contextGrowthFactor: 1.0 (expected: > 1)");
    assertThatThrownBy(() -> new WasteThresholds(3, 3.0, 0, 64, 2000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("contextResentShare: 0.0 (expected: in (0, 1])");
    assertThatThrownBy(() -> new WasteThresholds(3, 3.0, 0.5, -1, 2000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overkill medians");
  }
}
