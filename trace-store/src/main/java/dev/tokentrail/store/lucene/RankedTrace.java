package dev.tokentrail.store.lucene;

import dev.tokentrail.store.TraceSummary;
import java.util.Comparator;
import org.apache.lucene.util.BytesRef;

/**
 * A discovered trace and its rank: its rollup start (and end: every span of the trace starts
 * within them), and where its rollup is (doc -1: computed, then held).
 */
record RankedTrace(BytesRef traceId, long start, long end, int searcher, int doc, TraceSummary computed) {
  static final Comparator<RankedTrace> BEST_FIRST =
      Comparator.comparingLong(RankedTrace::start).reversed().thenComparing(RankedTrace::traceId);
  static final Comparator<RankedTrace> WORST_FIRST = BEST_FIRST.reversed();
}
