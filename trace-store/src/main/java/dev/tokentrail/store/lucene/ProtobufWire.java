package dev.tokentrail.store.lucene;

/**
 * Protobuf wire-format steps over a byte array, for the two places that walk OTLP bytes by field
 * instead of parsing them into messages: finding each span's slices of a log record ({@link
 * RecordSpans}) and splitting a stored span into its envelopes ({@link SpanEnvelopes}). Readers
 * never throw on malformed input: they answer -1 (or a position past {@code end}) and the caller
 * falls back.
 */
final class ProtobufWire {
  static final int WIRE_VARINT = 0;
  static final int WIRE_I64 = 1;
  static final int WIRE_LEN = 2;
  static final int WIRE_I32 = 5;

  private ProtobufWire() {}

  /** The varint at {@code p}, or -1 when it runs past {@code end} or over 10 bytes. */
  static long readVarint(byte[] b, int p, int end) {
    long v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      byte x = b[p++];
      v |= (long) (x & 0x7F) << shift;
      if (x >= 0) {
        return v;
      }
    }
    return -1;
  }

  /** Where the varint at {@code p} ends; past {@code end} when it is cut short. */
  static int varintEnd(byte[] b, int p, int end) {
    while (p < end && b[p] < 0) {
      p++;
    }
    return p + 1;
  }

  /** The end of the value at {@code p} of this wire type, or -1 when malformed. */
  static int skipValue(byte[] b, int p, int end, int wireType) {
    if (p > end) {
      return -1;
    }
    switch (wireType) {
      case WIRE_VARINT -> {
        return readVarint(b, p, end) < 0 ? -1 : varintEnd(b, p, end);
      }
      case WIRE_I64 -> {
        return p + 8 <= end ? p + 8 : -1;
      }
      case WIRE_I32 -> {
        return p + 4 <= end ? p + 4 : -1;
      }
      case WIRE_LEN -> {
        long length = readVarint(b, p, end);
        if (length < 0) {
          return -1;
        }
        long valueEnd = varintEnd(b, p, end) + length;
        return valueEnd <= end ? (int) valueEnd : -1;
      }
      default -> {
        return -1;
      }
    }
  }

  /** Writes {@code v} as a varint at {@code o}; returns the position after it. */
  static int writeVarint(byte[] out, int o, long v) {
    while ((v & ~0x7FL) != 0) {
      out[o++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out[o++] = (byte) v;
    return o;
  }

  static int varintSize(long v) {
    int n = 1;
    while ((v & ~0x7FL) != 0) {
      n++;
      v >>>= 7;
    }
    return n;
  }
}
