package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two tenants on one server with a tokens file: alpha exports the waste scenario over OTLP/gRPC,
 * beta its own calls over OTLP/HTTP (beta's token stored as a SHA-256 digest), both with the OTel
 * SDK's exporters sending {@code Authorization: Bearer}. Every read endpoint shows each tenant only
 * its own services, traces, tags and series; missing, wrong and under-privileged tokens are refused.
 */
class TenantIsolationIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String ALPHA_INGEST = "alpha-ingest-7f3a9c21d4e8b6f0";
  private static final String ALPHA_QUERY = "alpha-query-2b8e4d1f6a9c3e70";
  private static final String BETA = "beta-both-91c4e7a2f5d8b3e6";
  private static final String ADMIN = "admin-5e2a8c1d9f4b7e36";
  /** What only alpha's data holds, and what only beta's does. */
  private static final List<String> ALPHA_MARKS = List.of("support-bot", "research-agent", "ticket-router");
  private static final List<String> BETA_MARKS = List.of("beta-svc", "beta-team", "beta.only.key", "beta-unpriced-model");

  @TempDir static Path dir;
  static Path tokens;
  static ServerProcess server;
  static WasteScenario alpha;
  static String betaTrace;
  static long from;

  @BeforeAll
  static void feed() throws Exception {
    tokens = dir.resolve("tokens");
    Files.writeString(tokens, """
        # token                      tenant  roles
        %s alpha ingest
        %s alpha query
        sha256:%s beta ingest,query
        %s ops admin
        """.formatted(ALPHA_INGEST, ALPHA_QUERY, sha256(BETA), ADMIN));
    Map<String, String> env = new HashMap<>(WasteScenario.catalogEnv(dir));
    env.put("TOKENTRAIL_AUTH_RELOAD_INTERVAL", "200ms");
    env.put("TOKENTRAIL_WASTE_INTERVAL", "500ms");
    env.put("TOKENTRAIL_BUDGETS_TEAM", "support=100");
    // alpha may send 1 span a second: its one big export overdraws the bucket for minutes.
    Path perTenant = dir.resolve("per-tenant.yaml");
    Files.writeString(perTenant, """
        alpha:
          ingest_spans_per_second: 1
        beta:
          budgets:
            team: {beta-team: 50}
        """);
    env.put("TOKENTRAIL_LIMITS_PER_TENANT_FILE", perTenant.toString());
    server = ServerProcess.start(dir.resolve("data"), env, "--auth-tokens-file", tokens.toString());
    long now = System.currentTimeMillis();
    from = now / 1000 - 3600;
    alpha = WasteScenario.startingAt(now - 120_000);
    SpanExporter alphaExporter = OtlpGrpcSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + server.grpcPort).addHeader("authorization", "Bearer " + ALPHA_INGEST).build();
    assertThat(export(alphaExporter, alpha.spans()).isSuccess()).isTrue();

    betaTrace = LlmSpans.traceId();
    String root = LlmSpans.spanId();
    List<SpanData> beta = new ArrayList<>();
    beta.add(LlmSpans.root(betaTrace, root, "beta-svc", now - 60_000));
    beta.add(LlmSpans.call(betaTrace, root, "beta-svc", WasteScenario.PROVIDER, "fx-small", 400, 20, now - 60_000,
        Attributes.builder().put("team", "beta-team").put("beta.only.key", "b").build()));
    beta.add(LlmSpans.call(betaTrace, root, "beta-svc", "openai", "beta-unpriced-model", 10, 2, now - 59_000,
        Attributes.builder().put("team", "beta-team").build()));
    SpanExporter betaExporter = OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + server.httpPort + "/v1/traces").addHeader("Authorization", "Bearer " + BETA).build();
    assertThat(export(betaExporter, beta).isSuccess()).isTrue();

    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      assertThat(get("/api/traces/" + alpha.retryTraceId(), ALPHA_QUERY).statusCode()).isEqualTo(200);
      assertThat(get("/api/traces/" + betaTrace, BETA).statusCode()).isEqualTo(200);
    });
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyReadEndpointShowsEachTenantOnlyItsOwnData() throws Exception {
    String q = URLEncoder.encode("{ }", StandardCharsets.UTF_8);
    String metricsQ = URLEncoder.encode("{ } | count_over_time() by (resource.service.name)", StandardCharsets.UTF_8);
    String to = Long.toString(System.currentTimeMillis() / 1000 + 60);
    String window = "start=" + from + "&end=" + to;
    String msWindow = "from=" + from * 1000 + "&to=" + to + "000";
    List<String> endpoints = List.of(
        "/api/search?q=" + q + "&limit=100&" + window,
        "/api/search?" + window,
        "/api/search/tags?" + window,
        "/api/v2/search/tags?" + window,
        "/api/search/tag/service.name/values?" + window,
        "/api/v2/search/tag/resource.service.name/values?" + window,
        "/api/v2/search/tag/span.team/values?" + window,
        "/api/metrics/query_range?q=" + metricsQ + "&step=60s&" + window,
        "/api/metrics/query?q=" + metricsQ + "&" + window,
        "/api/v1/cost?" + msWindow,
        "/api/v1/cost?group_by=team&" + msWindow,
        "/api/v1/waste/summary?" + msWindow,
        "/api/v1/waste/retries?" + msWindow,
        "/api/v1/waste/context?" + msWindow,
        "/api/v1/waste/cache?" + msWindow,
        "/api/v1/waste/overkill?" + msWindow,
        "/api/v1/waste/duplicates?" + msWindow,
        "/api/v1/waste/prefix-cache?" + msWindow,
        "/api/v1/efficiency?" + msWindow,
        "/api/v1/outcomes?" + msWindow,
        "/api/v1/budgets",
        "/api/v1/traces/top?" + msWindow,
        "/api/v1/unknown-models",
        "/metrics");
    for (String endpoint : endpoints) {
      HttpResponse<String> asAlpha = get(endpoint, ALPHA_QUERY);
      HttpResponse<String> asBeta = get(endpoint, BETA);
      assertThat(asAlpha.statusCode()).as("alpha: " + endpoint).isEqualTo(200);
      assertThat(asBeta.statusCode()).as("beta: " + endpoint).isEqualTo(200);
      assertThat(asAlpha.body()).as("alpha: " + endpoint).doesNotContain(BETA_MARKS);
      assertThat(asBeta.body()).as("beta: " + endpoint).doesNotContain(ALPHA_MARKS);
    }
    // Each tenant does see its own data where the endpoint lists it.
    assertThat(get(endpoints.get(0), ALPHA_QUERY).body()).contains("support-bot");
    assertThat(get(endpoints.get(0), BETA).body()).contains("beta-svc");
    assertThat(get(endpoints.get(3), BETA).body()).contains("beta.only.key");
    assertThat(get(endpoints.get(7), BETA).body()).contains("beta-svc");
    assertThat(get("/api/v1/waste/retries?" + msWindow, ALPHA_QUERY).body()).contains(alpha.retryTraceId());
  }

  @Test
  void unknownModelsWasteAndBudgetsAreEachTenantsOwn() throws Exception {
    assertThat(get("/api/v1/unknown-models", BETA).body()).contains("beta-unpriced-model");
    assertThat(get("/api/v1/unknown-models", ALPHA_QUERY).body()).doesNotContain("beta-unpriced-model");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      String alphaMetrics = get("/metrics", ALPHA_QUERY).body();
      assertThat(sample(alphaMetrics, "tokentrail_waste_usd_total{kind=\"retry\",tenant=\"alpha\"}")).isPositive();
      assertThat(alphaMetrics).contains("tokentrail_budget_limit_usd{name=\"support\",scope=\"team\",tenant=\"alpha\"} 100.0");
      assertThat(get("/metrics", BETA).body())
          .contains("tokentrail_budget_limit_usd{name=\"beta-team\",scope=\"team\",tenant=\"beta\"} 50.0")
          .contains("tokentrail_unknown_models{tenant=\"beta\"} 1.0")
          .doesNotContain("name=\"support\"");
    });
    assertThat(get("/metrics", ALPHA_QUERY).body()).contains("tokentrail_ingest_spans_received_total{protocol=\"grpc\",tenant=\"alpha\"}");
    assertThat(get("/api/v1/budgets", BETA).body()).contains("beta-team").doesNotContain("\"support\"");
  }

  @Test
  void aTenantOverItsIngestRateIsRefusedWhileAnotherTenantsExportIsStored() throws Exception {
    byte[] export = io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(io.opentelemetry.proto.trace.v1.ResourceSpans.newBuilder()
            .addScopeSpans(io.opentelemetry.proto.trace.v1.ScopeSpans.newBuilder()
                .addSpans(io.opentelemetry.proto.trace.v1.Span.newBuilder()
                    .setTraceId(com.google.protobuf.ByteString.copyFrom(HexFormat.of().parseHex(LlmSpans.traceId())))
                    .setSpanId(com.google.protobuf.ByteString.copyFrom(HexFormat.of().parseHex(LlmSpans.spanId())))
                    .setName("rate-probe")
                    .setStartTimeUnixNano(System.currentTimeMillis() * 1_000_000L)
                    .setEndTimeUnixNano(System.currentTimeMillis() * 1_000_000L + 1000))))
        .build().toByteArray();

    HttpResponse<byte[]> alphaRefused = postSpans(ALPHA_INGEST, export);
    HttpResponse<byte[]> betaAccepted = postSpans(BETA, export);

    assertThat(alphaRefused.statusCode()).isEqualTo(429);
    assertThat(Long.parseLong(alphaRefused.headers().firstValue("retry-after").orElseThrow()))
        .as("alpha's one big export overdrew a 1 span/s bucket").isGreaterThan(1);
    assertThat(com.google.rpc.Status.parseFrom(alphaRefused.body()).getMessage()).contains("tenant alpha");
    assertThat(betaAccepted.statusCode()).isEqualTo(200);
  }

  /** The value of one series in a /metrics text. */
  private static double sample(String metrics, String series) {
    return metrics.lines().filter(l -> l.startsWith(series + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim().split(" ")[0]))
        .orElseThrow(() -> new AssertionError("no " + series + " in /metrics"));
  }

  private static HttpResponse<byte[]> postSpans(String token, byte[] body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort + "/v1/traces"))
            .header("Content-Type", "application/x-protobuf").header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void anotherTenantsTraceIsNotFound() throws Exception {
    assertThat(get("/api/traces/" + betaTrace, ALPHA_QUERY).statusCode()).isEqualTo(404);
    assertThat(get("/api/v2/traces/" + alpha.retryTraceId(), BETA).statusCode()).isEqualTo(404);
    assertThat(get("/api/v2/traces/" + betaTrace, BETA).statusCode()).isEqualTo(200);
  }

  @Test
  void metricsCarryTheTenantLabelAndShowEachCallerItsOwnSeries() throws Exception {
    assertThat(get("/metrics", BETA).body())
        .contains("service=\"beta-svc\",status=\"ok\",team=\"beta-team\",tenant=\"beta\"}").doesNotContain("tenant=\"alpha\"");
    assertThat(get("/metrics", ALPHA_QUERY).body())
        .contains("service=\"support-bot\"", "tenant=\"alpha\"}").doesNotContain("tenant=\"beta\"");
    assertThat(get("/metrics", ADMIN).body()).contains("tenant=\"alpha\"", "tenant=\"beta\"");
    HttpResponse<String> anonymous = get("/metrics", null);
    assertThat(anonymous.statusCode()).isEqualTo(200);
    assertThat(anonymous.body()).contains("tokentrail_ingest_requests_total").doesNotContain("tenant=\"");
    assertThat(get("/ready", null).statusCode()).isEqualTo(200);
  }

  @Test
  void missingWrongAndUnderPrivilegedTokensAreRefused() throws Exception {
    HttpResponse<String> none = get("/api/search", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("www-authenticate")).hasValue("Bearer");
    assertThat(get("/api/search", "not-a-token").statusCode()).isEqualTo(401);
    assertThat(get("/api/search", ALPHA_INGEST).statusCode()).as("ingest-only token").isEqualTo(403);
    assertThat(get("/api/search", ALPHA_QUERY, "beta").statusCode()).as("X-Scope-OrgID of another tenant").isEqualTo(403);
    assertThat(get("/api/search", ALPHA_QUERY, "alpha").statusCode()).isEqualTo(200);

    SpanData span = LlmSpans.root(LlmSpans.traceId(), LlmSpans.spanId(), "query-only", System.currentTimeMillis());
    SpanExporter queryOnly = OtlpGrpcSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + server.grpcPort).addHeader("authorization", "Bearer " + ALPHA_QUERY).build();
    assertThat(export(queryOnly, List.of(span)).isSuccess()).as("gRPC export with a query-only token").isFalse();
    HttpResponse<byte[]> wrong = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort + "/v1/traces"))
            .header("Content-Type", "application/x-protobuf").header("Authorization", "Bearer wrong")
            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0])).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(wrong.statusCode()).isEqualTo(401);
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(wrong.body());
    assertThat(status.getCode()).isEqualTo(com.google.rpc.Code.UNAUTHENTICATED_VALUE);
    assertThat(status.getMessage()).isEqualTo("unauthenticated");
  }

  @Test
  void queryRoutesAnswerOnlyTheirMethods() throws Exception {
    for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(server.queryUrl("/api/search")))
              .header("Authorization", "Bearer " + ALPHA_QUERY)
              .method(method, HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(method).isEqualTo(405);
    }
  }

  @Test
  void aChangedTokensFileIsReloadedAndABadOneKeepsTheLastGoodTokens() throws Exception {
    String added = "gamma-query-6d1b9e4a2c7f5e83";
    String before = Files.readString(tokens);
    try {
      Files.writeString(tokens, before + added + " gamma query\n");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get("/api/search", added).statusCode()).isEqualTo(200));
      Files.writeString(tokens, "this line is not a token line at all\n");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(server.logText()).contains("keeping the"));
      assertThat(get("/api/search", added).statusCode()).isEqualTo(200);
      assertThat(get("/api/search", ALPHA_QUERY).statusCode()).isEqualTo(200);
    } finally {
      Files.writeString(tokens, before);
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get("/api/search", added).statusCode()).isEqualTo(401));
  }

  private static CompletableResultCode export(SpanExporter exporter, List<SpanData> spans) {
    CompletableResultCode result = exporter.export(spans).join(30, TimeUnit.SECONDS);
    exporter.shutdown().join(10, TimeUnit.SECONDS);
    return result;
  }

  static HttpResponse<String> get(String path, String token) throws Exception {
    return get(path, token, null);
  }

  static HttpResponse<String> get(String path, String token, String orgId) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.queryUrl(path))).timeout(Duration.ofSeconds(30));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (orgId != null) {
      request.header("X-Scope-OrgID", orgId);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String sha256(String token) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
  }
}
