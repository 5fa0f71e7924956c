package dev.tokentrail.store.lucene;

import static dev.tokentrail.store.lucene.ProtobufWire.WIRE_LEN;
import static dev.tokentrail.store.lucene.ProtobufWire.readVarint;
import static dev.tokentrail.store.lucene.ProtobufWire.skipValue;
import static dev.tokentrail.store.lucene.ProtobufWire.varintEnd;
import static dev.tokentrail.store.lucene.ProtobufWire.writeVarint;

import dev.tokentrail.model.Span;

/**
 * Where each span of a write-ahead log record lies in it, so that a span's stored form is copied
 * from the record's bytes instead of being encoded a second time. A record is an OTLP {@code
 * TracesData} of resource groups ({@link IngestLog#record}); a span's stored form is the {@code
 * ResourceSpans} of that span alone: its group's resource part, then one {@code scope_spans} of its
 * scope part and the span, which are three slices of the record. The bytes equal those the span
 * encoder writes for the span alone.
 *
 * <p>A record whose spans do not line up with the batch (another count, a group whose resource or
 * scope part is not one run of fields) yields no index, and a span whose ids differ from the
 * slice's is encoded instead ({@link #storedForm} answers -1): the copy is an optimisation, never a
 * second source of truth.
 */
final class RecordSpans {
  private static final int RESOURCE_SPANS_TAG = (1 << 3) | WIRE_LEN;
  private static final int SCOPE_SPANS_TAG = (2 << 3) | WIRE_LEN;
  private static final int SPANS_TAG = (2 << 3) | WIRE_LEN;
  private static final int TRACE_ID_TAG = (1 << 3) | WIRE_LEN;
  private static final int SPAN_ID_TAG = (2 << 3) | WIRE_LEN;
  /** Per span: resource part start, end; scope part start, end; span field start, end. */
  private static final int STRIDE = 6;

  private final byte[] record;
  private final int[] slices;

  private RecordSpans(byte[] record, int[] slices) {
    this.record = record;
    this.slices = slices;
  }

  /** The spans of {@code record}, which must hold {@code spanCount} spans; null when it does not line up. */
  static RecordSpans of(byte[] record, int spanCount) {
    if (record == null) {
      return null;
    }
    int[] slices = new int[spanCount * STRIDE];
    int n = 0;
    int end = record.length;
    for (int p = 0; p < end; ) {
      int tag = (int) readVarint(record, p, end);
      p = varintEnd(record, p, end);
      int valueEnd = skipValue(record, p, end, tag & 7);
      if (tag < 8 || valueEnd < 0) {
        return null;
      }
      if (tag == RESOURCE_SPANS_TAG) {
        n = group(record, varintEnd(record, p, end), valueEnd, slices, n);
        if (n < 0) {
          return null;
        }
      }
      p = valueEnd;
    }
    return n == spanCount * STRIDE ? new RecordSpans(record, slices) : null;
  }

  /** Adds the spans of the {@code ResourceSpans} body {@code [from, to)}; the new fill, or -1. */
  private static int group(byte[] b, int from, int to, int[] slices, int n) {
    int resourceStart = -1;
    int resourceEnd = -1;
    int groupStart = n;
    for (int p = from; p < to; ) {
      int fieldStart = p;
      int tag = (int) readVarint(b, p, to);
      int valueStart = varintEnd(b, p, to);
      p = skipValue(b, valueStart, to, tag & 7);
      if (tag < 8 || p < 0) {
        return -1;
      }
      if (tag != SCOPE_SPANS_TAG) {
        if (resourceStart < 0) {
          resourceStart = fieldStart;
        } else if (resourceEnd != fieldStart) {
          return -1;
        }
        resourceEnd = p;
      } else {
        n = scopeSpans(b, varintEnd(b, valueStart, to), p, slices, n);
        if (n < 0) {
          return -1;
        }
      }
    }
    if (resourceStart < 0) {
      resourceStart = resourceEnd = from;
    }
    for (int s = groupStart; s < n; s += STRIDE) {
      slices[s] = resourceStart;
      slices[s + 1] = resourceEnd;
    }
    return n;
  }

  /** Adds the spans of the {@code ScopeSpans} body {@code [from, to)}; the new fill, or -1. */
  private static int scopeSpans(byte[] b, int from, int to, int[] slices, int n) {
    int scopeStart = -1;
    int scopeEnd = -1;
    int first = n;
    for (int p = from; p < to; ) {
      int fieldStart = p;
      int tag = (int) readVarint(b, p, to);
      p = skipValue(b, varintEnd(b, p, to), to, tag & 7);
      if (tag < 8 || p < 0) {
        return -1;
      }
      if (tag == SPANS_TAG) {
        if (n + STRIDE > slices.length) {
          return -1;
        }
        slices[n + 4] = fieldStart;
        slices[n + 5] = p;
        n += STRIDE;
      } else {
        if (scopeStart < 0) {
          scopeStart = fieldStart;
        } else if (scopeEnd != fieldStart) {
          return -1;
        }
        scopeEnd = p;
      }
    }
    if (scopeStart < 0) {
      scopeStart = scopeEnd = from;
    }
    for (int s = first; s < n; s += STRIDE) {
      slices[s + 2] = scopeStart;
      slices[s + 3] = scopeEnd;
    }
    return n;
  }

  /**
   * Writes the stored form of span {@code index} (which must be {@code span}) into {@code out}
   * from offset 0; returns its length, or -1 when the slice does not carry {@code span}'s ids.
   * {@code out} must hold {@link #storedLength}.
   */
  int storedForm(int index, Span span, byte[] out) {
    int s = index * STRIDE;
    int spanStart = slices[s + 4];
    int spanEnd = slices[s + 5];
    if (!carries(spanStart, spanEnd, span)) {
      return -1;
    }
    int resourceLength = slices[s + 1] - slices[s];
    int scopeLength = slices[s + 3] - slices[s + 2];
    int spanLength = spanEnd - spanStart;
    System.arraycopy(record, slices[s], out, 0, resourceLength);
    int o = resourceLength;
    out[o++] = (byte) SCOPE_SPANS_TAG;
    o = writeVarint(out, o, scopeLength + spanLength);
    System.arraycopy(record, slices[s + 2], out, o, scopeLength);
    o += scopeLength;
    System.arraycopy(record, spanStart, out, o, spanLength);
    return o + spanLength;
  }

  /** The length {@link #storedForm} writes for span {@code index}, at most. */
  int storedLength(int index) {
    int s = index * STRIDE;
    int inner = (slices[s + 3] - slices[s + 2]) + (slices[s + 5] - slices[s + 4]);
    return (slices[s + 1] - slices[s]) + 1 + 5 + inner;
  }

  /** Whether the span field {@code [start, end)} begins with {@code span}'s trace and span ids. */
  private boolean carries(int start, int end, Span span) {
    int p = varintEnd(record, start + 1, end);
    if (p + 18 > end || record[p] != TRACE_ID_TAG || record[p + 1] != 16
        || readLong(record, p + 2) != span.traceId().high() || readLong(record, p + 10) != span.traceId().low()) {
      return false;
    }
    p += 18;
    if (span.spanId().isNone()) {
      return p == end || record[p] != SPAN_ID_TAG;
    }
    return p + 10 <= end && record[p] == SPAN_ID_TAG && record[p + 1] == 8 && readLong(record, p + 2) == span.spanId().value();
  }

  private static long readLong(byte[] b, int p) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[p + i] & 0xFF);
    }
    return v;
  }
}
