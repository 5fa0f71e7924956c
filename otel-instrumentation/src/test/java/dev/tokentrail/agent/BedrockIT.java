package dev.tokentrail.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
  void bedrockConverseCallsArePricedAndAttributed() throws Exception {
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

        List<AgentHarness.StoredSpan> spans = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
          spans.clear();
          spans.addAll(AgentHarness.storedSpans(ports.get("http"),
              "{ resource.service.name = \"bedrock-sample\" && span.gen_ai.operation.name = \"chat\" }"));
          assertThat(spans.stream().filter(s -> s.attributes().containsKey("gen_ai.operation.name"))).hasSize(2);
        });
        for (AgentHarness.StoredSpan s : spans) {
          System.out.println("SPAN scope=" + s.scope + " " + s.span.toString());
        }
      } finally {
        server.destroy();
        server.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
