package dev.tokentrail.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extension's own Anthropic instrumentation, end to end: the real OpenTelemetry Java agent 2.33.1
 * with the packaged extension in a child JVM on the machine's Java 17, the real anthropic-java SDK
 * (blocking, async, streaming, and a call that fails for good) against a fake Anthropic endpoint on
 * loopback, spans exported by OTLP to a real {@code tokentrail serve} and checked as stored there.
 */
class AnthropicInstrumentationIT {
  /** claude-sonnet-4-5, Anthropic's published price: $3 input, $0.30 cache read, $15 output per 1M tokens. */
  private static final double EXPECTED_COST = (200 * 3.00 + 1000 * 0.30 + 50 * 15.00) / 1_000_000;
  @TempDir Path dataDir;

  @Test
  void anthropicCallsBecomePricedGenAiSpans() throws Exception {
    try (FakeAnthropic provider = new FakeAnthropic()) {
      Process server = AgentHarness.startServer(dataDir);
      try {
        Map<String, Integer> ports = AgentHarness.readPorts(server);
        // The agent's metrics go to its logging exporter here (agent-flags turns them off: the server derives its own).
        Process app = AgentHarness.startApp(AnthropicSampleApp.class, provider.baseUrl(), ports.get("otlp-grpc"), "anthropic-sample",
            "-Dotel.metrics.exporter=logging", "-Dotel.metric.export.interval=1000");
        String output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(app.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).as(output).isZero();
        assertThat(output)
            .contains("blocking: msg_2 billing")
            .contains("async: msg_3 billing")
            .contains("streamed: billing")
            .contains("failing: 529")
            .contains("self-traced: msg_5 billing");
        // The GenAI client metrics, which the agent records for no Anthropic call, come from the extension.
        assertThat(output)
            .contains("name=gen_ai.client.token.usage")
            .contains("name=gen_ai.client.operation.duration")
            .contains("name=tokentrail.llm.cost");
        // One 429 retried by the SDK, then the blocking, async, streamed and self-traced answers; the failing client never retries.
        assertThat(provider.requests.get()).as(output).isEqualTo(5);
        assertThat(provider.failing.get()).isEqualTo(1);

        Map<String, JsonNode> chats = new HashMap<>();
        List<JsonNode> sdkSpans = new ArrayList<>();
        Map<String, List<JsonNode>> children = new HashMap<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
          chats.clear();
          sdkSpans.clear();
          children.clear();
          for (AgentHarness.StoredSpan stored : AgentHarness.storedSpans(ports.get("http"),
              "{ resource.service.name = \"anthropic-sample\" && span.gen_ai.provider.name = \"anthropic\" }")) {
            JsonNode span = stored.span;
            if (span.get("name").asText().startsWith("chat ")) {
              // Made by this extension's instrumentation, not by the SDK or the agent.
              assertThat(stored.scope).isEqualTo("dev.tokentrail.anthropic-java-3");
              chats.put(span.get("spanId").asText(), span);
            } else if (stored.attributes().containsKey("gen_ai.operation.name")) {
              sdkSpans.add(span);
            }
            if (!span.get("name").asText().startsWith("chat ") && span.hasNonNull("parentSpanId")) {
              children.computeIfAbsent(span.get("parentSpanId").asText(), k -> new ArrayList<>()).add(span);
            }
          }
          assertThat(chats).hasSize(4);
          assertThat(sdkSpans).hasSize(1);
        });

        // A client with the SDK's own tracing on (its default): the SDK's span is the call's only
        // GenAI span, so the call is priced once; the extension made none of its own.
        JsonNode selfTraced = sdkSpans.get(0);
        Map<String, JsonNode> s = AgentHarness.attributes(selfTraced);
        assertThat(selfTraced.get("name").asText()).isEqualTo("anthropic.messages.create");
        assertThat(s.get("gen_ai.response.id").get("stringValue").asText()).isEqualTo("msg_5");
        assertThat(s.get("tokentrail.cost.usd").get("doubleValue").asDouble()).isCloseTo(EXPECTED_COST, within(1e-12));
        for (JsonNode chat : chats.values()) {
          assertThat(chat.get("traceId").asText()).isNotEqualTo(selfTraced.get("traceId").asText());
        }
        // Every call, whoever traced it, carries the fingerprints of the body the SDK sent.
        List<JsonNode> genAiSpans = new ArrayList<>(chats.values());
        genAiSpans.add(selfTraced);
        for (JsonNode span : genAiSpans) {
          Map<String, JsonNode> a = AgentHarness.attributes(span);
          assertThat(a.get("tokentrail.request.hash").get("stringValue").asText()).matches("[0-9a-f]{32}");
          assertThat(a.get("tokentrail.prefix.hash").get("stringValue").asText()).matches("[0-9a-f]{32}");
        }

        JsonNode retried = null;
        JsonNode async = null;
        JsonNode streamed = null;
        JsonNode failed = null;
        for (JsonNode span : chats.values()) {
          Map<String, JsonNode> a = AgentHarness.attributes(span);
          assertThat(span.get("name").asText()).isEqualTo("chat claude-sonnet-4-5");
          assertThat(span.get("kind").asText()).contains("CLIENT");
          assertThat(a.get("gen_ai.operation.name").get("stringValue").asText()).isEqualTo("chat");
          assertThat(a.get("gen_ai.provider.name").get("stringValue").asText()).isEqualTo("anthropic");
          assertThat(a.get("gen_ai.request.model").get("stringValue").asText()).isEqualTo("claude-sonnet-4-5");
          assertThat(a.get("gen_ai.request.max_tokens").get("intValue").asText()).isEqualTo("256");
          assertThat(a.get("tokentrail.team").get("stringValue").asText()).isEqualTo("support");
          if (a.containsKey("error.type")) {
            failed = span;
          } else if (a.containsKey("gen_ai.request.stream")) {
            streamed = span;
          } else if ("msg_2".equals(a.get("gen_ai.response.id").get("stringValue").asText())) {
            retried = span;
          } else {
            async = span;
          }
        }
        assertThat(retried).as("blocking span").isNotNull();
        assertThat(async).as("async span").isNotNull();
        assertThat(streamed).as("streaming span").isNotNull();
        assertThat(failed).as("failed span").isNotNull();

        for (JsonNode span : List.of(retried, async, streamed)) {
          Map<String, JsonNode> a = AgentHarness.attributes(span);
          assertThat(a.get("gen_ai.response.model").get("stringValue").asText()).isEqualTo("claude-sonnet-4-5-20250929");
          assertThat(a.get("gen_ai.response.finish_reasons").toString()).contains("end_turn");
          // OTel semantics: input includes the cache reads (200 uncached + 1000 read).
          assertThat(a.get("gen_ai.usage.input_tokens").get("intValue").asText()).isEqualTo("1200");
          assertThat(a.get("gen_ai.usage.output_tokens").get("intValue").asText()).isEqualTo("50");
          assertThat(a.get("gen_ai.usage.cache_read.input_tokens").get("intValue").asText()).isEqualTo("1000");
          assertThat(a.get("gen_ai.usage.cache_creation.input_tokens").get("intValue").asText()).isEqualTo("0");
          assertThat(a.get("tokentrail.cost.usd").get("doubleValue").asDouble()).isCloseTo(EXPECTED_COST, within(1e-12));
          assertThat(a.get("tokentrail.client.price.source").get("stringValue").asText()).isEqualTo("agent"); // the agent priced it; the server keeps that as the client's
        }
        assertThat(AgentHarness.attributes(streamed).get("gen_ai.request.stream").get("boolValue").asBoolean()).isTrue();

        // The SDK's retry happened inside the blocking span: two okhttp attempts below it, counted by the processor.
        String retriedId = retried.get("spanId").asText();
        assertThat(children.get(retriedId)).as("HTTP attempts under the retried call").hasSize(2);
        assertThat(AgentHarness.attributes(retried).get("tokentrail.retry.attempt").get("intValue").asText()).isEqualTo("1");
        assertThat(AgentHarness.attributes(streamed).get("tokentrail.retry.attempt").get("intValue").asText()).isEqualTo("0");

        Map<String, JsonNode> f = AgentHarness.attributes(failed);
        assertThat(f.get("error.type").get("stringValue").asText()).isEqualTo("529");
        assertThat(failed.get("status").toString()).contains("ERROR");
        assertThat(f).doesNotContainKey("gen_ai.usage.input_tokens").doesNotContainKey("tokentrail.cost.usd");
        assertThat(f.get("tokentrail.retry.attempt").get("intValue").asText()).isEqualTo("0");
      } finally {
        server.destroy();
        server.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
