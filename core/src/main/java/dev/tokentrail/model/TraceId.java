package dev.tokentrail.model;

/**
 * A W3C/OTLP trace id: 16 bytes, held as two big-endian longs so it is compared, hashed and stored
 * without allocation. Hex (32 lower-case digits) exists only at the JSON and HTTP edges: {@link
 * #hex()} and {@link #toString()} give it, {@link #fromHex} and {@link #parseUserInput} read it.
 *
 * <p>Ordering is the unsigned order of the bytes, which is also the order of the hex strings.
 */
public record TraceId(long high, long low) implements Comparable<TraceId> {
  public static final int BYTES = 16;

  /** All zero: not a valid id on the wire, used as "none" for optional references. */
  public static final TraceId INVALID = new TraceId(0, 0);

  /** Reads 16 bytes at {@code offset}, big-endian as OTLP sends them. */
  public static TraceId fromBytes(byte[] bytes, int offset) {
    return new TraceId(IdBytes.getLong(bytes, offset), IdBytes.getLong(bytes, offset + 8));
  }

  /** Reads exactly 16 bytes; throws {@link IllegalArgumentException} for any other length. */
  public static TraceId fromBytes(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException(
          "traceId: " + bytes.length + " bytes (expected: " + BYTES + ")");
    }
    return fromBytes(bytes, 0);
  }

  /**
   * Parses exactly 32 hex digits of either case; throws {@link IllegalArgumentException} naming the
   * bad value otherwise.
   */
  public static TraceId fromHex(CharSequence hex) {
    if (hex.length() != 2 * BYTES) {
      throw new IllegalArgumentException(
          "traceId: " + hex + " (expected: " + 2 * BYTES + " hex digits)");
    }
    return new TraceId(
        IdBytes.parseHexLong(hex, 0, "traceId"), IdBytes.parseHexLong(hex, 16, "traceId"));
  }

  /**
   * Reads a trace id typed by a user or sent by Grafana: hex of either case, 1 to 32 digits, shorter
   * ids left-padded with zeros as Tempo does. Returns {@code null} when it is not such hex.
   */
  public static TraceId parseUserInput(String id) {
    if (id == null || id.isEmpty() || id.length() > 2 * BYTES) {
      return null;
    }
    for (int i = 0; i < id.length(); i++) {
      if (IdBytes.hexDigit(id.charAt(i)) < 0) {
        return null;
      }
    }
    return fromHex("0".repeat(2 * BYTES - id.length()) + id);
  }

  /** Whether this id is valid on the wire: not all zero. */
  public boolean isValid() {
    return high != 0 || low != 0;
  }

  public byte[] toBytes() {
    byte[] out = new byte[BYTES];
    writeTo(out, 0);
    return out;
  }

  /** Writes the 16 bytes at {@code offset}. */
  public void writeTo(byte[] dst, int offset) {
    IdBytes.putLong(dst, offset, high);
    IdBytes.putLong(dst, offset + 8, low);
  }

  /** 32 lower-case hex digits. */
  public String hex() {
    char[] out = new char[2 * BYTES];
    IdBytes.hexLong(high, out, 0);
    IdBytes.hexLong(low, out, 16);
    return new String(out);
  }

  @Override
  public String toString() {
    return hex();
  }

  @Override
  public int compareTo(TraceId other) {
    int byHigh = Long.compareUnsigned(high, other.high);
    return byHigh != 0 ? byHigh : Long.compareUnsigned(low, other.low);
  }
}
