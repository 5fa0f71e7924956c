package dev.tokentrail.store;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import java.util.List;

/**
 * Reads traces: trace by id, TraceQL search, tag discovery and TraceQL metrics, for the query API
 * and Grafana. Every read is for one tenant and sees only that tenant's spans.
 *
 * <p>Time bounds are epoch nanoseconds; 0 means unbounded on that side. A span is in a range when
 * its start time is. Acknowledgement means durable, not yet searchable: a store indexes acknowledged
 * spans asynchronously, so reads see them once indexing has caught up and the next refresh has
 * happened (on an idle store within the refresh interval, at most one second; under sustained load
 * indexing may trail acknowledgement by the store's bounded write queue: seconds, never unbounded).
 * Reads may see more than was acknowledged when they began.
 *
 * <p>A read running while {@link QueryCancellation} is cancelled for its thread stops early with
 * {@link QueryCancelledException}; a read of a closed store throws {@link StoreClosedException}.
 */
public interface TraceReader {

  /**
   * Every stored span of a trace, ordered by start time then span id; empty when unknown. The
   * bounds only narrow where the store looks: a store may return spans outside them.
   */
  List<Span> getTrace(String tenant, TraceId traceId, long fromEpochNanos, long toEpochNanos);

  /**
   * Traces with spans matching the search, ranked and cut as it asks. See {@link TraceSearch}
   * for the meaning of every part; results are the same whatever the store.
   */
  List<TraceMatch> search(String tenant, TraceSearch search);

  /**
   * Attribute names seen in the time range, by scope, sorted, each list cut to {@code limit}. A
   * store may answer for a coarser range covering it (its time partitions), and so list more.
   */
  TagNames tagNames(String tenant, long fromEpochNanos, long toEpochNanos, int limit);

  /**
   * Distinct values of one attribute or intrinsic in the time range, most frequent first (ties in
   * value order: strings and booleans before numbers, strings by value, numbers numerically), cut
   * to {@code limit}. A value counts once per span holding it (a re-sent span once); {@code
   * rootServiceName} and {@code rootName} count once per trace starting in the range. Values come
   * back typed as TraceQL types them: {@code string}, {@code bool}, and numbers as {@code int}
   * when whole (below 1e15; {@code 3.0} is {@code int 3}), else {@code float}. The enumerable
   * intrinsics are {@code name}, {@code status}, {@code kind}, {@code rootServiceName} and {@code
   * rootName}; others are refused with {@link IllegalArgumentException}. Like {@link #tagNames},
   * a store may answer for a coarser range covering the one asked.
   */
  List<TagValue> tagValues(String tenant, FieldRef field, long fromEpochNanos, long toEpochNanos, int limit);

  /**
   * TraceQL metrics: see {@link MetricsQuery}. Stores that cannot answer throw {@link
   * UnsupportedOperationException}.
   *
   * @throws IllegalArgumentException for a grouping field the store cannot group by
   */
  default MetricsAnswer metrics(String tenant, MetricsQuery query) {
    throw new UnsupportedOperationException("TraceQL metrics are not supported by " + getClass().getSimpleName());
  }
}
