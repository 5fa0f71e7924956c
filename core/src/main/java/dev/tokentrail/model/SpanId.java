package dev.tokentrail.model;

/**
 * A W3C/OTLP span id: 8 bytes held as one big-endian long. Zero is not a valid id on the wire and
 * stands for "none" (a root span's parent). Hex (16 lower-case digits) exists only at the JSON and
 * HTTP edges: {@link #hex()} and {@link #toString()} give it, {@link #fromHex} reads it.
 *
 * <p>Ordering is the unsigned order of the bytes, which is also the order of the hex strings.
 */
public record SpanId(long value) implements Comparable<SpanId> {
  public static final int BYTES = 8;

  /** No span: a root span's parent, an absent reference. {@link #hex()} gives "". */
  public static final SpanId NONE = new SpanId(0);

  /** Reads 8 bytes at {@code offset}, big-endian as OTLP sends them. */
  public static SpanId fromBytes(byte[] bytes, int offset) {
    return new SpanId(IdBytes.getLong(bytes, offset));
  }

  /** Reads exactly 8 bytes, or none (an empty array gives {@link #NONE}). */
  public static SpanId fromBytes(byte[] bytes) {
    if (bytes.length == 0) {
      return NONE;
    }
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException(
          "spanId: " + bytes.length + " bytes (expected: " + BYTES + ")");
    }
    return fromBytes(bytes, 0);
  }

  /**
   * Parses exactly 16 hex digits of either case, or "" as {@link #NONE}; throws {@link
   * IllegalArgumentException} naming the bad value otherwise.
   */
  public static SpanId fromHex(CharSequence hex) {
    if (hex.length() == 0) {
      return NONE;
    }
    if (hex.length() != 2 * BYTES) {
      throw new IllegalArgumentException(
          "spanId: " + hex + " (expected: " + 2 * BYTES + " hex digits)");
    }
    return new SpanId(IdBytes.parseHexLong(hex, 0, "spanId"));
  }

  /** Whether this is {@link #NONE}. */
  public boolean isNone() {
    return value == 0;
  }

  public byte[] toBytes() {
    byte[] out = new byte[BYTES];
    writeTo(out, 0);
    return out;
  }

  /** Writes the 8 bytes at {@code offset}. */
  public void writeTo(byte[] dst, int offset) {
    IdBytes.putLong(dst, offset, value);
  }

  /** 16 lower-case hex digits, or "" for {@link #NONE}. */
  public String hex() {
    if (value == 0) {
      return "";
    }
    char[] out = new char[2 * BYTES];
    IdBytes.hexLong(value, out, 0);
    return new String(out);
  }

  @Override
  public String toString() {
    return hex();
  }

  @Override
  public int compareTo(SpanId other) {
    return Long.compareUnsigned(value, other.value);
  }
}
