package dev.tokentrail.store;

/**
 * A whole span store: the {@link SpanWriter} ingest uses, the {@link TraceReader} the query API
 * uses and the {@link CallReader} the waste analysis uses, with a life cycle. The embedded Lucene
 * store and the in-memory reference store implement it; every implementation passes the
 * conformance suite ({@code store-tests}), which is the executable form of these contracts.
 * Components should depend on the narrowest of the three interfaces they need.
 *
 * <p>A store configured with a retention keeps every span at least for the retention after its
 * start time and drops it at the latest one time partition later (a span that arrives already
 * older than the retention may be dropped at once); dropped spans leave every read, rollups
 * included.
 */
public interface SpanStore extends SpanWriter, TraceReader, CallReader, AutoCloseable {

  /** Whether the store has finished recovery and accepts writes. */
  boolean isReady();

  /**
   * Completes pending writes, releases everything and refuses further calls with {@link
   * StoreClosedException}; acknowledged spans are durable before and after. Idempotent.
   */
  @Override
  void close();
}
