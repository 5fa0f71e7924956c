package dev.tokentrail.server;

import dev.tokentrail.model.Durations;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tokentrail demo}: runs the sample service (real openai-java, Anthropic Java SDK and
 * LangChain4j calls to in-process fake providers) under the OpenTelemetry agent with TokenTrail's
 * extension, sending its traces to a running server, so a newcomer sees spend, waste and outcomes
 * within a minute.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Sends realistic LLM traffic (OpenAI and Anthropic SDKs, LangChain4j; retries, growing agent contexts, overkill calls, shared prompts, duplicate requests, outcomes) from an instrumented sample service to a running server.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--endpoint", defaultValue = "http://localhost:4318", description = "The server's OTLP endpoint (default ${DEFAULT-VALUE}).")
  String endpoint;

  @Option(names = "--duration", defaultValue = "2m", description = "How long to send traffic, e.g. 30s, 2m (default ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--home", defaultValue = "${sys:tokentrail.home:-.}", description = "The TokenTrail checkout (default: where ./tokentrail runs).")
  Path home;

  @Override
  public Integer call() throws Exception {
    long durationMillis;
    try {
      durationMillis = Durations.parse(duration, "--duration").toMillis();
    } catch (IllegalArgumentException e) {
      System.err.println("tokentrail demo: " + e.getMessage());
      return 2;
    }
    Path root = home.toAbsolutePath().normalize();
    Path jar = root.resolve("demo/target/tokentrail-demo.jar");
    Path lib = root.resolve("demo/target/lib");
    if (!Files.exists(jar) || !Files.isDirectory(lib)) {
      System.err.println("tokentrail demo: " + jar + " is missing; build it with './tokentrail build'");
      return 1;
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    try {
      command.addAll(AgentFlagsCommand.flags(root, endpoint, null, "support-demo"));
    } catch (IllegalStateException e) {
      System.err.println("tokentrail demo: " + e.getMessage());
      return 1;
    }
    command.add("-Dotel.bsp.schedule.delay=500");
    command.addAll(List.of("-cp", jar + File.pathSeparator + lib + File.separator + "*", "dev.tokentrail.demo.DemoApp", Long.toString(durationMillis)));
    System.err.println("tokentrail demo: sending traffic to " + endpoint + " for " + duration);
    Process process = new ProcessBuilder(command).inheritIO().start();
    return process.waitFor();
  }
}
