package dev.tokentrail.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IdsTest {
  @Test
  void hexOfEitherCaseParsesAndPrintsLowerCase() {
    byte[] bytes = Ids.fromHex("EEE19b7ec3c1B174");

    assertThat(Ids.toHex(bytes)).isEqualTo("eee19b7ec3c1b174");
  }

  @Test
  void oddLengthIsRejectedWithTheValue() {
    assertThatThrownBy(() -> Ids.fromHex("abc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("id: abc (expected: an even number of hex digits)");
  }

  @Test
  void nonHexIsRejectedWithTheValue() {
    assertThatThrownBy(() -> Ids.fromHex("zz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("id: zz (expected: hex digits only)");
  }

  @Test
  void validIdsHaveTheirLengthAndAreNotAllZero() {
    assertThat(Ids.isValidTraceId(Spans.TRACE_ID)).isTrue();
    assertThat(Ids.isValidTraceId("00000000000000000000000000000000")).isFalse();
    assertThat(Ids.isValidTraceId("4bf92f3577b34da6")).isFalse();
    assertThat(Ids.isValidTraceId(null)).isFalse();
    assertThat(Ids.isValidSpanId(Spans.SPAN_ID)).isTrue();
    assertThat(Ids.isValidSpanId("000000000000000g")).isFalse();
  }

  @Test
  void userTraceIdIsPaddedAndLowerCased() {
    assertThat(Ids.normalizeTraceId("ABC")).isEqualTo("00000000000000000000000000000abc");
    assertThat(Ids.normalizeTraceId(Spans.TRACE_ID.toUpperCase())).isEqualTo(Spans.TRACE_ID);
    assertThat(Ids.normalizeTraceId("xyz")).isNull();
    assertThat(Ids.normalizeTraceId("")).isNull();
    assertThat(Ids.normalizeTraceId("0".repeat(33))).isNull();
  }
}
