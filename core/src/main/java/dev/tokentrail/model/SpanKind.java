package dev.tokentrail.model;

/** OTLP span kinds, in OTLP's numbering order. */
public enum SpanKind {
  UNSPECIFIED,
  INTERNAL,
  SERVER,
  CLIENT,
  PRODUCER,
  CONSUMER;

  private static final SpanKind[] VALUES = values();

  /** The kind for an OTLP enum number; unknown numbers map to {@link #UNSPECIFIED}. */
  public static SpanKind ofNumber(int number) {
    return number >= 0 && number < VALUES.length ? VALUES[number] : UNSPECIFIED;
  }

  /** The TraceQL / Tempo spelling: {@code server}, {@code client}, ... */
  public String traceQlName() {
    return this == UNSPECIFIED ? "unspecified" : name().toLowerCase(java.util.Locale.ROOT);
  }
}
