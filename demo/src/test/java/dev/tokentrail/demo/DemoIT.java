package dev.tokentrail.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokentrail serve}, then {@code tokentrail demo}: every kind of waste, the outcomes of every
 * team, two providers priced (openai-java and LangChain4j on OpenAI, the Anthropic SDK on Claude),
 * cache reads and writes, reasoning tokens, and a FOCUS export with rows.
 */
class DemoIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dataDir;

  @Test
  void theDemoFillsAFreshServer() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path jar = Path.of("../server/target/tokentrail.jar").toAbsolutePath().normalize();
    Process server = new ProcessBuilder(java, "-Xmx512m", "-jar", jar.toString(), "serve", "--data-dir", dataDir.toString(),
        "--bind-address", "127.0.0.1", "--otlp-grpc-port", "0", "--otlp-http-port", "0", "--http-port", "0")
        .redirectError(dataDir.resolve("server.log").toFile()).start();
    try {
      Map<String, Integer> ports = new HashMap<>();
      BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      for (String line; (line = out.readLine()) != null && !line.equals("ready"); ) {
        String[] kv = line.substring("listening ".length()).split("=");
        ports.put(kv[0], Integer.parseInt(kv[1]));
      }
      Process demo = new ProcessBuilder(java, "-Dtokentrail.home=" + Path.of("..").toAbsolutePath().normalize(), "-jar", jar.toString(),
          "demo", "--endpoint", "http://127.0.0.1:" + ports.get("otlp-http"), "--duration", "15s")
          .redirectErrorStream(true).start();
      String output = new String(demo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(demo.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(demo.exitValue()).as(output).isZero();
      assertThat(output).contains("requests sent");

      String base = "http://127.0.0.1:" + ports.get("http");
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        Map<String, JsonNode> kinds = new HashMap<>();
        for (JsonNode row : JSON.readTree(get(base + "/api/v1/waste/summary"))) {
          kinds.put(row.get("kind").asText(), row);
        }
        assertThat(kinds.get("context").get("usd").asDouble()).isPositive();
        assertThat(kinds.get("cache").get("usd").asDouble()).isPositive();
        assertThat(kinds.get("overkill").get("usd").asDouble()).isPositive();
        assertThat(kinds.get("retry").get("findings").asInt()).isPositive();
        // Answers that failed validation were billed, so their re-asks are paid waste.
        assertThat(kinds.get("retry").get("usd").asDouble()).isPositive();
        // Identical sales e-mail requests, and the partner policy sent unmarked across tickets.
        assertThat(kinds.get("duplicate").get("usd").asDouble()).as("duplicate requests").isPositive();
        assertThat(kinds.get("prefix_cache").get("usd").asDouble()).as("shared prefix not cached").isPositive();
        assertThat(get(base + "/api/v1/unknown-models")).contains("acme-router-v2");
        assertThat(get(base + "/api/v1/outcomes")).contains("ticket_resolved", "ticket_routed", "invoice_extracted");
        assertThat(get(base + "/api/v1/outcomes")).contains("email_drafted");
        assertThat(get(base + "/api/v1/cost?group_by=team&step=1h"))
            .contains("customer-care", "routing", "search", "finance", "partner-support", "sales");
        Map<String, Double> byProvider = new HashMap<>();
        for (JsonNode point : JSON.readTree(get(base + "/api/v1/cost?group_by=provider&step=1h"))) {
          byProvider.merge(point.get("group").asText(), point.get("costUsd").asDouble(), Double::sum);
        }
        assertThat(byProvider).as("USD by provider").hasEntrySatisfying("openai", usd -> assertThat(usd).isPositive())
            .hasEntrySatisfying("anthropic", usd -> assertThat(usd).isPositive());
        // The FOCUS export has a charge for each kind of token the clients reported.
        JsonNode focus = JSON.readTree(get(base + "/api/v1/focus?format=json"));
        Map<String, Long> tokensByMeter = new HashMap<>();
        for (JsonNode row : focus) {
          tokensByMeter.merge(row.get("SkuMeter").asText(), row.get("ConsumedQuantity").asLong(), Long::sum);
          assertThat(row.get("BilledCost").decimalValue()).isNotNegative();
        }
        assertThat(tokensByMeter).as("tokens by SKU meter")
            .hasEntrySatisfying("Cache Read Tokens", n -> assertThat(n).isPositive())
            .hasEntrySatisfying("Cache Write Tokens", n -> assertThat(n).isPositive())
            .hasEntrySatisfying("Reasoning Tokens", n -> assertThat(n).isPositive())
            .hasEntrySatisfying("Output Tokens", n -> assertThat(n).isPositive());
        assertThat(focus.findValuesAsText("ProviderName")).contains("OpenAI", "Anthropic");
        String csv = get(base + "/api/v1/focus");
        assertThat(csv).startsWith("BilledCost,BillingAccountId,");
        assertThat(csv.split("\r\n")).hasSize(focus.size() + 1);
      });
    } finally {
      server.destroy();
      server.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static String get(String url) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
