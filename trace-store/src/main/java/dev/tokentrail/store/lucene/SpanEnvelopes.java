package dev.tokentrail.store.lucene;

import static dev.tokentrail.store.lucene.ProtobufWire.WIRE_LEN;
import static dev.tokentrail.store.lucene.ProtobufWire.readVarint;
import static dev.tokentrail.store.lucene.ProtobufWire.skipValue;
import static dev.tokentrail.store.lucene.ProtobufWire.varintEnd;
import static dev.tokentrail.store.lucene.ProtobufWire.varintSize;
import static dev.tokentrail.store.lucene.ProtobufWire.writeVarint;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.BytesRefBuilder;

/**
 * Splits a stored span (an OTLP {@code ResourceSpans} of one span, {@link SpanDocuments#encode})
 * into its envelopes, the resource part (every {@code ResourceSpans} field but {@code
 * scope_spans}) and the scope part (every {@code ScopeSpans} field but {@code spans}), which
 * thousands of spans share, and the span itself. The envelopes go to a dictionary held once per
 * segment ({@link SpanStoredFieldsFormat}); the stored value keeps their ids and the span.
 *
 * <p>Compact form: {@code varint(resourceId + 1) varint(scopeId) spanFieldBytes}; a leading 0 marks
 * a value kept verbatim (not one {@code scope_spans}, or not parseable), so any bytes round-trip.
 * The expanded form puts the resource part before {@code scope_spans}, which protobuf parsers
 * accept in any order.
 */
final class SpanEnvelopes {
  private static final int SCOPE_SPANS_TAG = (2 << 3) | WIRE_LEN;

  /** The envelopes seen, in id order; one instance per segment being written. */
  private final List<BytesRef> entries = new ArrayList<>();
  private final Map<BytesRef, Integer> ids = new HashMap<>();
  // Reused per value: an envelope is copied only when it is new to the segment.
  private final BytesRefBuilder resourcePart = new BytesRefBuilder();
  private final BytesRefBuilder scopePart = new BytesRefBuilder();
  private final BytesRefBuilder compacted = new BytesRefBuilder();

  /** The envelopes of a written segment, by id. */
  List<BytesRef> entries() {
    return entries;
  }

  /**
   * The compact form of {@code blob}, adding its envelopes to this dictionary if new; valid until
   * the next call (the stored fields writer copies it at once).
   */
  BytesRef compact(BytesRef blob) {
    byte[] b = blob.bytes;
    int end = blob.offset + blob.length;
    // Pass 1 over ResourceSpans: exactly one scope_spans, and its bounds.
    int scopeSpansStart = -1;
    int scopeSpansEnd = -1;
    int resourceLength = 0;
    for (int p = blob.offset; p < end; ) {
      int fieldStart = p;
      long tag = readVarint(b, p, end);
      if (tag < 8) {
        return verbatim(blob);
      }
      p = varintEnd(b, p, end);
      int valueStart = p;
      p = skipValue(b, p, end, (int) (tag & 7));
      if (p < 0) {
        return verbatim(blob);
      }
      if (tag == SCOPE_SPANS_TAG) {
        if (scopeSpansStart >= 0) {
          return verbatim(blob);
        }
        scopeSpansStart = varintEnd(b, valueStart, end);
        scopeSpansEnd = p;
      } else {
        resourceLength += p - fieldStart;
      }
    }
    if (scopeSpansStart < 0) {
      return verbatim(blob);
    }
    resourcePart.grow(resourceLength);
    byte[] resource = resourcePart.bytes();
    int r = 0;
    for (int p = blob.offset; p < end; ) {
      int fieldStart = p;
      long tag = readVarint(b, p, end);
      p = skipValue(b, varintEnd(b, p, end), end, (int) (tag & 7));
      if (tag != SCOPE_SPANS_TAG) {
        System.arraycopy(b, fieldStart, resource, r, p - fieldStart);
        r += p - fieldStart;
      }
    }
    // ScopeSpans: the spans fields stay with the value, the others form the scope part.
    int scopeLength = 0;
    int spanLength = 0;
    for (int p = scopeSpansStart; p < scopeSpansEnd; ) {
      int fieldStart = p;
      long tag = readVarint(b, p, scopeSpansEnd);
      if (tag < 8) {
        return verbatim(blob);
      }
      p = skipValue(b, varintEnd(b, p, scopeSpansEnd), scopeSpansEnd, (int) (tag & 7));
      if (p < 0) {
        return verbatim(blob);
      }
      if ((tag >>> 3) == 2) {
        spanLength += p - fieldStart;
      } else {
        scopeLength += p - fieldStart;
      }
    }
    scopePart.grow(scopeLength);
    byte[] scope = scopePart.bytes();
    compacted.grow(10 + spanLength);
    byte[] out = compacted.bytes();
    int s = 0;
    int o = 10;
    for (int p = scopeSpansStart; p < scopeSpansEnd; ) {
      int fieldStart = p;
      long tag = readVarint(b, p, scopeSpansEnd);
      p = skipValue(b, varintEnd(b, p, scopeSpansEnd), scopeSpansEnd, (int) (tag & 7));
      if ((tag >>> 3) == 2) {
        System.arraycopy(b, fieldStart, out, o, p - fieldStart);
        o += p - fieldStart;
      } else {
        System.arraycopy(b, fieldStart, scope, s, p - fieldStart);
        s += p - fieldStart;
      }
    }
    resourcePart.setLength(resourceLength);
    scopePart.setLength(scopeLength);
    int head = writeVarint(out, 0, idOf(resourcePart.get()) + 1L);
    head = writeVarint(out, head, idOf(scopePart.get()));
    System.arraycopy(out, 10, out, head, spanLength);
    compacted.setLength(head + spanLength);
    return compacted.get();
  }

  private int idOf(BytesRef envelope) {
    Integer id = ids.get(envelope);
    if (id == null) {
      BytesRef key = BytesRef.deepCopyOf(envelope);
      id = entries.size();
      entries.add(key);
      ids.put(key, id);
    }
    return id;
  }

  private static BytesRef verbatim(BytesRef blob) {
    byte[] out = new byte[blob.length + 1];
    System.arraycopy(blob.bytes, blob.offset, out, 1, blob.length);
    return new BytesRef(out);
  }

  /** The stored span of a compact value, with the envelopes of its segment. */
  static byte[] expand(byte[] value, byte[][] entries) {
    int end = value.length;
    long resourceRef = readVarint(value, 0, end);
    if (resourceRef == 0) {
      byte[] out = new byte[value.length - 1];
      System.arraycopy(value, 1, out, 0, out.length);
      return out;
    }
    int p = varintEnd(value, 0, end);
    long scopeRef = readVarint(value, p, end);
    if (resourceRef < 0 || scopeRef < 0 || resourceRef > entries.length || scopeRef >= entries.length) {
      throw new IllegalStateException(
          "corrupt stored span: envelope ids " + (resourceRef - 1) + "/" + scopeRef + " of " + entries.length);
    }
    p = varintEnd(value, p, end);
    byte[] resource = entries[(int) resourceRef - 1];
    byte[] scope = entries[(int) scopeRef];
    int scopeSpansLength = scope.length + (end - p);
    byte[] out = new byte[resource.length + 1 + varintSize(scopeSpansLength) + scopeSpansLength];
    System.arraycopy(resource, 0, out, 0, resource.length);
    int o = resource.length;
    out[o++] = (byte) SCOPE_SPANS_TAG;
    o = writeVarint(out, o, scopeSpansLength);
    System.arraycopy(scope, 0, out, o, scope.length);
    System.arraycopy(value, p, out, o + scope.length, end - p);
    return out;
  }
}
