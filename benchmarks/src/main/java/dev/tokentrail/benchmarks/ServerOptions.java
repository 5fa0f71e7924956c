package dev.tokentrail.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options that say how to start the TokenTrail server as a child process ({@link
 * ServerProcess}), shared by the harnesses that start one ({@code @Mixin}).
 */
final class ServerOptions {
  @Option(names = "--server-jar", defaultValue = "server/target/tokentrail.jar",
      description = "TokenTrail server jar to start (default ${DEFAULT-VALUE}, relative to the working directory).")
  Path serverJar;

  @Option(names = "--java", description = "java binary for the TokenTrail server (default: the one running this).")
  String java;

  @Option(names = "--server-jvm-arg", description = "Extra JVM argument for the TokenTrail server (repeatable).")
  List<String> jvmArgs = new ArrayList<>();
}
