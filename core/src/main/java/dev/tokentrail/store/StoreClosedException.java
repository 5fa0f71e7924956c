package dev.tokentrail.store;

/** The store is shutting down or failed; writes are refused. */
public final class StoreClosedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
