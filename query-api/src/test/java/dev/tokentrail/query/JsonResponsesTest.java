package dev.tokentrail.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonResponsesTest {
  @Test
  void numbersKeepTwelveSignificantDigitsAndLoseTheNoiseOfBinaryArithmetic() {
    assertThat(JsonResponses.round(0.07205999999999999)).isEqualTo(0.07206);
    assertThat(0.1 + 0.2).as("the noise").isEqualTo(0.30000000000000004);
    assertThat(JsonResponses.round(0.1 + 0.2)).isEqualTo(0.3);
    assertThat(JsonResponses.round(123456.78901234567)).isEqualTo(123456.789012);
    assertThat(JsonResponses.round(1.23456789012345e-9)).as("small amounts keep their digits").isEqualTo(1.23456789012e-9);
    assertThat(JsonResponses.round(0.0044)).isEqualTo(0.0044);
    assertThat(JsonResponses.round(-2.5e-7)).isEqualTo(-2.5e-7);
    assertThat(JsonResponses.round(0)).isZero();
    assertThat(JsonResponses.round(Double.NaN)).isNaN();
  }

  @Test
  void roundedBodiesWriteTheRoundedNumbersAndLeaveIntegersAlone() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("costUsd", 0.07205999999999999);
    row.put("ratio", 2.0 / 3);
    row.put("calls", 123456789012345L);
    row.put("missing", null);
    String json = JsonResponses.rounded(row).aggregate().join().content().toString(StandardCharsets.UTF_8);
    assertThat(json).isEqualTo("{\"costUsd\":0.07206,\"ratio\":0.666666666667,\"calls\":123456789012345,\"missing\":null}");
  }

  @Test
  void nonFiniteNumbersAreWrittenAsNullNeverAsNaNOrInfinity() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("costUsd", Double.NaN);
    row.put("spendUsd", Double.POSITIVE_INFINITY);
    row.put("forecastUsd", Double.NEGATIVE_INFINITY);
    row.put("ok", 1.5);
    String json = JsonResponses.rounded(row).aggregate().join().content().toString(StandardCharsets.UTF_8);
    assertThat(json).isEqualTo("{\"costUsd\":null,\"spendUsd\":null,\"forecastUsd\":null,\"ok\":1.5}");
  }
}
