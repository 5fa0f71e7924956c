/**
 * Benchmarks of TokenTrail's hot paths (JMH: {@link dev.tokentrail.benchmarks.NormalizePriceBenchmark})
 * and of the whole system ({@link dev.tokentrail.benchmarks.LoadGenerator}, which starts the real
 * server and compares it with {@code dev.tokentrail.benchmarks.lucene.BareLuceneBaseline}). Not part of
 * the test run; see docs/benchmarks.md for the commands and the figures.
 */
package dev.tokentrail.benchmarks;
