package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./tokentrail serve} as a person runs it: the launcher script starting the packaged jar on
 * the JDK running the tests (JDK 25 here). The JVM and the libraries print no warning on stderr
 * (sun.misc.Unsafe memory access, native access, duplicate meters), through a start, an export and
 * a scrape, to a clean stop.
 */
class LauncherIT {
  @Test
  void serveStartsWithoutWarnings(@TempDir Path data) throws Exception {
    ServerProcess.jar();
    Path launcher = Path.of("..", "tokentrail").toAbsolutePath().normalize();
    assertThat(launcher).exists();
    Path stderr = Files.createTempFile(data, "stderr", ".log");
    ProcessBuilder builder = new ProcessBuilder(List.of(launcher.toString(), "serve",
        "--data-dir", data.resolve("d").toString(), "--bind-address", "127.0.0.1",
        "--http-port", "0", "--otlp-grpc-port", "0", "--otlp-http-port", "0"))
        .redirectError(stderr.toFile());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().remove("TOKENTRAIL_JAVA_OPTS");
    builder.environment().remove("JDK_JAVA_OPTIONS");
    Process process = builder.start();
    try {
      Map<String, Integer> ports = new HashMap<>();
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      for (String line; (line = out.readLine()) != null && !line.equals("ready"); ) {
        if (line.startsWith("listening ")) {
          String[] kv = line.substring("listening ".length()).split("=");
          ports.put(kv[0], Integer.parseInt(kv[1]));
        }
      }
      assertThat(ports).as(Files.readString(stderr)).containsKeys("http", "otlp-http", "otlp-grpc");
      HttpClient http = HttpClient.newHttpClient();
      long now = System.currentTimeMillis() * 1_000_000L;
      String export = """
          {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "launcher-it"}}]},
           "scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
            "name": "chat gpt-4o", "kind": 3, "startTimeUnixNano": "%d", "endTimeUnixNano": "%d",
            "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
             {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
             {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
             {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1200"}},
             {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "70"}}]}]}]}]}
          """.formatted(now, now + 900_000_000L);
      HttpResponse<String> exported = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get("otlp-http") + "/v1/traces"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(export)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(exported.statusCode()).as(exported.body()).isEqualTo(200);
      HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get("http") + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.body()).contains("tokentrail_llm_calls_total{");

      process.destroy();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isZero();
      String log = Files.readString(stderr);
      // The one warning an open server owes its operator (docs/security.md); nothing else.
      assertThat(log).contains("auth: no tokens file (auth.tokens_file): every port is open");
      assertThat(log.lines().filter(l -> l.startsWith("WARNING:") || l.contains(" WARN "))
              .filter(l -> !l.contains("auth: no tokens file")).toList())
          .as("warnings on stderr:%n%s", log).isEmpty();
      assertThat(log).contains("stopped");
    } finally {
      process.destroyForcibly();
    }
  }
}
