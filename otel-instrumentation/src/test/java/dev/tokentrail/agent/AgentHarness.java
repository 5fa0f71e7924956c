package dev.tokentrail.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The real parts of the agent end-to-end tests: the packaged {@code tokentrail serve}, the flags
 * {@code tokentrail agent-flags} prints, and a sample application in a child JVM on an older Java.
 */
final class AgentHarness {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private AgentHarness() {}

  static Path serverJar() {
    Path jar = Path.of(System.getProperty("tokentrail.server.jar", "../server/target/tokentrail.jar"));
    assertThat(jar).as("the server jar (built by the server module)").exists();
    return jar;
  }

  static String currentJava() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static Process startServer(Path dataDir, String... extraArgs) throws Exception {
    List<String> command = new ArrayList<>(List.of(currentJava(), "-Xmx512m", "-jar", serverJar().toString(),
        "serve", "--data-dir", dataDir.toString(), "--bind-address", "127.0.0.1",
        "--otlp-grpc-port", "0", "--otlp-http-port", "0", "--http-port", "0"));
    command.addAll(List.of(extraArgs));
    Files.createDirectories(dataDir);
    return new ProcessBuilder(command).redirectError(dataDir.resolve("server.log").toFile()).start();
  }

  /** The ports the server printed, read up to its {@code ready} line. */
  static Map<String, Integer> readPorts(Process server) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    Map<String, Integer> ports = new HashMap<>();
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("listening ")) {
        String[] kv = line.substring(10).split("=");
        ports.put(kv[0], Integer.parseInt(kv[1]));
      } else if (line.equals("ready")) {
        return ports;
      }
    }
    throw new AssertionError("server exited before 'ready'");
  }

  /** The flags {@code tokentrail agent-flags} prints, exactly as a user would paste them. */
  static List<String> agentFlags(int grpcPort, String serviceName) throws Exception {
    Process flags = new ProcessBuilder(currentJava(),
        "-Dtokentrail.home=" + Path.of("..").toAbsolutePath().normalize(), "-jar", serverJar().toString(),
        "agent-flags", "--endpoint", "http://127.0.0.1:" + grpcPort, "--protocol", "grpc", "--service-name", serviceName).start();
    String out = new String(flags.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String err = new String(flags.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(flags.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(flags.exitValue()).as(err).isZero();
    List<String> result = List.of(out.split(" "));
    assertThat(result.get(0)).startsWith("-javaagent:/").endsWith("opentelemetry-javaagent.jar");
    assertThat(Path.of(result.get(0).substring("-javaagent:".length()))).exists();
    return result;
  }

  /**
   * Runs {@code main} with the agent and extension attached, on the machine's Java 17. The
   * application's classpath has the SDKs and the samples, but neither the agent nor the
   * extension's own classes (the agent injects the extension's helpers itself).
   */
  static Process startApp(Class<?> main, String baseUrl, int grpcPort, String serviceName, String... jvmFlags) throws Exception {
    List<String> classpath = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      boolean extension = entry.replace('\\', '/').endsWith("target/classes")
          || name.startsWith("tokentrail-otel-instrumentation") || name.startsWith("tokentrail-agent-extension");
      if (!entry.contains("opentelemetry-javaagent-" + "2.") && !extension) {
        classpath.add(entry);
      }
    }
    List<String> command = new ArrayList<>();
    command.add(java17OrOlder());
    command.addAll(agentFlags(grpcPort, serviceName));
    command.add("-Dotel.bsp.schedule.delay=100");
    command.addAll(List.of(jvmFlags));
    command.addAll(List.of("-cp", String.join(File.pathSeparator, classpath), main.getName(), baseUrl));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** The machine's Java 17 (or another pre-21 JDK), so the extension is proven on an older runtime. */
  static String java17OrOlder() throws Exception {
    for (String candidate : new String[] {"/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-11-openjdk-amd64"}) {
      Path java = Path.of(candidate, "bin", "java");
      if (Files.isExecutable(java)) {
        return java.toString();
      }
    }
    try (var dirs = Files.list(Path.of("/usr/lib/jvm"))) {
      List<Path> older = dirs.filter(d -> d.getFileName().toString().matches(".*-(11|17)(-.*)?")).collect(Collectors.toList());
      if (!older.isEmpty()) {
        return older.get(0).resolve("bin/java").toString();
      }
    } catch (java.io.IOException e) {
      // No JVM folder: fall through.
    }
    // Running on the build's JDK would pass without proving the claim.
    throw new IllegalStateException("no Java 11 or 17 under /usr/lib/jvm: these tests prove the extension on a pre-21 runtime"
        + " (install Debian's openjdk-17-jre-headless)");
  }

  static Map<String, JsonNode> attributes(JsonNode span) {
    Map<String, JsonNode> out = new HashMap<>();
    for (JsonNode kv : span.get("attributes")) {
      out.put(kv.get("key").asText(), kv.get("value"));
    }
    return out;
  }

  static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** GET with {@code Authorization: Bearer token}. */
  static HttpResponse<String> get(String url, String token) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A span as the server stored it, with the name of the instrumentation scope that made it. */
  static final class StoredSpan {
    final String scope;
    final JsonNode span;

    StoredSpan(String scope, JsonNode span) {
      this.scope = scope;
      this.span = span;
    }

    Map<String, JsonNode> attributes() {
      return AgentHarness.attributes(span);
    }
  }

  /** Every span of the traces the server finds for {@code traceQl}, read back through the Tempo API. */
  static List<StoredSpan> storedSpans(int queryPort, String traceQl) throws Exception {
    String base = "http://127.0.0.1:" + queryPort;
    String query = java.net.URLEncoder.encode(traceQl, java.nio.charset.StandardCharsets.UTF_8);
    List<StoredSpan> spans = new ArrayList<>();
    JsonNode result = TRACES_JSON.readTree(get(base + "/api/search?q=" + query + "&spss=10&limit=20").body());
    for (JsonNode trace : result.get("traces")) {
      JsonNode full = TRACES_JSON.readTree(get(base + "/api/traces/" + trace.get("traceID").asText()).body());
      for (JsonNode batch : full.get("batches")) {
        for (JsonNode scope : batch.get("scopeSpans")) {
          for (JsonNode span : scope.get("spans")) {
            spans.add(new StoredSpan(scope.path("scope").path("name").asText(), span));
          }
        }
      }
    }
    return spans;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper TRACES_JSON = new com.fasterxml.jackson.databind.ObjectMapper();
}
