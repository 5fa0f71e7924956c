package dev.tokentrail.query.traceql;

/** A query TokenTrail cannot run: the message names the construct and its 1-based column. */
public final class TraceQlException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int column;

  public TraceQlException(String message, int offset) {
    super("TraceQL error at column " + (offset + 1) + ": " + message);
    this.column = offset + 1;
  }

  public int column() {
    return column;
  }
}
