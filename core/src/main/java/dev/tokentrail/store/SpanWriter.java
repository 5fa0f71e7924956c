package dev.tokentrail.store;

import dev.tokentrail.model.IngestedSpan;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Writes spans: what ingest (and repricing) needs of a store.
 *
 * <p>Contract every store keeps (checked by the conformance suite):
 *
 * <ul>
 *   <li><b>Acknowledged means durable.</b> The returned future completes only once the spans
 *       survive a crash of the process (and, for a remote engine, once the engine acknowledged the
 *       write durably). It fails with {@link StoreOverloadedException} when the store cannot take
 *       more now (the caller asks its client to retry later; nothing of the batch was kept or all
 *       of it will be), and with {@link StoreClosedException} once the store is closing.
 *   <li><b>Re-sent spans store once.</b> A span with the tenant, trace id and span id of a stored
 *       span replaces it, wherever and whenever it was first stored: exporters that retry, and
 *       repricing, never duplicate a span, and trace rollups and call columns count it once.
 *   <li><b>Late spans join their trace.</b> Spans of one trace may arrive in any order, minutes
 *       or days apart, and into different time partitions; reads see one trace.
 *   <li><b>The call travels with its span.</b> {@link IngestedSpan#call()} is the LLM call ingest
 *       recognized and priced; the store indexes call columns from it and never re-derives a call
 *       from attribute names.
 *   <li>Writes of one tenant are invisible to every other tenant.
 * </ul>
 */
public interface SpanWriter {

  /** Stores {@code spans} for {@code tenant}; see the interface for what completion promises. */
  CompletableFuture<Void> accept(String tenant, List<IngestedSpan> spans);
}
