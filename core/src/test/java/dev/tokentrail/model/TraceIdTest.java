package dev.tokentrail.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TraceIdTest {
  @Test
  void hexAndBytesRoundTrip() {
    String hex = "0af7651916cd43dd8448eb211c80319c";
    TraceId id = TraceId.fromHex(hex);

    assertThat(id.hex()).isEqualTo(hex);
    assertThat(id).hasToString(hex);
    assertThat(TraceId.fromBytes(id.toBytes())).isEqualTo(id);
    assertThat(HexFormat.of().formatHex(id.toBytes())).isEqualTo(hex);
    assertThat(TraceId.fromHex(hex.toUpperCase())).isEqualTo(id);
  }

  @Test
  void highBitsSurviveTheRoundTrip() {
    TraceId id = TraceId.fromHex("ffffffffffffffff8000000000000001");

    assertThat(id.high()).isEqualTo(-1L);
    assertThat(id.low()).isEqualTo(Long.MIN_VALUE + 1);
    assertThat(TraceId.fromBytes(id.toBytes())).isEqualTo(id);
  }

  @Test
  void ordersAsTheHexStringsDo() {
    Random random = new Random(7);
    List<TraceId> ids = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ids.add(new TraceId(random.nextLong(), random.nextLong()));
    }
    List<String> hexes = new ArrayList<>(ids.stream().map(TraceId::hex).toList());

    Collections.sort(ids);
    Collections.sort(hexes);

    assertThat(ids.stream().map(TraceId::hex).toList()).isEqualTo(hexes);
  }

  @Test
  void rejectsWrongLengthsAndNonHexNamingTheValue() {
    assertThatThrownBy(() -> TraceId.fromHex("abc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("abc")
        .hasMessageContaining("32 hex digits");
    assertThatThrownBy(() -> TraceId.fromHex("0af7651916cd43dd8448eb211c80319z"))
        .hasMessageContaining("hex digits only");
    assertThatThrownBy(() -> SpanId.fromHex("00f067aa0ba902b\uff17"))
        .hasMessageContaining("hex digits only");
    assertThatThrownBy(() -> TraceId.fromBytes(new byte[8]))
        .hasMessageContaining("8 bytes (expected: 16)");
  }

  @Test
  void userInputIsPaddedAsTempoDoes() {
    assertThat(TraceId.parseUserInput("ABC")).isEqualTo(new TraceId(0, 0xabc));
    assertThat(TraceId.parseUserInput("not-hex")).isNull();
    // Digits of other scripts are no hex: Arabic-Indic 3 (U+0663), fullwidth 3 (U+FF13).
    assertThat(TraceId.parseUserInput("\u0663")).isNull();
    assertThat(TraceId.parseUserInput("\uff13")).isNull();
    assertThat(TraceId.parseUserInput("")).isNull();
    assertThat(TraceId.parseUserInput("1".repeat(33))).isNull();
  }

  @Test
  void allZeroIsInvalid() {
    assertThat(TraceId.INVALID.isValid()).isFalse();
    assertThat(new TraceId(0, 1).isValid()).isTrue();
  }

  @Test
  void spanIdNoneIsTheEmptyHex() {
    assertThat(SpanId.NONE.hex()).isEmpty();
    assertThat(SpanId.fromHex("")).isEqualTo(SpanId.NONE);
    assertThat(SpanId.fromBytes(new byte[0]).isNone()).isTrue();
    SpanId id = SpanId.fromHex("B7AD6B7169203331");
    assertThat(id.hex()).isEqualTo("b7ad6b7169203331");
    assertThat(SpanId.fromBytes(id.toBytes())).isEqualTo(id);
    assertThat(SpanId.fromHex("ffffffffffffffff").compareTo(SpanId.fromHex("0fffffffffffffff")))
        .isPositive();
    assertThatThrownBy(() -> SpanId.fromHex("b7ad"))
        .hasMessageContaining("16 hex digits");
  }
}
