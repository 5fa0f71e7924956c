package dev.tokentrail.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How many rollups the next page of a search's walk asks for. */
class RankedSearchPagesTest {

  @Test
  void withoutMatchesYetPagesDouble() {
    assertThat(RankedSearch.nextPage(32, 0, 0, 20)).isEqualTo(64);
    assertThat(RankedSearch.nextPage(32, 32, 0, 20)).isEqualTo(64);
    assertThat(RankedSearch.nextPage(8_000, 100_000, 0, 20)).isEqualTo(10_000);
  }

  @Test
  void commonMatchesAskForWhatTheShareSoFarSaysIsLeftWithHalfAgainToSpare() {
    // 16 of 32 matched, 4 more wanted: 8 traces at that share, 12 with half again, at least 16.
    assertThat(RankedSearch.nextPage(32, 32, 16, 20)).isEqualTo(16);
    // 10 of 32 matched, 10 more wanted: 32 at that share, 48 with half again.
    assertThat(RankedSearch.nextPage(32, 32, 10, 20)).isEqualTo(48);
  }

  @Test
  void rareMatchesNeverAskForMoreThanDoubling() {
    assertThat(RankedSearch.nextPage(32, 32, 1, 20)).isEqualTo(64);
    assertThat(RankedSearch.nextPage(4, 4, 1, 20)).isEqualTo(8);
  }
}
