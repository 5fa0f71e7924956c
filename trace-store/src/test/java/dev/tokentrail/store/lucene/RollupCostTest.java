package dev.tokentrail.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.eval.RollupRow;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;

/** A trace's cost is the same double however its calls arrive in deltas, and the reference's. */
class RollupCostTest {
  @Test
  void deltasMergedThroughTheStoredStateCostWhatTheReferenceSumsFromTheSpans() {
    TraceId traceId = new TraceId(0, 3);
    // += in start order gives 0.6000000000000001, latest first 0.6: the exact sum is nearest 0.6.
    double[] costs = {0.1, 0.2, 0.3};
    List<RollupRow> rows = new ArrayList<>();
    TraceRollups.Accumulator stored = null;
    for (int i = costs.length - 1; i >= 0; i--) {
      long start = 100 + i;
      TraceRollups.Accumulator delta = new TraceRollups.Accumulator(traceId);
      delta.addSpan(start, start + 10, i + 1, false, "svc", "call", false, null);
      delta.addCall(start, i + 1, costs[i], 1, 1, "gpt-4o", null, null);
      if (stored == null) {
        stored = delta;
      } else {
        stored.merge(delta);
      }
      stored = TraceRollups.decodeState(new BytesRef(TraceRollups.encode(stored.toSummary(), stored)), null);
      rows.add(new RollupRow(new SpanId(i + 1), start, start + 10, false, false, "svc", "call", true, costs[i], 1, 1,
          "gpt-4o", null, null));
    }
    assertThat(stored.toSummary().costUsd()).isEqualTo(RollupRow.summarize(traceId, rows).costUsd()).isEqualTo(0.6);
  }
}
