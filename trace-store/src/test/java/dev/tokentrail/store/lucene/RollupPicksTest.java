package dev.tokentrail.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.TraceSummary;
import org.junit.jupiter.api.Test;

/** The rollup picks follow the contract whatever order spans arrive in, and merging deltas keeps them. */
class RollupPicksTest {
  @Test
  void rootTeamAndProjectComeFromTheEarliestSpansWithTiesToTheSmallerSpanId() {
    TraceRollups.Accumulator a = new TraceRollups.Accumulator(new TraceId(0, 1));
    TraceRollups.Accumulator b = new TraceRollups.Accumulator(new TraceId(0, 1));
    // Delta a: a later root and a later call; delta b: the earliest root (tied start, smaller id) and call.
    a.addSpan(200, 300, 9, true, "late-svc", "late-root", false, null);
    a.addSpan(150, 160, 8, false, "svc", "call", false, null);
    a.addCall(150, 8, 0.5, 10, 1, "gpt-4o", "ads", null);
    b.addSpan(200, 250, 3, true, "early-svc", "early-root", true, null);
    b.addSpan(150, 170, 4, false, "svc", "call", false, null);
    b.addCall(150, 4, 0.25, 5, 1, "gpt-4o-mini", "search", "catalog");
    b.addSpan(100, 110, 7, false, "first-svc", "first", false, null);
    a.merge(b);
    TraceSummary s = a.toSummary();
    assertThat(s.rootServiceName()).isEqualTo("early-svc");
    assertThat(s.rootSpanName()).isEqualTo("early-root");
    assertThat(s.team()).isEqualTo("search");
    assertThat(s.project()).isEqualTo("catalog");
    assertThat(s.spanCount()).isEqualTo(5);
    assertThat(s.llmCallCount()).isEqualTo(2);
    assertThat(s.errorCount()).isEqualTo(1);
    assertThat(s.startEpochNanos()).isEqualTo(100);
    assertThat(s.durationNanos()).isEqualTo(200);
    assertThat(s.models()).containsExactly("gpt-4o", "gpt-4o-mini");
  }

  @Test
  void withoutARootTheEarliestSpanNamesTheTrace() {
    TraceRollups.Accumulator a = new TraceRollups.Accumulator(new TraceId(0, 2));
    a.addSpan(200, 300, 1, false, "b", "later", false, null);
    a.addSpan(100, 300, 2, false, "a", "earliest", false, null);
    assertThat(a.toSummary().rootSpanName()).isEqualTo("earliest");
  }
}
