package dev.tokentrail.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FieldBudgetTest {
  @Test
  void madeUpTokentrailKeysAreBudgetedLikeAnyOther() {
    FieldBudget budget = new FieldBudget(10, List.of());
    int admitted = 0;
    for (int i = 0; i < 1_000; i++) {
      if (budget.admit("a.tokentrail.x." + i, "tokentrail.x." + i)) {
        admitted++;
      }
    }
    assertThat(admitted).isEqualTo(10);
    assertThat(budget.indexedFields()).isEqualTo(10);
  }

  @Test
  void theServersOwnKeysAreAlwaysIndexedOnTheirOwn() {
    FieldBudget budget = new FieldBudget(1, List.of());
    assertThat(budget.admit("a.user.1", "user.1")).isTrue();
    assertThat(budget.admit("a.user.2", "user.2")).isFalse();
    assertThat(budget.admit("a.tokentrail.cost.usd", "tokentrail.cost.usd")).isTrue();
    assertThat(budget.admit("a.tokentrail.team", "tokentrail.team")).isTrue();
    assertThat(budget.admit("a.gen_ai.request.model", "gen_ai.request.model")).isTrue();
  }
}
