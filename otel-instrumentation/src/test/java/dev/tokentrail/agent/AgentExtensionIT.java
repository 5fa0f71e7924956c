package dev.tokentrail.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokentrail.agent.fingerprint.FingerprintSettings;
import dev.tokentrail.agent.fingerprint.RequestFingerprint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real OpenTelemetry Java agent 2.33.1 with the packaged extension, attached to a child JVM on
 * the machine's Java 17 (proving the Java 11+ claim) that calls a fake OpenAI endpoint through the
 * real openai-java SDK; spans go by OTLP to a real {@code tokentrail serve}.
 */
class AgentExtensionIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SALT = "test-salt";
  @TempDir Path dataDir;

  @Test
  void openAiCallsArePricedAttributedAndFingerprinted() throws Exception {
    try (FakeOpenAi provider = new FakeOpenAi()) {
      Process server = AgentHarness.startServer(dataDir);
      try {
        Map<String, Integer> ports = AgentHarness.readPorts(server);
        Process app = AgentHarness.startApp(SampleApp.class, provider.baseUrl(), ports.get("otlp-grpc"), "agent-sample",
            "-D" + FingerprintSettings.SALT_PROPERTY + "=" + SALT);
        String output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(app.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).as(output).isZero();
        assertThat(output).contains("tokentrail: pricing GenAI spans with catalog").contains("answer: billing");
        assertThat(provider.requests.get()).isEqualTo(3); // one 429 retried by the SDK, then two answers

        List<JsonNode> spans = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
          spans.clear();
          for (AgentHarness.StoredSpan stored : AgentHarness.storedSpans(ports.get("http"),
              "{ resource.service.name = \"agent-sample\" && span.gen_ai.operation.name = \"chat\" }")) {
            if (stored.span.get("name").asText().startsWith("chat")) {
              spans.add(stored.span);
            }
          }
          assertThat(spans).hasSize(2);
        });
        List<String> attempts = new ArrayList<>();
        for (JsonNode span : spans) {
          attempts.add(AgentHarness.attributes(span).get("tokentrail.retry.attempt").get("intValue").asText());
        }
        // The first call was rate-limited once and answered by the SDK's second HTTP attempt.
        assertThat(attempts).containsExactlyInAnyOrder("1", "0");
        assertFingerprints(spans, provider.bodies);
        for (JsonNode span : spans) {
          Map<String, JsonNode> a = AgentHarness.attributes(span);
          // gpt-4o ($2.50 in, $1.25 cached, $10 out per 1M): 200 uncached + 1000 cached in, 80 out.
          double expected = (200 * 2.50 + 1000 * 1.25 + 80 * 10.0) / 1_000_000;
          assertThat(a.get("tokentrail.cost.usd").get("doubleValue").asDouble()).isCloseTo(expected, within(1e-12));
          assertThat(a.get("tokentrail.client.price.source").get("stringValue").asText()).isEqualTo("agent"); // the agent priced it; the server keeps that as the client's
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

  /**
   * Each span carries the salted hashes of exactly the body the SDK sent (recomputed here from what
   * the provider received), the two questions share their prefix (model and system prompt), and no
   * prompt text was exported.
   */
  @SuppressWarnings("unchecked")
  private static void assertFingerprints(List<JsonNode> spans, List<String> bodies) throws Exception {
    List<String> expectedRequests = new ArrayList<>();
    List<String> expectedPrefixes = new ArrayList<>();
    for (String body : bodies) {
      RequestFingerprint fingerprint = RequestFingerprint.of(JSON.readValue(body, Map.class), SALT.getBytes(StandardCharsets.UTF_8));
      expectedRequests.add(fingerprint.requestHash());
      expectedPrefixes.add(fingerprint.prefixHash());
    }
    List<String> requestHashes = new ArrayList<>();
    List<String> prefixHashes = new ArrayList<>();
    for (JsonNode span : spans) {
      Map<String, JsonNode> a = AgentHarness.attributes(span);
      requestHashes.add(a.get("tokentrail.request.hash").get("stringValue").asText());
      prefixHashes.add(a.get("tokentrail.prefix.hash").get("stringValue").asText());
      assertThat(span.toString()).doesNotContain("invoice").doesNotContain("parcel").doesNotContain("Classify");
    }
    assertThat(requestHashes).doesNotHaveDuplicates().allMatch(h -> h.matches("[0-9a-f]{32}"));
    assertThat(expectedRequests).containsAll(requestHashes); // the 429'd body and its retry are one request
    assertThat(prefixHashes).containsOnly(expectedPrefixes.get(0));
  }
}
