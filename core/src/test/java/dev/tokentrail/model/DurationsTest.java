package dev.tokentrail.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @ParameterizedTest(name = "{0} = {1} ns")
  @CsvSource({
      "500ms, 500000000",
      "30s, 30000000000",
      "5m, 300000000000",
      "1h, 3600000000000",
      "7d, 604800000000000",
      "2w, 1209600000000000",
      "1y, 31536000000000000",
      "1h30m, 5400000000000",
      "1m30s, 90000000000",
      "1.5s, 1500000000",
      ".5s, 500000000",
      "250us, 250000",
      "250µs, 250000",
      "7ns, 7",
      "0s, 0",
      "' 14d ', 1209600000000000",
  })
  void acceptsThePrometheusAndGoSpellings(String text, long nanos) {
    assertThat(Durations.parse(text, "step")).isEqualTo(Duration.ofNanos(nanos));
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"", " ", "5", "5x", "ms", "-5s", "+5s", "1e3s", "1..5s", ".s", "5 s", "5S", "1h 30m", "P1D"})
  void refusesOtherTextNamingTheParameterAndTheForms(String text) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Durations.parse(text, "query.max_range"))
        .withMessageStartingWith("query.max_range: ")
        .withMessageEndingWith("(expected: a duration such as 500ms, 30s, 5m, 1h30m, 7d or 2w)");
  }

  @Test
  void aBadSpellingIsEchoedInTheMessage() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Durations.parse("10 days", "store.retention"))
        .withMessage("store.retention: 10 days (expected: a duration such as 500ms, 30s, 5m, 1h30m, 7d or 2w)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Durations.parse(null, "--since"))
        .withMessage("--since: missing (expected: a duration such as 500ms, 30s, 5m, 1h30m, 7d or 2w)");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"293y", "9223372036854775807y", "99999999999999999999s", "106752d1h"})
  void refusesMoreThanALongOfNanosecondsInsteadOfOverflowing(String text) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Durations.parse(text, "since"))
        .withMessage("since: " + text + " (expected: at most 292 years)");
  }

  @Test
  void theLongestAcceptedDurationIsALongOfNanoseconds() {
    assertThat(Durations.parse("292y", "since").toNanos()).isEqualTo(292L * 365 * 86_400 * 1_000_000_000L);
    assertThat(Durations.parse("9223372036854775807ns", "since").toNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aPlainNumberIsSecondsOnlyWhereAsked() {
    assertThat(Durations.parseSecondsOrDuration("15", "step")).isEqualTo(Duration.ofSeconds(15));
    assertThat(Durations.parseSecondsOrDuration("0.25", "step")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parseSecondsOrDuration("1m30s", "step")).isEqualTo(Duration.ofSeconds(90));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Durations.parse("15", "step"))
        .withMessageContaining("step: 15 (expected: a duration");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Durations.parseSecondsOrDuration("NaN", "step"))
        .withMessage("step: NaN (expected: seconds or a duration such as 500ms, 30s, 5m, 1h30m, 7d or 2w)");
  }

  @Test
  void fractionsRoundToTheNearestNanosecond() {
    assertThat(Durations.parse("0.0000000005s", "x").toNanos()).isEqualTo(1);
    assertThat(Durations.parse("0.0000000004s", "x").toNanos()).isZero();
    assertThat(Durations.parse("1.5h", "x")).isEqualTo(Duration.ofMinutes(90));
  }
}
