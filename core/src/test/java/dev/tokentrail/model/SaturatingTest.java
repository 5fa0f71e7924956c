package dev.tokentrail.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.store.TraceSummary;
import java.util.List;
import org.junit.jupiter.api.Test;

class SaturatingTest {
  @Test
  void sumsStopAtTheRangeOfALongInsteadOfWrapping() {
    assertThat(Saturating.add(Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    assertThat(Saturating.add(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE);
    assertThat(Saturating.add(Long.MIN_VALUE, -1)).isEqualTo(Long.MIN_VALUE);
    assertThat(Saturating.add(40, 2)).isEqualTo(42);
    assertThat(Saturating.add(Long.MAX_VALUE, -1)).isEqualTo(Long.MAX_VALUE - 1);
  }

  @Test
  void aTraceOfTwoMaxLongCountsHasAPositiveTotal() {
    TraceSummary s = new TraceSummary(TraceId.fromHex("4bf92f3577b34da6a3ce929d0e0e4736"), "svc", "root", 0, 0, 2, 2, 0, 0,
        Long.MAX_VALUE, Long.MAX_VALUE, List.of(), null, null);

    assertThat(s.totalTokens()).isEqualTo(Long.MAX_VALUE);
  }
}
