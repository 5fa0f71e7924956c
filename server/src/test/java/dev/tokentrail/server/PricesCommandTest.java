package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import dev.tokentrail.ingest.UnknownModels;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tokentrail prices}: resolution and cost breakdown on an invented catalog file (amounts
 * worked out by hand below), tiers, dated aliases, errors and exit codes, --json, and --unknown
 * against a running server.
 */
class PricesCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Invented models of an invented provider. acme-reason-1: from 2025-01-01 $4 input, $0.40 cache
   * read, $5 cache write, $8 one-hour cache write, $20 output, each doubled-ish above 100k input;
   * from 2025-09-01 a flat $3 / $15. acme-mini: an alias serving acme-mini-2025-01-01 ($1 / $2, no
   * cache price) from 2025-01-01 and acme-mini-2025-06-01 ($0.50 / $0.10 cached / $1) from
   * 2025-06-01. acme-think does not bill reasoning as output.
   */
  private static final String CATALOG = """
      version: "test-7"
      models:
        - provider: acme
          model: acme-reason-1
          tier: standard
          prices:
            - effective_from: 2025-01-01
              input: 4.00
              cache_read: 0.40
              cache_write: 5.00
              cache_write_1h: 8.00
              output: 20.00
              above: {100000: {input: 8.00, cache_read: 0.80, cache_write: 10.00, cache_write_1h: 16.00, output: 30.00}}
            - effective_from: 2025-09-01
              input: 3.00
              cache_read: 0.30
              output: 15.00
        - provider: acme
          model: acme-mini-2025-01-01
          tier: small
          prices:
            - input: 1.00
              output: 2.00
        - provider: acme
          model: acme-mini-2025-06-01
          tier: small
          prices:
            - input: 0.50
              cache_read: 0.10
              output: 1.00
        - provider: acme
          model: acme-think
          reasoning_billed_as_output: false
          prices:
            - input: 2.00
              output: 6.00
      aliases:
        - provider: acme
          alias: acme-mini
          serves:
            - {from: 2025-01-01, model: acme-mini-2025-01-01}
            - {from: 2025-06-01, model: acme-mini-2025-06-01}
      """;

  @TempDir static Path dir;
  static Path catalog;

  @BeforeAll
  static void writeCatalog() throws Exception {
    catalog = dir.resolve("acme-prices.yaml");
    Files.writeString(catalog, CATALOG);
  }

  record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return JSON.readTree(out);
    }

    /** The breakdown line of one kind of token ("cache read", "total"), below "Cost:". */
    String line(String label) {
      for (String l : out.substring(Math.max(0, out.indexOf("\nCost:"))).split("\n")) {
        if (l.strip().startsWith(label + "  ")) {
          return l;
        }
      }
      throw new AssertionError("no line '" + label + "' in:\n" + out);
    }
  }

  static Run run(String... args) {
    return run(Map.of(), args);
  }

  static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PricesCommand command = new PricesCommand();
    command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    command.env = env;
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(command.out, true));
    cli.setErr(new PrintWriter(command.err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static String[] withCatalog(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--catalog");
    all.add(catalog.toString());
    return all.toArray(String[]::new);
  }

  // ------------------------------------------------------------------ resolution and breakdown

  @Test
  void breaksTheCostDownByKindOfToken() throws Exception {
    Run run = run(withCatalog("acme-reason-1", "--provider", "acme", "--input", "50000", "--cached", "20000",
        "--cache-write", "10000", "--cache-write-1h", "4000", "--output", "3000", "--reasoning", "1000", "--at", "2025-03-01"));

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("resolved to   acme/acme-reason-1", "tier standard", "file " + catalog)
        .contains("catalog       ", "+test-7")
        .doesNotContain("dated alias", "prompt-size tier: above");
    // 20,000 uncached x $4 = $0.08; 20,000 cached x $0.40 = $0.008; 6,000 five-minute writes x $5 =
    // $0.03; 4,000 one-hour writes x $8 = $0.032; 2,000 output x $20 = $0.04; 1,000 reasoning x $20
    // = $0.02. Total $0.21.
    assertThat(run.line("uncached input")).contains("20,000", "4.00", "$0.08");
    assertThat(run.line("cache read")).contains("20,000", "0.40", "$0.008");
    assertThat(run.line("cache write")).contains("6,000", "5.00", "$0.03");
    assertThat(run.line("cache write 1h")).contains("4,000", "8.00", "$0.032");
    assertThat(run.line("output")).contains("2,000", "20.00", "$0.04");
    assertThat(run.line("reasoning")).contains("1,000", "20.00", "$0.02");
    assertThat(run.line("total")).endsWith("$0.21");
  }

  @Test
  void aTierAppliesToTheWholeCallAboveItsThreshold() throws Exception {
    Run run = run(withCatalog("acme-reason-1", "--provider", "acme", "--input", "150000", "--cached", "50000",
        "--output", "2000", "--at", "2025-03-01"));

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("above 100,000 input tokens: 8.00", "prompt-size tier: above 100,000 input tokens applies");
    // 100,000 uncached x $8 = $0.80; 50,000 cached x $0.80 = $0.04; 2,000 output x $30 = $0.06.
    assertThat(run.line("uncached input")).contains("8.00", "$0.80");
    assertThat(run.line("cache read")).contains("0.80", "$0.04");
    assertThat(run.line("output")).contains("30.00", "$0.06");
    assertThat(run.line("total")).endsWith("$0.90");

    // At the threshold itself the base prices apply: 100,000 x $4 = $0.40.
    Run at = run(withCatalog("acme-reason-1", "--provider", "acme", "--input", "100000", "--at", "2025-03-01"));
    assertThat(at.out()).contains("prompt-size tier: base prices apply");
    assertThat(at.line("total")).endsWith("$0.40");
  }

  @Test
  void pricesAreThoseInForceAtTheGivenMoment() throws Exception {
    // From 2025-09-01: 150,000 x $3 = $0.45 and 2,000 x $15 = $0.03, no tier.
    Run later = run(withCatalog("acme-reason-1", "--provider", "acme", "--input", "150000", "--output", "2000",
        "--at", "2025-09-15T08:30:00Z"));
    assertThat(later.out()).contains("at 2025-09-15T08:30:00Z").doesNotContain("prompt-size tier");
    assertThat(later.line("total")).endsWith("$0.48");

    // Before the first price: the first price applies, and the output says so. 1,000 x $4 = $0.004.
    Run early = run(withCatalog("acme-reason-1", "--provider", "acme", "--input", "1000", "--at", "2024-06-01"));
    assertThat(early.out()).contains("before the first known price (2025-01-01)");
    assertThat(early.line("total")).endsWith("$0.004");
  }

  @Test
  void aDatedAliasShowsTheModelItServedThatDay() throws Exception {
    // On 2025-03-01 acme-mini served acme-mini-2025-01-01, which has no cache-read price: all
    // 10,000 input tokens at $1 = $0.01, 1,000 output x $2 = $0.002.
    Run march = run(withCatalog("acme-mini", "--provider", "acme", "--input", "10000", "--cached", "4000",
        "--output", "1000", "--at", "2025-03-01"));
    assertThat(march.exit()).as(march.err()).isZero();
    assertThat(march.out()).contains("resolved to   acme/acme-mini, a dated alias",
        "served        acme/acme-mini-2025-01-01 on 2025-03-01");
    assertThat(march.line("cache read")).contains("1.00", "$0.004", "no cache-read price: billed as input");
    assertThat(march.line("total")).endsWith("$0.012");

    // On 2025-07-01 it served acme-mini-2025-06-01: 6,000 x $0.50 = $0.003, 4,000 cached x $0.10
    // = $0.0004, 1,000 output x $1 = $0.001.
    Run july = run(withCatalog("acme-mini", "--provider", "acme", "--input", "10000", "--cached", "4000",
        "--output", "1000", "--at", "2025-07-01", "--json"));
    assertThat(july.exit()).as(july.err()).isZero();
    JsonNode doc = july.json();
    assertThat(doc.get("alias").asBoolean()).isTrue();
    assertThat(doc.at("/resolved/model").asText()).isEqualTo("acme-mini");
    assertThat(doc.at("/served/model").asText()).isEqualTo("acme-mini-2025-06-01");
    assertThat(doc.at("/cost/totalUsd").asDouble()).isCloseTo(0.0044, within(1e-12));
  }

  @Test
  void reasoningIsFreeWhereTheCatalogSaysItIsNotBilledAsOutput() {
    // 1,000 input x $2 = $0.002; 500 output of which 200 reasoning: 300 x $6 = $0.0018.
    Run run = run(withCatalog("acme-think", "--provider", "acme", "--input", "1000", "--output", "500", "--reasoning", "200"));
    assertThat(run.line("reasoning")).contains("200", "$0.00", "not billed");
    assertThat(run.line("total")).endsWith("$0.0038");
  }

  @Test
  void theServersCatalogFileVariableIsTheDefaultCatalog() {
    Run run = run(Map.of("TOKENTRAIL_PRICING_CATALOG_FILE", catalog.toString()), "acme-think", "--provider", "acme", "--input", "1000");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.line("total")).endsWith("$0.002");
  }

  @Test
  void jsonHasTheResolutionPricesTierAndBreakdown() throws Exception {
    Run run = run(withCatalog("acme-reason-1", "--provider", "acme", "--input", "1.5M", "--cached", "500k",
        "--output", "2000", "--reasoning", "500", "--at", "2025-03-01", "--json"));
    assertThat(run.exit()).as(run.err()).isZero();
    JsonNode doc = run.json();
    assertThat(doc.at("/query/model").asText()).isEqualTo("acme-reason-1");
    assertThat(doc.at("/query/provider").asText()).isEqualTo("acme");
    assertThat(doc.at("/query/at").asText()).isEqualTo("2025-03-01T12:00:00Z");
    assertThat(doc.get("catalogVersion").asText()).endsWith("+test-7");
    assertThat(doc.at("/resolved/provider").asText()).isEqualTo("acme");
    assertThat(doc.at("/resolved/tier").asText()).isEqualTo("standard");
    assertThat(doc.at("/resolved/origin").asText()).isEqualTo("file");
    assertThat(doc.at("/resolved/file").asText()).isEqualTo(catalog.toString());
    assertThat(doc.get("alias").asBoolean()).isFalse();
    assertThat(doc.get("firstPriceDate").asText()).isEqualTo("2025-01-01");
    assertThat(doc.at("/prices/input/perMillion").asDouble()).isEqualTo(4.0);
    assertThat(doc.at("/prices/input/tiers/0/above").asLong()).isEqualTo(100_000);
    assertThat(doc.at("/prices/input/tiers/0/perMillion").asDouble()).isEqualTo(8.0);
    assertThat(doc.at("/prices/input/applied").asDouble()).isEqualTo(8.0);
    assertThat(doc.at("/promptTier/applied").asLong()).isEqualTo(100_000);
    assertThat(doc.at("/usage/input").asLong()).isEqualTo(1_500_000);
    assertThat(doc.at("/usage/cacheRead").asLong()).isEqualTo(500_000);
    // 1,000,000 uncached x $8 = $8; 500,000 cached x $0.80 = $0.40; 1,500 output x $30 = $0.045;
    // 500 reasoning x $30 = $0.015.
    assertThat(doc.at("/cost/uncachedInput/tokens").asLong()).isEqualTo(1_000_000);
    assertThat(doc.at("/cost/uncachedInput/usd").asDouble()).isCloseTo(8.0, within(1e-9));
    assertThat(doc.at("/cost/cacheRead/usd").asDouble()).isCloseTo(0.40, within(1e-9));
    assertThat(doc.at("/cost/cacheWrite/tokens").asLong()).isZero();
    assertThat(doc.at("/cost/cacheWrite1h/tokens").asLong()).isZero();
    assertThat(doc.at("/cost/output/usd").asDouble()).isCloseTo(0.045, within(1e-9));
    assertThat(doc.at("/cost/reasoning/usd").asDouble()).isCloseTo(0.015, within(1e-9));
    assertThat(doc.at("/cost/inputUsd").asDouble()).isCloseTo(8.40, within(1e-9));
    assertThat(doc.at("/cost/outputUsd").asDouble()).isCloseTo(0.06, within(1e-9));
    assertThat(doc.at("/cost/totalUsd").asDouble()).isCloseTo(8.46, within(1e-9));
  }

  @Test
  void theBuiltInCatalogAppliesClaudeSonnet45sLongContextTier() throws Exception {
    Run run = run("claude-sonnet-4-5", "--input", "300000", "--output", "1000");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("resolved to   anthropic/claude-sonnet-4-5")
        .containsPattern("prompt-size tier: above [0-9,]+ input tokens applies \\(300,000 input tokens\\)");

    JsonNode doc = run("claude-sonnet-4-5", "--input", "300000", "--output", "1000", "--json").json();
    assertThat(doc.at("/promptTier/applied").isNumber()).isTrue();
    assertThat(doc.at("/prices/input/applied").asDouble()).isGreaterThan(doc.at("/prices/input/perMillion").asDouble());
  }

  // ------------------------------------------------------------------ errors

  @Test
  void anUnknownModelExitsOneAndSaysHowToAddIt() {
    Run run = run(withCatalog("acme-nonexistent-9", "--provider", "acme", "--input", "10"));
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains("unknown model 'acme-nonexistent-9'", "catalog file", "--catalog", "docs/pricing.md");
  }

  @Test
  void badValuesExitTwoNamingTheOptionAndValue() {
    assertBad(new String[] {"acme-think", "--input", "-5"}, "--input: -5");
    assertBad(new String[] {"acme-think", "--output", "1.5"}, "--output: 1.5");
    assertBad(new String[] {"acme-think", "--cached", "lots"}, "--cached: lots");
    assertBad(new String[] {"acme-think", "--at", "2025-13-01"}, "--at: 2025-13-01");
    assertBad(new String[] {"acme-think", "--at", "yesterday"}, "--at: yesterday");
    assertBad(new String[] {"acme-think", "--input", "100", "--cached", "80", "--cache-write", "30"}, "exceed --input 100");
    assertBad(new String[] {"acme-think", "--input", "100", "--cache-write", "10", "--cache-write-1h", "20"}, "--cache-write-1h: 20");
    assertBad(new String[] {"acme-think", "--output", "10", "--reasoning", "20"}, "--reasoning: 20");
    assertBad(new String[] {"--unknown", "--since", "soon"}, "--since: soon");
    assertBad(new String[] {"--unknown", "--endpoint", "localhost:3200"}, "--endpoint: localhost:3200");
    assertBad(new String[] {"--list", "--provider", "nobody-hosts-this"}, "--provider: nobody-hosts-this");
    assertBad(new String[] {"--input", "10"}, "name a model");
    assertBad(new String[] {"acme-think", "--list"}, "one of MODEL, --list and --unknown");

    Run missing = run("acme-think", "--catalog", dir.resolve("nope.yaml").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("--catalog: " + dir.resolve("nope.yaml"));
    Run fromEnv = run(Map.of("TOKENTRAIL_PRICING_CATALOG_FILE", dir.resolve("nope.yaml").toString()), "acme-think");
    assertThat(fromEnv.exit()).isEqualTo(2);
    assertThat(fromEnv.err()).contains("TOKENTRAIL_PRICING_CATALOG_FILE: " + dir.resolve("nope.yaml"));
  }

  @Test
  void aBrokenCatalogFileExitsTwoNamingTheEntry() throws Exception {
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(broken, """
        version: "x"
        models:
          - provider: acme
            model: acme-broken
            prices:
              - input: 1.00
        """);
    Run run = run("acme-broken", "--catalog", broken.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("--catalog: ", "models[0].prices[0].output: missing");
  }

  private static void assertBad(String[] args, String message) {
    Run run = run(withCatalog(args));
    assertThat(run.exit()).as(String.join(" ", args) + "\n" + run.err()).isEqualTo(2);
    assertThat(run.err()).contains(message);
  }

  // ------------------------------------------------------------------ --list

  @Test
  void listShowsTheCatalogsModelsAndCounts() throws Exception {
    Run run = run(withCatalog("--list", "--provider", "acme"));
    assertThat(run.exit()).as(run.err()).isZero();
    String[] lines = run.out().split("\n");
    assertThat(lines[0]).contains("PROVIDER", "MODEL", "TIER", "INPUT", "CACHE READ", "CACHE WRITE", "OUTPUT", "ORIGIN");
    assertThat(run.out()).containsPattern("acme\\s+acme-reason-1\\s+standard\\s+3.00\\s+0.30\\s+-\\s+15.00\\s+file ")
        .containsPattern("acme\\s+acme-mini-2025-06-01\\s+small\\s+0.50\\s+0.10\\s+-\\s+1.00\\s+file ");
    // acme-reason-1 is listed at its price of today (the 2025-09-01 one: no tiers, no cache write).
    assertThat(lines[lines.length - 1]).startsWith("catalog ").contains("+test-7", "4 acme models shown of ")
        .containsPattern("\\(.*4 file .*acme-prices.yaml.*\\)").contains("genai-prices");

    JsonNode all = run(withCatalog("--list", "--json")).json();
    assertThat(all.get("catalogVersion").asText()).endsWith("+test-7");
    assertThat(all.get("shown").asInt()).isEqualTo(all.get("total").asInt()).isGreaterThan(100);
    assertThat(all.get("models").size()).isEqualTo(all.get("total").asInt());
    JsonNode first = all.get("models").get(0);
    assertThat(first.has("provider") && first.has("model") && first.has("tier") && first.has("origin") && first.has("prices")).isTrue();
  }

  // ------------------------------------------------------------------ --unknown

  @Test
  void unknownListsWhatARunningServerCouldNotPrice(@TempDir Path data) throws Exception {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("--data-dir", data.toString());
    flags.put("--bind-address", "127.0.0.1");
    flags.put("--otlp-grpc-port", "0");
    flags.put("--otlp-http-port", "0");
    flags.put("--http-port", "0");
    try (TokenTrailServer server = TokenTrailServer.start(ServerConfig.resolve(flags, Map.of(), null))) {
      SpanExporter exporter = OtlpHttpSpanExporter.builder()
          .setEndpoint("http://127.0.0.1:" + server.otlpHttpPort() + "/v1/traces").build();
      String traceId = LlmSpans.traceId();
      long now = System.currentTimeMillis();
      try {
        assertThat(exporter.export(List.of(
                LlmSpans.call(traceId, LlmSpans.spanId(), "lab", "acme-cloud", "acme-brain-7", 100, 10, now, Attributes.empty()),
                LlmSpans.call(traceId, LlmSpans.spanId(), "lab", "acme-cloud", "acme-brain-7", 100, 10, now, Attributes.empty())))
            .join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      } finally {
        exporter.shutdown().join(10, TimeUnit.SECONDS);
      }
      String endpoint = "http://127.0.0.1:" + server.httpPort();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(run("--unknown", "--endpoint", endpoint).out()).contains("acme-brain-7"));

      Run run = run("--unknown", "--endpoint", endpoint + "/");
      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.out()).containsPattern("acme-cloud\\s+acme-brain-7\\s+2\\s")
          .contains("1 unknown model last seen in the last 24h", "calls are counted since the server started", "docs/pricing.md");

      JsonNode doc = run("--unknown", "--endpoint", endpoint, "--json").json();
      assertThat(doc.at("/models/0/provider").asText()).isEqualTo("acme-cloud");
      assertThat(doc.at("/models/0/model").asText()).isEqualTo("acme-brain-7");
      assertThat(doc.at("/models/0/calls").asLong()).isEqualTo(2);
      assertThat(doc.get("since").asText()).isEqualTo("24h");
    }
  }

  @Test
  void unknownKeepsTheModelsLastSeenWithinSince() throws Exception {
    long now = System.currentTimeMillis();
    long hour = 3_600_000;
    // The body /api/v1/unknown-models serves: {"models": [UnknownModels.Entry...]}.
    byte[] body = new ObjectMapper().writeValueAsBytes(Map.of("models", List.of(
        new UnknownModels.Entry("acme-cloud", "acme-recent", 40, now - 30 * hour, now - 10 * 60_000),
        new UnknownModels.Entry("acme-cloud", "acme-stale", 7, now - 30 * hour, now - 3 * hour))));
    Server server = Server.builder().http(0)
        .service("/api/v1/unknown-models", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, body))
        .build();
    server.start().join();
    try {
      String endpoint = "http://127.0.0.1:" + server.activeLocalPort();
      Run hourRun = run("--unknown", "--since", "1h", "--endpoint", endpoint);
      assertThat(hourRun.exit()).as(hourRun.err()).isZero();
      assertThat(hourRun.out()).containsPattern("acme-recent\\s+40\\s").doesNotContain("acme-stale")
          .contains("1 unknown model last seen in the last 1h", "(2 since the server started)");
      Run dayRun = run("--unknown", "--endpoint", endpoint);
      assertThat(dayRun.out()).contains("acme-recent", "acme-stale", "2 unknown models last seen in the last 24h");
    } finally {
      server.stop().join();
    }
  }

  @Test
  void unknownSaysWhyWhenTheServerCannotBeReached() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Run run = run("--unknown", "--endpoint", "http://127.0.0.1:" + port);
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("cannot reach http://127.0.0.1:" + port, "connection refused", "tokentrail serve", "--endpoint");

    Server other = Server.builder().http(0).service("/", (ctx, req) -> HttpResponse.of(HttpStatus.NOT_FOUND)).build();
    other.start().join();
    try {
      Run notOurs = run("--unknown", "--endpoint", "http://127.0.0.1:" + other.activeLocalPort());
      assertThat(notOurs.exit()).isEqualTo(1);
      assertThat(notOurs.err()).contains("has no /api/v1/unknown-models (404)");
    } finally {
      other.stop().join();
    }
  }
}
