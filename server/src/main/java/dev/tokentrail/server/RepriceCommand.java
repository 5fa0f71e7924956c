package dev.tokentrail.server;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code tokentrail reprice}: being written (issue 10). */
@Command(name = "reprice", mixinStandardHelpOptions = true, description = "Not yet available.")
final class RepriceCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("tokentrail reprice: not yet available");
    return 2;
  }
}
