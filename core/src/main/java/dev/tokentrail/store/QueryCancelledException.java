package dev.tokentrail.store;

/** A read stopped because its request ended or ran out of time; nobody waits for its answer. */
public final class QueryCancelledException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public QueryCancelledException(String message) {
    super(message, null, false, false);
  }
}
