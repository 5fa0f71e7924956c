package dev.tokentrail.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real OpenTelemetry Java agent 2.33.1 with the packaged extension, attached to a child JVM on
 * the machine's Java 17 (proving the Java 11+ claim) that calls a fake OpenAI endpoint through the
 * real openai-java SDK; spans go by OTLP to a real {@code tokentrail serve}.
 */
class AgentExtensionIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir Path dataDir;

  @Test
  void openAiCallsArePricedAndAttributedFromBaggage() throws Exception {
    try (FakeOpenAi provider = new FakeOpenAi()) {
      Process server = startServer();
      try {
        Map<String, Integer> ports = readPorts(server);
        Process app = startApp(provider.baseUrl(), ports.get("otlp-grpc"));
        String output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(app.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).as(output).isZero();
        assertThat(output).contains("tokentrail: pricing GenAI spans with catalog").contains("answer: billing");
        assertThat(provider.requests.get()).isEqualTo(3); // one 429 retried by the SDK, then two answers

        String query = URLEncoder.encode("{ resource.service.name = \"agent-sample\" && span.gen_ai.operation.name = \"chat\" }", StandardCharsets.UTF_8);
        String base = "http://127.0.0.1:" + ports.get("http");
        List<JsonNode> spans = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
          spans.clear();
          JsonNode result = JSON.readTree(get(base + "/api/search?q=" + query + "&spss=10").body());
          for (JsonNode trace : result.get("traces")) {
            JsonNode full = JSON.readTree(get(base + "/api/traces/" + trace.get("traceID").asText()).body());
            for (JsonNode batch : full.get("batches")) {
              for (JsonNode scope : batch.get("scopeSpans")) {
                for (JsonNode span : scope.get("spans")) {
                  if (span.get("name").asText().startsWith("chat")) {
                    spans.add(span);
                  }
                }
              }
            }
          }
          assertThat(spans).hasSize(2);
        });
        List<String> attempts = new ArrayList<>();
        for (JsonNode span : spans) {
          attempts.add(attributes(span).get("tokentrail.retry.attempt").get("intValue").asText());
        }
        // The first call was rate-limited once and answered by the SDK's second HTTP attempt.
        assertThat(attempts).containsExactlyInAnyOrder("1", "0");
        for (JsonNode span : spans) {
          Map<String, JsonNode> a = attributes(span);
          // gpt-4o ($2.50 in, $1.25 cached, $10 out per 1M): 200 uncached + 1000 cached in, 80 out.
          double expected = (200 * 2.50 + 1000 * 1.25 + 80 * 10.0) / 1_000_000;
          assertThat(a.get("tokentrail.cost.usd").get("doubleValue").asDouble()).isCloseTo(expected, within(1e-12));
          assertThat(a.get("tokentrail.price.source").get("stringValue").asText()).isEqualTo("agent");
          assertThat(a.get("tokentrail.team").get("stringValue").asText()).isEqualTo("search");
          assertThat(a.get("tokentrail.feature").get("stringValue").asText()).isEqualTo("answer-question");
          assertThat(a.get("gen_ai.usage.cache_read.input_tokens").get("intValue").asText()).isEqualTo("1000");
        }
      } finally {
        server.destroy();
        server.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static Map<String, JsonNode> attributes(JsonNode span) {
    Map<String, JsonNode> out = new HashMap<>();
    for (JsonNode kv : span.get("attributes")) {
      out.put(kv.get("key").asText(), kv.get("value"));
    }
    return out;
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private Process startServer() throws Exception {
    Path jar = Path.of(System.getProperty("tokentrail.server.jar", "../server/target/tokentrail.jar"));
    assertThat(jar).as("the server jar (built by the server module)").exists();
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar", jar.toString(),
        "serve", "--data-dir", dataDir.toString(), "--bind-address", "127.0.0.1",
        "--otlp-grpc-port", "0", "--otlp-http-port", "0", "--http-port", "0")
        .redirectError(dataDir.resolve("server.log").toFile()).start();
  }

  private static Map<String, Integer> readPorts(Process server) throws Exception {
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
  private static List<String> agentFlags(int grpcPort) throws Exception {
    Path jar = Path.of(System.getProperty("tokentrail.server.jar", "../server/target/tokentrail.jar"));
    Process flags = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dtokentrail.home=" + Path.of("..").toAbsolutePath().normalize(), "-jar", jar.toString(),
        "agent-flags", "--endpoint", "http://127.0.0.1:" + grpcPort, "--protocol", "grpc", "--service-name", "agent-sample").start();
    String out = new String(flags.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String err = new String(flags.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(flags.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(flags.exitValue()).as(err).isZero();
    List<String> result = List.of(out.split(" "));
    assertThat(result.get(0)).startsWith("-javaagent:/").endsWith("opentelemetry-javaagent.jar");
    assertThat(Path.of(result.get(0).substring("-javaagent:".length()))).exists();
    return result;
  }

  private Process startApp(String baseUrl, int grpcPort) throws Exception {
    List<String> classpath = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!entry.contains("opentelemetry-javaagent-" + "2.")) {
        classpath.add(entry);
      }
    }
    List<String> command = new ArrayList<>();
    command.add(java17OrOlder());
    command.addAll(agentFlags(grpcPort));
    command.add("-Dotel.bsp.schedule.delay=100");
    command.addAll(List.of("-cp", String.join(File.pathSeparator, classpath), SampleApp.class.getName(), baseUrl));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** The machine's Java 17 (or another pre-21 JDK), so the extension is proven on an older runtime. */
  private static String java17OrOlder() throws Exception {
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
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
