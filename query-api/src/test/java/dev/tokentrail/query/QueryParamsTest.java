package dev.tokentrail.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueryParamsTest {
  private static final long S = 1_000_000_000L;

  private static QueryParams params(String query) {
    return QueryParams.of(ServiceRequestContext.of(HttpRequest.of(HttpMethod.GET, "/api/x?" + query)));
  }

  @Test
  void absentAndBlankParametersTakeTheirDefault() {
    QueryParams p = params("limit=&q=%20&other=1");
    assertThat(p.limit("limit", 20, 100)).isEqualTo(20);
    assertThat(p.optionalString("q")).isNull();
    assertThat(p.optionalString("absent")).isNull();
    assertThat(p.duration("step", Duration.ofHours(1))).isEqualTo(Duration.ofHours(1));
    assertThat(p.epochSeconds("start")).isZero();
    assertThat(p.epochMillis("from", 42)).isEqualTo(42);
    assertThat(p.choice("by", "cost", List.of("cost", "tokens"))).isEqualTo("cost");
  }

  @Test
  void aBadIntegerNamesTheParameterTheValueAndTheRange() {
    for (String bad : List.of("abc", "0", "101", "-1", "9223372036854775807", "1.5")) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> params("limit=" + bad).limit("limit", 20, 100))
          .withMessage("limit: " + bad + " (expected: an integer from 1 to 100)");
    }
    assertThat(params("limit=%207%20").limit("limit", 20, 100)).isEqualTo(7);
    assertThat(params("spss=0").integer("spss", 3, 0, 1000)).isZero();
  }

  @Test
  void clampedIntegersAreNeverRefused() {
    assertThat(params("exemplars=abc").clampedInteger("exemplars", 0, 0, 100)).isZero();
    assertThat(params("exemplars=-5").clampedInteger("exemplars", 0, 0, 100)).isZero();
    assertThat(params("exemplars=5000").clampedInteger("exemplars", 0, 0, 100)).isEqualTo(100);
    assertThat(params("exemplars=7").clampedInteger("exemplars", 0, 0, 100)).isEqualTo(7);
  }

  @Test
  void requiredStringsAndChoicesSayWhatIsExpected() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> params("q=").requiredString("q", "a TraceQL query"))
        .withMessage("q: missing (expected: a TraceQL query)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> params("by=size").choice("by", "cost", List.of("cost", "tokens", "newest")))
        .withMessage("by: size (expected: cost, tokens or newest)");
    assertThat(params("by=tokens").choice("by", "cost", List.of("cost", "tokens"))).isEqualTo("tokens");
  }

  @Test
  void grafanasAllValuesMeanNoFilter() {
    for (String all : List.of(".*", "$__all", "All", "%20")) {
      assertThat(params("team=" + all.replace("$", "%24")).filter("team")).as(all).isNull();
    }
    assertThat(params("team=customer-care").filter("team")).isEqualTo("customer-care");
    assertThat(params("team=.*-care").filter("team")).isEqualTo(".*-care");
  }

  @Test
  void durationsTakeEverySpellingOfTheOneParser() {
    assertThat(params("since=1h30m").duration("since", null)).isEqualTo(Duration.ofMinutes(90));
    assertThat(params("step=2w").duration("step", null)).isEqualTo(Duration.ofDays(14));
    assertThat(params("step=15").secondsOrDuration("step", null)).isEqualTo(Duration.ofSeconds(15));
    assertThat(params("step=500ms").secondsOrDuration("step", null)).isEqualTo(Duration.ofMillis(500));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> params("step=5").duration("step", null))
        .withMessageStartingWith("step: 5 (expected: a duration such as");
  }

  @Test
  void tempoSearchTimesAreUnixSeconds() {
    assertThat(params("start=1700000000&end=1700000060").timeRangeSeconds("start", "end"))
        .containsExactly(1_700_000_000L * S, 1_700_000_060L * S);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> params("start=200&end=100").timeRangeSeconds("start", "end"))
        .withMessage("start: after end (expected: start <= end)");
    for (String bad : List.of("-1", "abc", "9223372036854775807", "1700000000.5")) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> params("end=" + bad).epochSeconds("end"))
          .withMessageStartingWith("end: " + bad + " (expected: unix epoch seconds");
    }
  }

  @Test
  void apiV1TimesAreEpochMillisOrIso8601() {
    assertThat(params("from=1700000000000").epochMillis("from", 0)).isEqualTo(1_700_000_000_000L);
    assertThat(params("from=2023-11-14T22:13:20Z").epochMillis("from", 0)).isEqualTo(1_700_000_000_000L);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> params("to=99999999999999999999").epochMillis("to", 0))
        .withMessageStartingWith("to: 99999999999999999999 (expected: epoch milliseconds from 0 to");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> params("to=yesterday").epochMillis("to", 0))
        .withMessage("to: yesterday (expected: epoch milliseconds or an ISO-8601 instant)");
  }

  @Test
  void tempoMetricsTimesFollowTempo() {
    assertThat(params("start=1700000000").tempoTimestamp("start", 0)).isEqualTo(1_700_000_000L * S);
    assertThat(params("start=1700000000123456789").tempoTimestamp("start", 0)).isEqualTo(1_700_000_000_123_456_789L);
    assertThat(params("start=1700000000.5").tempoTimestamp("start", 0)).isEqualTo(1_700_000_000_500_000_000L);
    assertThat(params("start=2023-11-14T22:13:20Z").tempoTimestamp("start", 0)).isEqualTo(1_700_000_000L * S);
    for (String bad : List.of("-5", "9999999999", "1e300", "9999-12-31T23:59:59Z")) {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> params("start=" + bad).tempoTimestamp("start", 0))
          .withMessageStartingWith("start: " + bad + " (expected: ");
    }
  }
}
