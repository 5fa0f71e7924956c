package dev.tokentrail.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The table's dictionary: one id per distinct string, whether it arrives as a string or as UTF-8. */
class CallTableTest {

  @Test
  void aStringAndItsUtf8BytesShareOneId() {
    CallTable t = new CallTable();
    int fromString = t.intern("équipe-α");
    byte[] utf8 = "xxéquipe-αyy".getBytes(StandardCharsets.UTF_8);
    int fromBytes = t.internUtf8(utf8, 2, utf8.length - 4);
    assertThat(fromBytes).isEqualTo(fromString);
    assertThat(t.string(fromBytes)).isEqualTo("équipe-α");
    byte[] other = "gpt-4o".getBytes(StandardCharsets.UTF_8);
    int model = t.internUtf8(other, 0, other.length);
    assertThat(model).isNotEqualTo(fromString);
    assertThat(t.intern("gpt-4o")).isEqualTo(model);
    assertThat(t.string(model)).isEqualTo("gpt-4o");
  }

  @Test
  void nothingIsMinusOne() {
    CallTable t = new CallTable();
    assertThat(t.intern(null)).isEqualTo(-1);
    assertThat(t.intern("")).isEqualTo(-1);
    assertThat(t.internUtf8(new byte[4], 2, 0)).isEqualTo(-1);
    assertThat(t.string(-1)).isNull();
  }

  @Test
  void aMillionDistinctValuesKeepTheirIdsAndTextThroughEveryGrowth() {
    CallTable t = new CallTable();
    SplittableRandom random = new SplittableRandom(11);
    List<String> values = new ArrayList<>();
    Set<String> distinct = new HashSet<>();
    for (int i = 0; i < 1_000_000; i++) {
      // Hash-like values, plus prefixes of one another and short values that collide more often.
      String v = switch (i % 3) {
        case 0 -> Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
        case 1 -> "v" + random.nextInt(5_000);
        default -> "conversation-" + i;
      };
      values.add(v);
      distinct.add(v);
    }
    int[] ids = new int[values.size()];
    for (int i = 0; i < values.size(); i++) {
      byte[] utf8 = values.get(i).getBytes(StandardCharsets.UTF_8);
      ids[i] = t.internUtf8(utf8, 0, utf8.length);
    }
    Set<Integer> distinctIds = new HashSet<>();
    for (int i = 0; i < values.size(); i++) {
      assertThat(t.string(ids[i])).isEqualTo(values.get(i));
      assertThat(t.intern(values.get(i))).isEqualTo(ids[i]);
      distinctIds.add(ids[i]);
    }
    assertThat(distinctIds).hasSize(distinct.size());
  }

  @Test
  void aTableOfAtMostNRowsRefusesTheNextOneAndKeepsItsRows() {
    CallTable t = new CallTable(3);
    for (int i = 0; i < 3; i++) {
      t.setTimes(t.addRow(), i, i + 1);
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(t::addRow)
        .isInstanceOf(TooManyCallsException.class)
        .hasMessageContaining("more than 3 LLM calls");
    assertThat(t.size()).isEqualTo(3);
    assertThat(t.start(2)).isEqualTo(2);
    CallTable large = new CallTable(5_000);
    for (int i = 0; i < 5_000; i++) {
      large.addRow(); // grows by doubling up to the limit, never past it
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(large::addRow).isInstanceOf(TooManyCallsException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CallTable(-1)).hasMessage("maxRows: -1 (expected: >= 0)");
  }
}
