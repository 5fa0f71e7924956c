package dev.tokentrail.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tokentrail agent-flags}: the JVM flags that attach the OpenTelemetry Java agent with
 * TokenTrail's extension to a service, with absolute jar paths, ready to paste.
 */
@Command(
    name = "agent-flags",
    mixinStandardHelpOptions = true,
    description = "Prints the JVM flags that attach the OpenTelemetry Java agent and the TokenTrail extension to a service.")
final class AgentFlagsCommand implements Callable<Integer> {
  @Option(names = "--endpoint", defaultValue = "http://localhost:4317",
      description = "OTLP endpoint of the TokenTrail server (default ${DEFAULT-VALUE}; gRPC on 4317, or http://host:4318 for HTTP).")
  String endpoint;

  @Option(names = "--service-name", defaultValue = "my-service", description = "The service's name (default ${DEFAULT-VALUE}).")
  String serviceName;

  @Option(names = "--home", defaultValue = "${sys:tokentrail.home:-.}", description = "The TokenTrail checkout (default: where ./tokentrail runs).")
  Path home;

  @Override
  public Integer call() {
    Path dir = home.toAbsolutePath().normalize().resolve("otel-instrumentation").resolve("target");
    Path agent = dir.resolve("opentelemetry-javaagent.jar");
    Path extension = dir.resolve("tokentrail-agent-extension.jar");
    if (!Files.exists(agent) || !Files.exists(extension)) {
      System.err.println("tokentrail agent-flags: " + (Files.exists(agent) ? extension : agent)
          + " is missing; build it with './tokentrail build'");
      return 1;
    }
    boolean http = endpoint.contains(":4318");
    System.out.println("-javaagent:" + agent
        + " -Dotel.javaagent.extensions=" + extension
        + " -Dotel.service.name=" + serviceName
        + " -Dotel.exporter.otlp.endpoint=" + endpoint
        + " -Dotel.exporter.otlp.protocol=" + (http ? "http/protobuf" : "grpc")
        + " -Dotel.metrics.exporter=none -Dotel.logs.exporter=none");
    return 0;
  }
}
