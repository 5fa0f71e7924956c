package dev.tokentrail.store;

/** The store's write queue is full; the caller should retry after {@link #retryAfterSeconds()}. */
public final class StoreOverloadedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int retryAfterSeconds;

  public StoreOverloadedException(String message, int retryAfterSeconds) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
