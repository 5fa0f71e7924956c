package dev.tokentrail.store.conformance;

import java.time.Duration;

/** Polls an assertion until it holds or a deadline passes: stores are near-real-time. */
public final class Polling {
  private Polling() {}

  /** An assertion that may throw. */
  @FunctionalInterface
  public interface Check {
    void run() throws Exception;
  }

  /** Runs {@code check} until it passes; past {@code bound}, its last failure is thrown. */
  public static void await(Duration bound, Check check) {
    long deadline = System.nanoTime() + bound.toNanos();
    long pause = 5;
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError | Exception e) {
        if (System.nanoTime() - deadline >= 0) {
          AssertionError timedOut = new AssertionError("not true within " + bound + ": " + e.getMessage(), e);
          throw timedOut;
        }
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while polling", e);
      }
      pause = Math.min(100, pause * 2);
    }
  }
}
