package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code tokentrail serve} as a child process: the packaged jar, run by the JDK running
 * the tests, on free ports. Stderr goes to a file that failures print. Other modules' integration
 * tests use it through this module's test-jar; the jar's path is the {@code tokentrail.jar} system
 * property.
 */
public final class ServerProcess implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final Process process;
  final Path log;
  public final int grpcPort;
  public final int httpPort;
  public final int queryPort;
  private final List<String> stdout = new ArrayList<>();

  private ServerProcess(Process process, Path log, Map<String, Integer> ports) {
    this.process = process;
    this.log = log;
    this.grpcPort = ports.get("otlp-grpc");
    this.httpPort = ports.get("otlp-http");
    this.queryPort = ports.get("http");
  }

  public static Path jar() {
    Path jar = Path.of(System.getProperty("tokentrail.jar", "target/tokentrail.jar"));
    assertThat(jar).as("the packaged server jar (run 'mvn verify', which packages first)").exists();
    return jar;
  }

  public static ServerProcess start(Path dataDir, String... extraArgs) throws IOException {
    return start(dataDir, Map.of(), extraArgs);
  }

  public static ServerProcess start(Path dataDir, Map<String, String> env, String... extraArgs) throws IOException {
    return start(dataDir, List.of("-Xmx512m"), env, extraArgs);
  }

  /** With the given JVM options (heap size...) instead of the default -Xmx512m. */
  public static ServerProcess start(Path dataDir, List<String> jvmArgs, Map<String, String> env, String... extraArgs)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    command.addAll(List.of(
        "-jar", jar().toString(),
        "serve",
        "--data-dir", dataDir.toString(),
        "--bind-address", "127.0.0.1",
        "--otlp-grpc-port", "0",
        "--otlp-http-port", "0",
        "--http-port", "0"));
    command.addAll(List.of(extraArgs));
    Path log = Files.createTempFile("tokentrail-server", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Map<String, Integer>> ready = CompletableFuture.supplyAsync(() -> {
      Map<String, Integer> ports = new HashMap<>();
      try {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.startsWith("listening ")) {
            String[] kv = line.substring("listening ".length()).split("=");
            ports.put(kv[0], Integer.parseInt(kv[1]));
          } else if (line.equals("ready")) {
            return ports;
          }
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      throw new IllegalStateException("server exited before 'ready'");
    });
    try {
      ServerProcess server = new ServerProcess(process, log, ready.get(60, TimeUnit.SECONDS));
      // Keep draining stdout so the child never blocks on a full pipe.
      Thread drain = new Thread(() -> {
        try {
          for (String line; (line = out.readLine()) != null; ) {
            synchronized (server.stdout) {
              server.stdout.add(line);
            }
          }
        } catch (IOException ignored) {
          // The process ended.
        }
      });
      drain.setDaemon(true);
      drain.start();
      return server;
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IllegalStateException("server did not start: " + e + "\n" + Files.readString(log), e);
    }
  }

  public String queryUrl(String path) {
    return "http://127.0.0.1:" + queryPort + path;
  }

  /** The trace as /api/traces/{id} answers it once it has {@code spans} spans (10 s at most). */
  public com.fasterxml.jackson.databind.JsonNode awaitTrace(String traceId, int spans) {
    com.fasterxml.jackson.databind.JsonNode[] found = new com.fasterxml.jackson.databind.JsonNode[1];
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      HttpResponse<String> response = get("/api/traces/" + traceId);
      assertThat(response.statusCode()).isEqualTo(200);
      com.fasterxml.jackson.databind.JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
      int count = 0;
      for (com.fasterxml.jackson.databind.JsonNode batch : body.get("batches")) {
        for (com.fasterxml.jackson.databind.JsonNode scope : batch.get("scopeSpans")) {
          count += scope.get("spans").size();
        }
      }
      assertThat(count).isEqualTo(spans);
      found[0] = body;
    });
    return found[0];
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(queryUrl(path))).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<byte[]> post(String path, String contentType, byte[] body) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
            .header("Content-Type", contentType)
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** SIGKILL: no shutdown hook, no flush, no commit. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then the exit code. */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("server did not exit within 60 s of SIGTERM");
    }
    return process.exitValue();
  }

  public String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
