package dev.tokentrail.model;

/** Big-endian longs and hex digits for {@link TraceId} and {@link SpanId}. */
final class IdBytes {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private IdBytes() {}

  static long getLong(byte[] b, int offset) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[offset + i] & 0xFFL);
    }
    return v;
  }

  static void putLong(byte[] dst, int offset, long v) {
    for (int i = 7; i >= 0; i--) {
      dst[offset + i] = (byte) v;
      v >>>= 8;
    }
  }

  static void hexLong(long v, char[] out, int offset) {
    for (int i = 15; i >= 0; i--) {
      out[offset + i] = HEX[(int) (v & 0xF)];
      v >>>= 4;
    }
  }

  static long parseHexLong(CharSequence hex, int offset, String what) {
    long v = 0;
    for (int i = 0; i < 16; i++) {
      int digit = hexDigit(hex.charAt(offset + i));
      if (digit < 0) {
        throw new IllegalArgumentException(what + ": " + hex + " (expected: hex digits only)");
      }
      v = (v << 4) | digit;
    }
    return v;
  }

  /**
   * The value of an ASCII hex digit of either case, or -1: unlike {@link Character#digit}, other
   * scripts' digits (U+0663, the fullwidth U+FF13) are not hex here, as they are not in W3C/OTLP ids.
   */
  static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
