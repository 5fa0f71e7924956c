package dev.tokentrail.ingest;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.TagNames;
import dev.tokentrail.store.TagValue;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import java.util.List;

/** A test store for the receivers: only {@link #accept} matters; reads are empty or unsupported. */
abstract class WriteOnlyStore implements SpanStore {
  @Override
  public List<Span> getTrace(String tenant, TraceId traceId, long fromEpochNanos, long toEpochNanos) {
    return List.of();
  }

  @Override
  public List<TraceMatch> search(String tenant, TraceSearch search) {
    throw new UnsupportedOperationException("write-only test store");
  }

  @Override
  public TagNames tagNames(String tenant, long fromEpochNanos, long toEpochNanos, int limit) {
    throw new UnsupportedOperationException("write-only test store");
  }

  @Override
  public List<TagValue> tagValues(String tenant, FieldRef field, long fromEpochNanos, long toEpochNanos, int limit) {
    throw new UnsupportedOperationException("write-only test store");
  }

  @Override
  public dev.tokentrail.store.CallTable llmCalls(String tenant, dev.tokentrail.store.CallFilter filter) {
    throw new UnsupportedOperationException("write-only test store");
  }

  @Override
  public java.util.Map<dev.tokentrail.model.TraceId, dev.tokentrail.store.TraceOutcome> outcomes(String tenant, long from, long to) {
    throw new UnsupportedOperationException("write-only test store");
  }

  @Override
  public boolean isReady() {
    return true;
  }

  @Override
  public void close() {}
}
