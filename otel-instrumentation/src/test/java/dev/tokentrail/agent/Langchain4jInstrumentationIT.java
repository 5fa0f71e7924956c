package dev.tokentrail.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokentrail.agent.fingerprint.FingerprintSettings;
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
 * The extension's LangChain4j instrumentation, end to end: the real OpenTelemetry Java agent 2.33.1
 * with the packaged extension in a child JVM on the machine's Java 17, the real LangChain4j 1.19.0
 * {@code OpenAiChatModel} and {@code OpenAiStreamingChatModel} (over {@code java.net.http}) against a fake OpenAI-compatible endpoint on
 * loopback, spans exported by OTLP to a real {@code tokentrail serve} and checked as stored there.
 */
class Langchain4jInstrumentationIT {
  private static final String SCOPE = "dev.tokentrail.langchain4j-1";
  /** gpt-4o-mini, OpenAI's published price: $0.15 input, $0.075 cache read, $0.60 output per 1M tokens. */
  private static final double EXPECTED_COST = (200 * 0.15 + 1000 * 0.075 + 80 * 0.60) / 1_000_000;
  @TempDir Path dataDir;

  @Test
  void langchain4jChatCallsBecomePricedGenAiSpans() throws Exception {
    try (FakeChatCompletions provider = new FakeChatCompletions()) {
      Process server = AgentHarness.startServer(dataDir);
      try {
        Map<String, Integer> ports = AgentHarness.readPorts(server);
        Process app = AgentHarness.startApp(Langchain4jSampleApp.class, provider.baseUrl(), ports.get("otlp-grpc"),
            "langchain4j-sample", "-D" + FingerprintSettings.SALT_PROPERTY + "=test-salt",
            // The agent's metrics go to its logging exporter here (agent-flags turns them off: the server derives its own).
            "-Dotel.metrics.exporter=logging", "-Dotel.metric.export.interval=1000");
        String output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(app.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).as(output).isZero();
        assertThat(output)
            .contains("first: chatcmpl-2 billing")
            .contains("second: chatcmpl-3 billing")
            .contains("failing: InvalidRequestException")
            .contains("streamed: chatcmpl-s billing");
        // The GenAI client metrics, which the agent records for no LangChain4j call, come from the extension.
        assertThat(output)
            .contains("name=gen_ai.client.token.usage")
            .contains("name=gen_ai.client.operation.duration")
            .contains("name=tokentrail.llm.cost");
        // One 429 retried by LangChain4j, then the two answers and the streamed one; the 400 is not retried.
        assertThat(provider.requests.get()).as(output).isEqualTo(4);
        assertThat(provider.failing.get()).as(output).isEqualTo(1);

        Map<String, String> scopes = new HashMap<>();
        List<JsonNode> chats = new ArrayList<>();
        Map<String, List<JsonNode>> children = new HashMap<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
          chats.clear();
          scopes.clear();
          children.clear();
          for (AgentHarness.StoredSpan stored : AgentHarness.storedSpans(ports.get("http"),
              "{ resource.service.name = \"langchain4j-sample\" && span.gen_ai.operation.name = \"chat\" }")) {
            JsonNode span = stored.span;
            if (stored.attributes().containsKey("gen_ai.operation.name")) {
              chats.add(span);
              scopes.put(span.get("spanId").asText(), stored.scope);
            } else if (span.hasNonNull("parentSpanId")) {
              children.computeIfAbsent(span.get("parentSpanId").asText(), k -> new ArrayList<>()).add(span);
            }
          }
          // One GenAI span per logical call, nothing nested or doubled.
          assertThat(chats).hasSize(4);
        });

        JsonNode retried = null;
        JsonNode second = null;
        JsonNode failed = null;
        JsonNode streamed = null;
        for (JsonNode span : chats) {
          Map<String, JsonNode> a = AgentHarness.attributes(span);
          assertThat(scopes.get(span.get("spanId").asText())).isEqualTo(SCOPE);
          assertThat(span.get("name").asText()).isEqualTo("chat gpt-4o-mini");
          assertThat(span.get("kind").asText()).contains("CLIENT");
          assertThat(a.get("gen_ai.provider.name").get("stringValue").asText()).isEqualTo("openai");
          assertThat(a.get("gen_ai.request.model").get("stringValue").asText()).isEqualTo("gpt-4o-mini");
          assertThat(a.get("gen_ai.request.temperature").get("doubleValue").asDouble()).isEqualTo(0.2);
          assertThat(a.get("gen_ai.request.top_p").get("doubleValue").asDouble()).isEqualTo(0.9);
          assertThat(a.get("gen_ai.request.max_tokens").get("intValue").asText()).isEqualTo("256");
          assertThat(a.get("tokentrail.team").get("stringValue").asText()).isEqualTo("support");
          assertThat(a.get("tokentrail.feature").get("stringValue").asText()).isEqualTo("triage");
          assertThat(a.get("tokentrail.request.hash").get("stringValue").asText()).matches("[0-9a-f]{32}");
          assertThat(a.get("tokentrail.prefix.hash").get("stringValue").asText()).matches("[0-9a-f]{32}");
          // No prompt text leaves the process.
          assertThat(span.toString()).doesNotContain("invoice").doesNotContain("parcel").doesNotContain("triage bot");
          if (a.containsKey("error.type")) {
            failed = span;
          } else if (a.containsKey("gen_ai.request.stream")) {
            streamed = span;
          } else if ("chatcmpl-2".equals(a.get("gen_ai.response.id").get("stringValue").asText())) {
            retried = span;
          } else {
            second = span;
          }
        }
        assertThat(retried).as("retried span").isNotNull();
        assertThat(second).as("second span").isNotNull();
        assertThat(failed).as("failed span").isNotNull();
        assertThat(streamed).as("streamed span").isNotNull();

        for (JsonNode span : List.of(retried, second, streamed)) {
          Map<String, JsonNode> a = AgentHarness.attributes(span);
          assertThat(a.get("gen_ai.response.model").get("stringValue").asText()).isEqualTo(FakeChatCompletions.RESPONSE_MODEL);
          assertThat(a.get("gen_ai.response.finish_reasons").toString()).contains("\"stop\"");
          // OpenAI semantics already match OTel's: prompt tokens include the cached ones.
          assertThat(a.get("gen_ai.usage.input_tokens").get("intValue").asText()).isEqualTo("1200");
          assertThat(a.get("gen_ai.usage.output_tokens").get("intValue").asText()).isEqualTo("80");
          assertThat(a.get("gen_ai.usage.cache_read.input_tokens").get("intValue").asText()).isEqualTo("1000");
          assertThat(a.get("gen_ai.usage.reasoning.output_tokens").get("intValue").asText()).isEqualTo("30");
          assertThat(a.get("tokentrail.cost.usd").get("doubleValue").asDouble()).isCloseTo(EXPECTED_COST, within(1e-12));
          assertThat(a.get("tokentrail.client.price.source").get("stringValue").asText()).isEqualTo("agent"); // the agent priced it; the server keeps that as the client's
        }

        // The retry happened inside doChat: two java.net.http attempts below the span, counted by the processor.
        assertThat(children.get(retried.get("spanId").asText())).as("HTTP attempts under the retried call").hasSize(2);
        assertThat(children.get(second.get("spanId").asText())).as("HTTP attempts under the second call").hasSize(1);
        assertThat(AgentHarness.attributes(retried).get("tokentrail.retry.attempt").get("intValue").asText()).isEqualTo("1");
        assertThat(AgentHarness.attributes(second).get("tokentrail.retry.attempt").get("intValue").asText()).isEqualTo("0");

        // The streamed call: its span ended when the handler heard the complete response, usage included.
        Map<String, JsonNode> st = AgentHarness.attributes(streamed);
        assertThat(st.get("gen_ai.request.stream").get("boolValue").asBoolean()).isTrue();
        assertThat(st.get("gen_ai.response.id").get("stringValue").asText()).isEqualTo("chatcmpl-s");
        assertThat(st.get("tokentrail.retry.attempt").get("intValue").asText()).isEqualTo("0");

        // The two questions share model and system prompt, so their prefix; the requests differ.
        Map<String, JsonNode> r = AgentHarness.attributes(retried);
        Map<String, JsonNode> s = AgentHarness.attributes(second);
        assertThat(r.get("tokentrail.prefix.hash").get("stringValue").asText())
            .isEqualTo(s.get("tokentrail.prefix.hash").get("stringValue").asText());
        assertThat(r.get("tokentrail.request.hash").get("stringValue").asText())
            .isNotEqualTo(s.get("tokentrail.request.hash").get("stringValue").asText());

        Map<String, JsonNode> f = AgentHarness.attributes(failed);
        assertThat(f.get("error.type").get("stringValue").asText()).isEqualTo("400");
        assertThat(failed.get("status").toString()).contains("ERROR");
        assertThat(f).doesNotContainKey("gen_ai.usage.input_tokens").doesNotContainKey("tokentrail.cost.usd");
        // The failing and the streamed call sent the first question again: the same request as the retried call.
        assertThat(f.get("tokentrail.request.hash").get("stringValue").asText())
            .isEqualTo(r.get("tokentrail.request.hash").get("stringValue").asText());
        assertThat(st.get("tokentrail.request.hash").get("stringValue").asText())
            .isEqualTo(r.get("tokentrail.request.hash").get("stringValue").asText());
      } finally {
        server.destroy();
        server.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void turnedOffByItsFlag() throws Exception {
    try (FakeChatCompletions provider = new FakeChatCompletions()) {
      Process server = AgentHarness.startServer(dataDir);
      try {
        Map<String, Integer> ports = AgentHarness.readPorts(server);
        Process app = AgentHarness.startApp(Langchain4jSampleApp.class, provider.baseUrl(), ports.get("otlp-grpc"),
            "langchain4j-off", "-Dotel.instrumentation.tokentrail-langchain4j.enabled=false",
            "-Dotel.metrics.exporter=logging", "-Dotel.metric.export.interval=1000");
        String output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(app.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).as(output).isZero();
        assertThat(output).contains("first: chatcmpl-2 billing").contains("streamed: chatcmpl-s billing");
        assertThat(output).doesNotContain("name=gen_ai.client.token.usage").doesNotContain("name=tokentrail.llm.cost");

        List<JsonNode> genAi = new ArrayList<>();
        List<JsonNode> http = new ArrayList<>();
        // The agent's HTTP spans of all five requests arrive; no GenAI span comes with them.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
          genAi.clear();
          http.clear();
          for (AgentHarness.StoredSpan stored : AgentHarness.storedSpans(ports.get("http"), "{ resource.service.name = \"langchain4j-off\" }")) {
            (stored.attributes().containsKey("gen_ai.operation.name") ? genAi : http).add(stored.span);
          }
          assertThat(http).hasSize(5);
        });
        assertThat(genAi).isEmpty();
      } finally {
        server.destroy();
        server.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
