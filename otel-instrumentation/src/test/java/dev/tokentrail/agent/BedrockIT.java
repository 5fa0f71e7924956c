package dev.tokentrail.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
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
 * the machine's Java 17, calling a fake Bedrock Runtime endpoint through the real AWS SDK v2
 * (Converse); spans go by OTLP to a real {@code tokentrail serve}.
 */
class BedrockIT {
  @TempDir Path dataDir;

  @Test
  void converseCallsArePricedWithCacheReadsAttributedAndCountRetries() throws Exception {
    try (FakeBedrockRuntime provider = new FakeBedrockRuntime()) {
      Process server = AgentHarness.startServer(dataDir);
      try {
        Map<String, Integer> ports = AgentHarness.readPorts(server);
        Process app = AgentHarness.startApp(BedrockSampleApp.class, provider.endpoint(), ports.get("otlp-grpc"), "bedrock-sample");
        String output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(app.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).as(output).isZero();
        assertThat(output).contains("tokentrail: pricing GenAI spans with catalog").contains("answer: billing");
        assertThat(provider.requests.get()).isEqualTo(3); // one throttled and retried by the SDK, then two answers

        // Every span the service exported: the traces of both calls hold nothing but the agent's
        // one span per call; the HTTP spans of the SDK's attempts are suppressed under it.
        List<AgentHarness.StoredSpan> spans = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
          spans.clear();
          spans.addAll(AgentHarness.storedSpans(ports.get("http"), "{ resource.service.name = \"bedrock-sample\" }"));
          assertThat(spans).hasSize(2);
        });
        List<String> attempts = new ArrayList<>();
        for (AgentHarness.StoredSpan stored : spans) {
          Map<String, JsonNode> a = stored.attributes();
          assertThat(stored.scope).isEqualTo("io.opentelemetry.aws-sdk-2.2");
          assertThat(stored.span.get("name").asText()).isEqualTo("chat " + BedrockSampleApp.MODEL);
          assertThat(text(a, "gen_ai.operation.name")).isEqualTo("chat");
          assertThat(text(a, "gen_ai.provider.name")).isEqualTo("aws.bedrock");
          assertThat(a).doesNotContainKey("gen_ai.system"); // agent 2.33 writes only the provider name
          assertThat(text(a, "gen_ai.request.model")).isEqualTo(BedrockSampleApp.MODEL);
          assertThat(text(a, "rpc.method")).isEqualTo("Converse");
          // Bedrock reported inputTokens 200 beside 1000 cache reads; the extension makes the span
          // count them as the OTel conventions do: input includes the cache reads.
          assertThat(number(a, "gen_ai.usage.input_tokens")).isEqualTo(FakeBedrockRuntime.INPUT_TOKENS + FakeBedrockRuntime.CACHE_READ_TOKENS);
          assertThat(number(a, "gen_ai.usage.cache_read.input_tokens")).isEqualTo(FakeBedrockRuntime.CACHE_READ_TOKENS);
          assertThat(number(a, "gen_ai.usage.cache_creation.input_tokens")).isZero();
          assertThat(number(a, "gen_ai.usage.output_tokens")).isEqualTo(FakeBedrockRuntime.OUTPUT_TOKENS);
          // Claude Sonnet 4.5 through a regional (us.) Bedrock inference profile, AWS's published
          // price 10 % above the global profile's: $3.30 in, $0.33 cache read, $16.50 out per 1M
          // tokens. The catalog's aws entry for regional profiles prices it.
          double expected = (200 * 3.30 + 1000 * 0.33 + 80 * 16.50) / 1_000_000;
          assertThat(a.get("tokentrail.cost.usd").get("doubleValue").asDouble()).isCloseTo(expected, within(1e-12));
          assertThat(text(a, "tokentrail.client.price.source")).isEqualTo("agent"); // the agent priced it; the server keeps that as the client's
          assertThat(text(a, "tokentrail.price.model")).isEqualTo("regional.anthropic.claude-sonnet-4-5-20250929-v1:0");
          assertThat(text(a, "tokentrail.price.provider")).isEqualTo("aws");
          assertThat(text(a, "tokentrail.team")).isEqualTo("search");
          assertThat(text(a, "tokentrail.feature")).isEqualTo("answer-question");
          attempts.add(a.get("tokentrail.retry.attempt").get("intValue").asText());
        }
        // The first call was throttled once and answered by the SDK's second attempt.
        assertThat(attempts).containsExactlyInAnyOrder("1", "0");
      } finally {
        server.destroy();
        server.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static String text(Map<String, JsonNode> attributes, String key) {
    assertThat(attributes).as("attribute " + key).containsKey(key);
    return attributes.get(key).get("stringValue").asText();
  }

  private static long number(Map<String, JsonNode> attributes, String key) {
    assertThat(attributes).as("attribute " + key).containsKey(key);
    return attributes.get(key).get("intValue").asLong();
  }
}
