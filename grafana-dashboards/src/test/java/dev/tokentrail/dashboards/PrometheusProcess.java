package dev.tokentrail.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (the Debian package's {@code /usr/bin/prometheus}) as a child process on a
 * free loopback port, scraping one target, and {@code promtool} runs.
 */
final class PrometheusProcess implements AutoCloseable {
  static final String INSTALL_HINT = "install the Debian package 'prometheus' (apt-get install -y prometheus), "
      + "which provides /usr/bin/prometheus and /usr/bin/promtool";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final int port;

  private PrometheusProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Fails, saying what to install, when {@code prometheus} or {@code promtool} is not on the PATH. */
  static void requireInstalled() {
    for (String tool : List.of("prometheus", "promtool")) {
      try {
        Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new AssertionError(tool + " --version failed; " + INSTALL_HINT);
        }
      } catch (IOException e) {
        throw new AssertionError(tool + " not found on the PATH: " + INSTALL_HINT, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /**
   * Starts Prometheus scraping {@code 127.0.0.1:targetPort/metrics} every {@code scrapeSeconds}
   * and evaluating {@code ruleFile} as often, with its config and data under {@code workDir}.
   */
  static PrometheusProcess start(Path workDir, int targetPort, int scrapeSeconds, Path ruleFile) throws Exception {
    Path config = workDir.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: " + scrapeSeconds + "s",
        "  evaluation_interval: " + scrapeSeconds + "s",
        "rule_files:",
        "  - " + ruleFile.toAbsolutePath(),
        "scrape_configs:",
        "  - job_name: tokentrail",
        "    metrics_path: /metrics",
        "    static_configs:",
        "      - targets: ['127.0.0.1:" + targetPort + "']",
        ""));
    run(workDir, "promtool", "check", "config", config.toString());
    // The port is free when chosen; if another process takes it first, Prometheus exits and we retry.
    for (int attempt = 1; ; attempt++) {
      int port = freePort();
      Path log = workDir.resolve("prometheus-" + attempt + ".log");
      Process process = new ProcessBuilder("prometheus",
          "--config.file=" + config,
          "--storage.tsdb.path=" + workDir.resolve("data-" + attempt),
          "--web.listen-address=127.0.0.1:" + port,
          "--log.level=warn")
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      PrometheusProcess prometheus = new PrometheusProcess(process, port);
      if (prometheus.awaitReady(Duration.ofSeconds(30))) {
        return prometheus;
      }
      prometheus.close();
      if (attempt == 3) {
        throw new AssertionError("Prometheus did not become ready:\n" + Files.readString(log));
      }
    }
  }

  private boolean awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(url("/-/ready"))).build(),
            HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return true;
        }
      } catch (IOException notYet) {
        // Not listening yet.
      }
      Thread.sleep(200);
    }
    return false;
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** GET an HTTP API path with query parameters; asserts Prometheus's {@code status: success}. */
  JsonNode api(String path, Map<String, String> params) throws IOException, InterruptedException {
    List<String> query = new ArrayList<>();
    params.forEach((k, v) -> query.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    String uri = url(path) + (query.isEmpty() ? "" : "?" + String.join("&", query));
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(uri + ": " + response.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("status").asText()).as(uri + ": " + response.body()).isEqualTo("success");
    return body.path("data");
  }

  /** The result of an instant query now. */
  JsonNode query(String promql) throws IOException, InterruptedException {
    return api("/api/v1/query", Map.of("query", promql)).path("result");
  }

  /** Runs a tool in {@code dir}, asserts it exits 0, and returns its output. */
  static String run(Path dir, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command) + " finished").isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + " exit code; output:\n" + output).isZero();
    return output;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
