package dev.tokentrail.model;

/** Hex encoding of trace and span identifiers, without allocation beyond the result. */
public final class Ids {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Ids() {}

  public static String toHex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[i * 2] = HEX[(bytes[i] >> 4) & 0xF];
      out[i * 2 + 1] = HEX[bytes[i] & 0xF];
    }
    return new String(out);
  }

  /** Parses hex of either case; throws {@link IllegalArgumentException} naming the bad value. */
  public static byte[] fromHex(String hex) {
    if ((hex.length() & 1) != 0) {
      throw new IllegalArgumentException("id: " + hex + " (expected: an even number of hex digits)");
    }
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = Character.digit(hex.charAt(i * 2), 16);
      int lo = Character.digit(hex.charAt(i * 2 + 1), 16);
      if (hi < 0 || lo < 0) {
        throw new IllegalArgumentException("id: " + hex + " (expected: hex digits only)");
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }

  /** Whether {@code hex} is a valid trace id: 32 hex digits, not all zero. */
  public static boolean isValidTraceId(String hex) {
    return isValidId(hex, 32);
  }

  /** Whether {@code hex} is a valid span id: 16 hex digits, not all zero. */
  public static boolean isValidSpanId(String hex) {
    return isValidId(hex, 16);
  }

  private static boolean isValidId(String hex, int length) {
    if (hex == null || hex.length() != length) {
      return false;
    }
    boolean nonZero = false;
    for (int i = 0; i < length; i++) {
      char c = hex.charAt(i);
      if (Character.digit(c, 16) < 0) {
        return false;
      }
      nonZero |= c != '0';
    }
    return nonZero;
  }

  /**
   * Normalizes a trace id given by a user (any case, possibly shorter than 32 digits as Tempo
   * allows) to 32 lower-case hex digits, or returns {@code null} when it is not hex.
   */
  public static String normalizeTraceId(String id) {
    if (id == null || id.isEmpty() || id.length() > 32) {
      return null;
    }
    for (int i = 0; i < id.length(); i++) {
      if (Character.digit(id.charAt(i), 16) < 0) {
        return null;
      }
    }
    String lower = id.toLowerCase(java.util.Locale.ROOT);
    return "0".repeat(32 - lower.length()) + lower;
  }
}
