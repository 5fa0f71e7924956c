package dev.tokentrail.model;

/** OTLP span status codes, in OTLP's numbering order. */
public enum StatusCode {
  UNSET,
  OK,
  ERROR;

  private static final StatusCode[] VALUES = values();

  public static StatusCode ofNumber(int number) {
    return number >= 0 && number < VALUES.length ? VALUES[number] : UNSET;
  }

  /** The TraceQL spelling: {@code unset}, {@code ok}, {@code error}. */
  public String traceQlName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
