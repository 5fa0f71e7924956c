package dev.tokentrail.server;

import static dev.tokentrail.server.LlmSpans.chatAttempt;
import static dev.tokentrail.server.LlmSpans.span;
import static dev.tokentrail.server.LlmSpans.spanId;
import static dev.tokentrail.server.LlmSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repricing on a running server: spans priced with catalog file A, the file edited to new prices,
 * {@code POST /api/v1/reprice} and {@code tokentrail reprice} price them again; the trace, cost
 * totals, waste and budgets follow. The catalog file prices invented models only, so the test does
 * not depend on built-in prices.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RepriceIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final double M = 1_000_000.0;
  private static final String ALPHA = "tt-it-alpha";
  private static final String BETA = "tt-it-beta";

  @TempDir static Path dir;
  static Path catalogFile;
  static ServerProcess server;
  static String retryTrace;
  static String betaTrace;
  static long now;

  static String catalog(String version, double alphaIn, double alphaOut, boolean withBeta) {
    String s = "version: \"" + version + "\"\nmodels:\n"
        + "  - provider: openai\n    model: " + ALPHA + "\n    prices:\n      - input: " + alphaIn + "\n        output: " + alphaOut + "\n";
    if (withBeta) {
      s += "  - provider: openai\n    model: " + BETA + "\n    prices:\n      - input: 10.0\n        output: 20.0\n";
    }
    return s;
  }

  /** Attempt 1 failed (billed), attempt 2 succeeded: 1000 input and 100 output tokens each. */
  static double alpha(double in, double out) {
    return (1000 * in + 100 * out) / M;
  }

  static final double BETA_USD = (2000 * 10.0 + 200 * 20.0) / M;

  @BeforeAll
  static void start() throws Exception {
    catalogFile = dir.resolve("our-prices.yaml");
    Files.writeString(catalogFile, catalog("it-a", 1.0, 2.0, false));
    server = ServerProcess.start(dir.resolve("data"), Map.of("TOKENTRAIL_BUDGETS_TEAM", "payments=100"),
        "--price-catalog", catalogFile.toString());
    now = System.currentTimeMillis() - 600_000;
    retryTrace = traceId();
    betaTrace = traceId();
    String root = spanId();
    String betaRoot = spanId();
    Attributes team = Attributes.builder().put("team", "payments").build();
    List<SpanData> spans = List.of(
        span(retryTrace, root, "", "POST /answer", "reprice-bot", now, 5_000, Attributes.empty(), false),
        chatAttempt(retryTrace, root, "reprice-bot", "openai", ALPHA, 1000, 100, now + 100, "500", team),
        chatAttempt(retryTrace, root, "reprice-bot", "openai", ALPHA, 1000, 100, now + 2000, null, team),
        span(betaTrace, betaRoot, "", "POST /summarize", "reprice-bot", now + 3000, 2_000, Attributes.empty(), false),
        chatAttempt(betaTrace, betaRoot, "reprice-bot", "openai", BETA, 2000, 200, now + 3100, null, team));
    export(spans);
    awaitTrace(retryTrace, 3);
    awaitTrace(betaTrace, 2);
  }

  /** Waits until the trace has {@code spans} spans. */
  static void awaitTrace(String traceId, int spans) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      HttpResponse<String> response = server.get("/api/traces/" + traceId);
      assertThat(response.statusCode()).isEqualTo(200);
      int count = 0;
      for (JsonNode batch : JSON.readTree(response.body()).get("batches")) {
        for (JsonNode scope : batch.get("scopeSpans")) {
          count += scope.get("spans").size();
        }
      }
      assertThat(count).isEqualTo(spans);
    });
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  static void export(List<SpanData> spans) {
    SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort).build();
    try {
      assertThat(exporter.export(spans).join(30, TimeUnit.SECONDS).isSuccess()).as("export acknowledged").isTrue();
    } finally {
      exporter.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  static HttpResponse<String> send(String method, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(server.queryUrl(path)))
            .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(120)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode reprice(String query) throws Exception {
    HttpResponse<String> r = send("POST", "/api/v1/reprice" + query);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static JsonNode get(String path) throws Exception {
    HttpResponse<String> r = server.get(path);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** The attributes of each LLM span of a trace, by model. */
  static Map<String, Map<String, JsonNode>> calls(String traceId) throws Exception {
    Map<String, Map<String, JsonNode>> out = new HashMap<>();
    JsonNode trace = get("/api/traces/" + traceId);
    for (JsonNode batch : trace.get("batches")) {
      for (JsonNode scope : batch.get("scopeSpans")) {
        for (JsonNode span : scope.get("spans")) {
          Map<String, JsonNode> attributes = new HashMap<>();
          for (JsonNode kv : span.path("attributes")) {
            attributes.put(kv.get("key").asText(), kv.get("value"));
          }
          if (attributes.containsKey("gen_ai.request.model")) {
            String key = attributes.get("gen_ai.request.model").get("stringValue").asText()
                + (attributes.containsKey("error.type") ? "/error" : "");
            out.put(key, attributes);
          }
        }
      }
    }
    return out;
  }

  static String text(Map<String, JsonNode> attributes, String key) {
    JsonNode v = attributes.get(key);
    return v == null ? null : v.get("stringValue").asText();
  }

  static double usd(Map<String, JsonNode> attributes, String key) {
    return attributes.get(key).get("doubleValue").asDouble();
  }

  static String window() {
    return "?from=" + (now - 3_600_000) + "&to=" + (now + 3_600_000);
  }

  static double costTotal() throws Exception {
    double sum = 0;
    for (JsonNode row : get("/api/v1/cost" + window() + "&step=1d")) {
      sum += row.get("costUsd").asDouble();
    }
    return sum;
  }

  static double retryWaste() throws Exception {
    for (JsonNode row : get("/api/v1/waste/summary" + window())) {
      if (row.get("kind").asText().equals("retry")) {
        return row.get("usd").asDouble();
      }
    }
    throw new AssertionError("no retry row");
  }

  static double budgetSpend() throws Exception {
    JsonNode budgets = get("/api/v1/budgets?team=payments");
    assertThat(budgets).hasSize(1);
    return budgets.get(0).get("spendUsd").asDouble();
  }

  @Test
  @Order(1)
  void catalogAPricesTheCallsAndLeavesTheUnknownModelUnpriced() throws Exception {
    Map<String, Map<String, JsonNode>> calls = calls(retryTrace);
    assertThat(usd(calls.get(ALPHA), "tokentrail.cost.usd")).isCloseTo(alpha(1, 2), within(1e-12));
    assertThat(text(calls.get(ALPHA), "tokentrail.price.version")).endsWith("+it-a");
    assertThat(text(calls(betaTrace).get(BETA), "tokentrail.price.unpriced_reason")).isEqualTo("unknown_model");
    assertThat(costTotal()).isCloseTo(2 * alpha(1, 2), within(1e-12));
    assertThat(retryWaste()).isCloseTo(alpha(1, 2), within(1e-12));
    assertThat(budgetSpend()).isCloseTo(2 * alpha(1, 2), within(1e-12));
  }

  @Test
  @Order(2)
  void onlyPostIsAllowed() throws Exception {
    HttpResponse<String> r = send("GET", "/api/v1/reprice?since=1d");
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("allow")).hasValue("POST");
  }

  @Test
  @Order(3)
  void afterTheFileChangesARepriceAppliesTheNewPricesEverywhereAndASecondChangesNothing() throws Exception {
    String versionA = text(calls(retryTrace).get(ALPHA), "tokentrail.price.version");
    Files.writeString(catalogFile, catalog("it-b", 3.0, 4.0, true));

    JsonNode r = reprice("?since=1d");
    assertThat(r.get("catalogReloaded").asBoolean()).isTrue();
    assertThat(r.get("newVersion").asText()).endsWith("+it-b");
    assertThat(r.get("oldVersions")).extracting(JsonNode::asText).containsExactly(versionA);
    assertThat(r.get("examined").asLong()).isEqualTo(3);
    assertThat(r.get("repriced").asLong()).isEqualTo(3);
    assertThat(r.get("unchanged").asLong()).isZero();
    assertThat(r.get("unpriced").asLong()).isZero();
    assertThat(r.get("usdBefore").asDouble()).isCloseTo(2 * alpha(1, 2), within(1e-12));
    assertThat(r.get("usdAfter").asDouble()).isCloseTo(2 * alpha(3, 4) + BETA_USD, within(1e-12));

    Map<String, Map<String, JsonNode>> calls = calls(retryTrace);
    for (String key : List.of(ALPHA, ALPHA + "/error")) {
      Map<String, JsonNode> a = calls.get(key);
      assertThat(usd(a, "tokentrail.cost.usd")).as(key).isCloseTo(alpha(3, 4), within(1e-12));
      assertThat(text(a, "tokentrail.price.version")).as(key).endsWith("+it-b");
      assertThat(text(a, "tokentrail.price.previous_version")).as(key).isEqualTo(versionA);
      assertThat(usd(a, "tokentrail.cost.previous_usd")).as(key).isCloseTo(alpha(1, 2), within(1e-12));
    }
    Map<String, JsonNode> beta = calls(betaTrace).get(BETA);
    assertThat(usd(beta, "tokentrail.cost.usd")).as("unknown before, known after").isCloseTo(BETA_USD, within(1e-12));
    assertThat(beta).doesNotContainKey("tokentrail.price.unpriced_reason");
    assertThat(text(beta, "tokentrail.price.previous_version")).isEqualTo(versionA);
    awaitTrace(retryTrace, 3); // replaced, not duplicated

    assertThat(costTotal()).isCloseTo(2 * alpha(3, 4) + BETA_USD, within(1e-12));
    assertThat(retryWaste()).isCloseTo(alpha(3, 4), within(1e-12));
    assertThat(budgetSpend()).isCloseTo(2 * alpha(3, 4) + BETA_USD, within(1e-12));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
        get("/api/v1/traces/top" + window()).get(0).get("costUsd").asDouble()).isCloseTo(BETA_USD, within(1e-12)));

    JsonNode again = reprice("?since=1d");
    assertThat(again.get("repriced").asLong()).isZero();
    assertThat(again.get("unchanged").asLong()).isEqualTo(3);
    assertThat(again.get("oldVersions")).extracting(JsonNode::asText).containsExactly(r.get("newVersion").asText());
    assertThat(text(calls(retryTrace).get(ALPHA), "tokentrail.price.previous_version")).isEqualTo(versionA);
  }

  @Test
  @Order(4)
  void theCommandRepricesThroughTheEndpointAndNewSpansUseTheReloadedCatalog() throws Exception {
    String versionB = text(calls(retryTrace).get(ALPHA), "tokentrail.price.version");
    Files.writeString(catalogFile, catalog("it-c", 5.0, 6.0, true));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    RepriceCommand command = new RepriceCommand();
    command.since = "1d";
    command.api.endpoint = server.queryUrl("");
    command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertThat(command.call()).as(err.toString(StandardCharsets.UTF_8)).isZero();
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(printed).contains("repriced:   3", "unchanged:  0", "+it-c", versionB);

    Map<String, JsonNode> a = calls(retryTrace).get(ALPHA);
    assertThat(usd(a, "tokentrail.cost.usd")).isCloseTo(alpha(5, 6), within(1e-12));
    assertThat(text(a, "tokentrail.price.previous_version")).as("the version just before").isEqualTo(versionB);
    assertThat(usd(a, "tokentrail.cost.previous_usd")).isCloseTo(alpha(3, 4), within(1e-12));

    String fresh = traceId();
    export(List.of(chatAttempt(fresh, spanId(), "reprice-bot", "openai", ALPHA, 1000, 100, now + 4000, null, Attributes.empty())));
    awaitTrace(fresh, 1);
    Map<String, JsonNode> priced = calls(fresh).get(ALPHA);
    assertThat(usd(priced, "tokentrail.cost.usd")).as("ingest uses the reloaded catalog").isCloseTo(alpha(5, 6), within(1e-12));
    assertThat(text(priced, "tokentrail.price.version")).endsWith("+it-c");
  }

  @Test
  @Order(5)
  void aBrokenFileIsRefusedNamingFileAndEntryAndTheCatalogInForceStays() throws Exception {
    Files.writeString(catalogFile, "version: \"it-d\"\nmodels:\n  - provider: openai\n    model: " + ALPHA + "\n    prices:\n      - input: 1.0\n");
    HttpResponse<String> r = send("POST", "/api/v1/reprice?since=1d");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("error").asText())
        .contains(catalogFile.toString(), "models[0].prices[0].output", "stays in force");

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    RepriceCommand command = new RepriceCommand();
    command.since = "1d";
    command.api.endpoint = server.queryUrl("");
    command.out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertThat(command.call()).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("400", catalogFile.toString(), "models[0].prices[0].output");

    String fresh = traceId();
    export(List.of(chatAttempt(fresh, spanId(), "reprice-bot", "openai", ALPHA, 1000, 100, now + 5000, null, Attributes.empty())));
    awaitTrace(fresh, 1);
    assertThat(text(calls(fresh).get(ALPHA), "tokentrail.price.version")).as("the old catalog stays").endsWith("+it-c");
  }

  @Test
  @Order(6)
  void theCommandNamesTheCauseWhenItCannotConnect() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    RepriceCommand command = new RepriceCommand();
    command.since = "1d";
    command.api.endpoint = "http://127.0.0.1:1";
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertThat(command.call()).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot reach http://127.0.0.1:1 (connection refused)", "tokentrail serve");

    command.since = "soon";
    assertThat(command.call()).isEqualTo(2);
  }
}
