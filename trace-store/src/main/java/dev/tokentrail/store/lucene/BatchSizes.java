package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanEvent;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanLink;
import dev.tokentrail.model.TraceId;
import java.util.List;
import java.util.Map;

/**
 * Estimated heap a queued batch holds until it is indexed: the decoded spans, the prebuilt Lucene
 * document per span and the encoded log record. Computed from the decoded spans before anything
 * is encoded, so a full queue refuses a batch before allocating for it. Each character of a string
 * is counted three times (the decoded string, the encoded blob and log record, the document's
 * field value) and every object graph node by a fixed overhead; {@code BatchSizesTest} measures
 * the estimate against the heap a batch really retains.
 */
final class BatchSizes {
  /** Span, builder leftovers, document, fixed fields (ids, times, intrinsics), blob headers. */
  static final long SPAN_OVERHEAD = 2_048;
  /** Map entry, boxed value, the Lucene field objects and their BytesRef per attribute. */
  static final long ATTRIBUTE_OVERHEAD = 320;
  static final long EVENT_OVERHEAD = 256;
  static final long LINK_OVERHEAD = 256;
  // Ids count as many characters as their hex: a little above what binary ids hold, and the
  // estimate BatchSizesTest calibrated.

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
    long bytes = SPAN_OVERHEAD + 3 * chars;
    bytes += attributes(span.attributes());
    if (span.resource() != null) {
      // Shared by the decoded spans of one resource, but encoded and indexed once per span.
      bytes += attributes(span.resource().attributes());
    }
    for (SpanEvent event : span.events()) {
      bytes += EVENT_OVERHEAD + 3 * length(event.name()) + attributes(event.attributes());
    }
    for (SpanLink link : span.links()) {
      bytes += LINK_OVERHEAD + 3 * 2 * (TraceId.BYTES + SpanId.BYTES) + attributes(link.attributes());
    }
    return bytes;
  }

  private static long attributes(Map<String, Object> attributes) {
    if (attributes == null || attributes.isEmpty()) {
      return 0;
    }
    long bytes = 0;
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      bytes += ATTRIBUTE_OVERHEAD + 3 * (length(e.getKey()) + valueSize(e.getValue(), 0));
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
