package dev.tokentrail.server;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server does with a {@link VirtualMachineError} (OutOfMemoryError...): logs it once and
 * halts with {@link #EXIT_CODE}, without shutdown hooks (a heap that is out of memory cannot be
 * trusted to run them), so that a supervisor restarts the process. Acknowledged spans are in the
 * write-ahead log; the restart replays it in bounded steps. The halt is injectable for tests.
 */
final class FatalErrors {
  private static final Logger LOG = LoggerFactory.getLogger(FatalErrors.class);
  /** Exit code of a halt after a fatal error (EX_SOFTWARE). */
  static final int EXIT_CODE = 70;

  static final FatalErrors HALT = new FatalErrors(code -> Runtime.getRuntime().halt(code));
  /** For in-process servers (tests): logs, never halts. */
  static final FatalErrors LOG_ONLY = new FatalErrors(code -> {});

  private final IntConsumer halt;
  private final AtomicBoolean reported = new AtomicBoolean();

  FatalErrors(IntConsumer halt) {
    this.halt = requireNonNull(halt, "halt");
  }

  /** Logs {@code error} (the first one only) and halts. */
  void handle(Throwable error) {
    if (reported.compareAndSet(false, true)) {
      try {
        System.err.println("tokentrail: fatal error " + error + "; halting with exit code " + EXIT_CODE + " (a supervisor should restart the process)");
        LOG.error("fatal error {}; halting with exit code {} so that a supervisor restarts the process; acknowledged spans are in the write-ahead log", error.toString(), EXIT_CODE);
      } catch (Throwable ignored) {
        // Out of memory even for the message: halt all the same.
      }
    }
    halt.accept(EXIT_CODE);
  }

  /** Routes an uncaught VirtualMachineError on any thread to {@code errors}. */
  static void installUncaughtHandler(FatalErrors errors) {
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
      if (error instanceof VirtualMachineError) {
        errors.handle(error);
      } else if (previous != null) {
        previous.uncaughtException(thread, error);
      } else {
        System.err.print("Exception in thread \"" + thread.getName() + "\" ");
        error.printStackTrace();
      }
    });
  }
}
