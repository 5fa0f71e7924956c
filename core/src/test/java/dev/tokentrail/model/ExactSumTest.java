package dev.tokentrail.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExactSumTest {
  private static double sum(List<Double> values) {
    ExactSum s = new ExactSum();
    values.forEach(s::add);
    return s.value();
  }

  @Test
  void isTheExactSumRoundedOnce() {
    assertThat(sum(List.of(0.1, 0.2, 0.3))).isEqualTo(0.6); // += gives 0.6000000000000001
    assertThat(sum(List.of(1e-16, 1.0, 1e16))).isEqualTo(1.0000000000000002e16); // a tie the 1e-16 breaks
    assertThat(sum(List.of(1e100, 1.0, -1e100))).isEqualTo(1.0);
    assertThat(sum(List.of())).isEqualTo(0.0);
  }

  @Test
  void anyOrderAndAnyMergeOfPartsGiveTheSameDouble() {
    Random random = new Random(42);
    for (int round = 0; round < 500; round++) {
      List<Double> values = new ArrayList<>();
      BigDecimal exact = BigDecimal.ZERO;
      for (int i = 0, n = 1 + random.nextInt(12); i < n; i++) {
        // Call costs: a few digits of dollars down to fractions of a cent.
        double v = Math.round(random.nextDouble() * 1e7) / Math.pow(10, 4 + random.nextInt(6));
        values.add(v);
        exact = exact.add(new BigDecimal(v));
      }
      double expected = exact.doubleValue();
      assertThat(sum(values)).isEqualTo(expected);
      Collections.shuffle(values, random);
      ExactSum head = new ExactSum();
      ExactSum tail = new ExactSum();
      int cut = random.nextInt(values.size() + 1);
      values.subList(0, cut).forEach(head::add);
      values.subList(cut, values.size()).forEach(tail::add);
      ExactSum restored = new ExactSum();
      for (double p : tail.parts()) {
        restored.add(p);
      }
      head.add(restored);
      assertThat(head.value()).isEqualTo(expected);
    }
  }

  @Test
  void nonFiniteValuesAddUpAsDoublesDo() {
    assertThat(sum(List.of(1.0, Double.POSITIVE_INFINITY))).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(sum(List.of(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY))).isNaN();
    assertThat(sum(List.of(1.0, Double.NaN))).isNaN();
    assertThat(sum(List.of(Double.MAX_VALUE, Double.MAX_VALUE))).isEqualTo(Double.POSITIVE_INFINITY);
    ExactSum nan = new ExactSum();
    nan.add(Double.NaN);
    ExactSum restored = new ExactSum();
    restored.add(nan);
    assertThat(restored.value()).isNaN();
  }
}
