package dev.tokentrail.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real OpenTelemetry Java agent sending a bearer token, configured the documented way
 * ({@code otel.exporter.otlp.headers=authorization=Bearer ...}), to a server with a tokens file:
 * its spans are stored under the token's tenant, found with that tenant's query token and not
 * with another tenant's.
 */
class AgentTokenIT {
  private static final String INGEST = "agent-ingest-4c7e1a9b2d6f8e03";
  private static final String QUERY = "agent-query-9e2b5d7a1c4f6e80";
  private static final String OTHER = "other-query-3a8f6c1e9b2d7e54";

  @TempDir Path dir;

  @Test
  void theAgentsSpansAreStoredUnderItsTokensTenant() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, INGEST + " payments ingest\n" + QUERY + " payments query\n" + OTHER + " other query\n");
    try (FakeOpenAi provider = new FakeOpenAi()) {
      Process server = AgentHarness.startServer(dir.resolve("data"), "--auth-tokens-file", tokens.toString());
      try {
        Map<String, Integer> ports = AgentHarness.readPorts(server);
        Process app = AgentHarness.startApp(SampleApp.class, provider.baseUrl(), ports.get("otlp-grpc"), "agent-with-token",
            "-Dotel.exporter.otlp.headers=authorization=Bearer " + INGEST);
        String output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(app.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).as(output).isZero();
        assertThat(output).doesNotContain("UNAUTHENTICATED", "PERMISSION_DENIED");

        String search = "http://127.0.0.1:" + ports.get("http") + "/api/search?limit=20&q="
            + URLEncoder.encode("{ resource.service.name = \"agent-with-token\" }", StandardCharsets.UTF_8);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
            assertThat(AgentHarness.get(search, QUERY).body()).contains("agent-with-token"));
        assertThat(AgentHarness.get(search, OTHER).body()).as("another tenant's query token").doesNotContain("agent-with-token");
        assertThat(AgentHarness.get(search).statusCode()).as("no token").isEqualTo(401);
      } finally {
        server.destroy();
        server.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
