package dev.tokentrail.benchmarks;

import dev.tokentrail.pricing.PriceCatalog;
import java.io.IOException;
import picocli.CommandLine.Option;

/**
 * The options of a generated workload held in memory ({@code --spans}, {@code --seed}), shared by
 * the harnesses that load one node of their own ({@code @Mixin}), and the workload itself: whole
 * traces of 5-50 spans priced from the built-in catalog, starting over the half hour before now.
 */
final class WorkloadOptions {
  /** How long before now the workload's traces start: they spread over this span of time. */
  static final long SPREAD_NANOS = 1_800_000_000_000L;

  @Option(names = "--spans", defaultValue = "100000", description = "Spans, in whole traces of 5-50 (default ${DEFAULT-VALUE}).")
  int spans;

  @Option(names = "--seed", defaultValue = "1", description = "Workload seed (default ${DEFAULT-VALUE}).")
  long seed;

  /** The workload, its traces starting in the half hour before {@code nowNanos}. */
  TraceSource source(long nowNanos) throws IOException {
    return TraceSource.inMemory(TokenCounts.load(TokenCounts.DEFAULT_FILE), PriceCatalog.builtIn(), seed, spans,
        nowNanos - SPREAD_NANOS, SPREAD_NANOS);
  }
}
