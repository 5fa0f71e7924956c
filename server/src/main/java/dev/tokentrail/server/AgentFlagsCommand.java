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

  @Option(names = "--protocol", description = "grpc or http/protobuf (default: grpc for port 4317, else http/protobuf).")
  String protocol;

  @Option(names = "--service-name", defaultValue = "my-service", description = "The service's name (default ${DEFAULT-VALUE}).")
  String serviceName;

  @Option(names = "--home", defaultValue = "${sys:tokentrail.home:-.}", description = "The TokenTrail checkout (default: where ./tokentrail runs).")
  Path home;

  @Override
  public Integer call() {
    try {
      System.out.println(String.join(" ", flags(home, endpoint, protocol, serviceName)));
      return 0;
    } catch (IllegalStateException e) {
      System.err.println("tokentrail agent-flags: " + e.getMessage());
      return 1;
    }
  }

  /** The flags, or {@link IllegalStateException} naming the missing jar. */
  static java.util.List<String> flags(Path home, String endpoint, String protocol, String serviceName) {
    String resolved = protocol != null ? protocol : (endpoint.replaceAll("/+$", "").endsWith(":4317") ? "grpc" : "http/protobuf");
    if (!resolved.equals("grpc") && !resolved.equals("http/protobuf")) {
      throw new IllegalStateException("--protocol: " + protocol + " (expected: grpc or http/protobuf)");
    }
    Path dir = home.toAbsolutePath().normalize().resolve("otel-instrumentation").resolve("target");
    Path agent = dir.resolve("opentelemetry-javaagent.jar");
    Path extension = dir.resolve("tokentrail-agent-extension.jar");
    if (!Files.exists(agent) || !Files.exists(extension)) {
      throw new IllegalStateException((Files.exists(agent) ? extension : agent) + " is missing; build it with './tokentrail build'");
    }
    return java.util.List.of(
        "-javaagent:" + agent,
        "-Dotel.javaagent.extensions=" + extension,
        "-Dotel.service.name=" + serviceName,
        "-Dotel.exporter.otlp.endpoint=" + endpoint,
        "-Dotel.exporter.otlp.protocol=" + resolved,
        "-Dotel.metrics.exporter=none",
        "-Dotel.logs.exporter=none");
  }
}
