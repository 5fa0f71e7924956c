/**
 * The store contract's read semantics evaluated in Java, shared by the stores that decide spans
 * themselves (the reference in-memory store, and the OpenSearch store for what OpenSearch cannot
 * decide): {@link dev.tokentrail.store.eval.SpanMatcher} for span filters, {@link
 * dev.tokentrail.store.eval.TraceSearcher} for searches, {@link
 * dev.tokentrail.store.eval.MetricsEvaluator} for metrics, over {@link
 * dev.tokentrail.store.eval.EvaluatedTrace}s, and {@link dev.tokentrail.store.eval.RollupRow} for
 * a trace's rollup.
 */
package dev.tokentrail.store.eval;
