package dev.tokentrail.server;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code tokentrail prices}: being written (issue 10). */
@Command(name = "prices", mixinStandardHelpOptions = true, description = "Not yet available.")
final class PricesCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("tokentrail prices: not yet available");
    return 2;
  }
}
