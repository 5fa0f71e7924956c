package dev.tokentrail.store.eval;

import dev.tokentrail.model.Span;
import dev.tokentrail.store.TraceSummary;
import java.util.Collection;

/**
 * A trace as a store hands it to {@link TraceSearcher} and {@link MetricsEvaluator}: its rollup
 * and its stored spans (each once), or at least those a read may select.
 */
public interface EvaluatedTrace {
  TraceSummary summary();

  Collection<Span> spans();
}
