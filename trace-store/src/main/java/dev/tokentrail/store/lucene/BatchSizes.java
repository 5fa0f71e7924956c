package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanEvent;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanLink;
import dev.tokentrail.model.TraceId;
import java.util.List;
import java.util.Map;

/**
 * Estimated heap a queued batch holds until it is indexed: the decoded spans with their calls and
 * the encoded log record (the indexing threads copy each span's stored form from the record and
 * build its document as they index it, so neither is held per queued span). Computed from the
 * decoded spans before anything is encoded, so a full queue refuses a batch before allocating for
 * it. Each character of a string is counted twice (the decoded string and the log record) and
 * every object graph node by a fixed overhead; resource attributes are counted per span though
 * spans of one resource share them, which keeps the estimate above the heap retained. {@code
 * BatchSizesTest} measures the estimate against the heap queued batches really retain.
 */
final class BatchSizes {
  /** Span and its builder leftovers, attribute map, call, list slot, fixed fields (ids, times, intrinsics). */
  static final long SPAN_OVERHEAD = 1_024;
  /** Map entry, boxed value and the attribute's key and value tags in the log record. */
  static final long ATTRIBUTE_OVERHEAD = 160;
  static final long EVENT_OVERHEAD = 256;
  static final long LINK_OVERHEAD = 256;
  /** Copies of each character held: the decoded string, the log record. */
  private static final int COPIES = 2;
  // Ids count as many characters as their hex: a little above what binary ids hold.

  private BatchSizes() {}

  static long estimate(List<Span> spans) {
    long total = 0;
    for (int i = 0; i < spans.size(); i++) {
      total += estimate(spans.get(i));
    }
    return total;
  }

  static long estimate(Span span) {
    long chars =
        2 * (TraceId.BYTES + SpanId.BYTES)
            + (span.isRoot() ? 0 : 2 * SpanId.BYTES)
            + length(span.traceState())
            + length(span.name())
            + length(span.statusMessage())
            + length(span.scopeName())
            + length(span.scopeVersion());
    long bytes = SPAN_OVERHEAD + COPIES * chars;
    bytes += attributes(span.attributes());
    if (span.resource() != null) {
      // Shared by the decoded spans of one resource and written once per group in the log record:
      // counted per span, an overestimate that grows with the group.
      bytes += attributes(span.resource().attributes());
    }
    for (SpanEvent event : span.events()) {
      bytes += EVENT_OVERHEAD + COPIES * length(event.name()) + attributes(event.attributes());
    }
    for (SpanLink link : span.links()) {
      bytes += LINK_OVERHEAD + COPIES * 2 * (TraceId.BYTES + SpanId.BYTES) + attributes(link.attributes());
    }
    return bytes;
  }

  private static long attributes(Map<String, Object> attributes) {
    if (attributes == null || attributes.isEmpty()) {
      return 0;
    }
    long bytes = 0;
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      bytes += ATTRIBUTE_OVERHEAD + COPIES * (length(e.getKey()) + valueSize(e.getValue(), 0));
    }
    return bytes;
  }

  private static long valueSize(Object value, int depth) {
    if (value instanceof String s) {
      return s.length();
    }
    if (value instanceof byte[] b) {
      return b.length;
    }
    if (depth > 8) {
      return 16;
    }
    if (value instanceof List<?> list) {
      long size = 16;
      for (Object item : list) {
        size += 16 + valueSize(item, depth + 1);
      }
      return size;
    }
    if (value instanceof Map<?, ?> map) {
      long size = 16;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        size += 48 + (e.getKey() instanceof String k ? k.length() : 0) + valueSize(e.getValue(), depth + 1);
      }
      return size;
    }
    return 8;
  }

  private static long length(String s) {
    return s == null ? 0 : s.length();
  }
}
