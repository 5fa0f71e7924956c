package dev.tokentrail.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.tokentrail.analysis.FocusRow;
import dev.tokentrail.analysis.WasteEngine;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.CallReader;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.store.TraceOutcome;
import dev.tokentrail.store.memory.InMemorySpanStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code /api/v1/focus} over HTTP: CSV by default, JSON on request, the default window, errors. */
class FocusApiTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
  private final AtomicReference<CallFilter> lastFilter = new AtomicReference<>();
  private InMemorySpanStore store;
  private CallReader reader;
  private Server server;

  /** Two priced gpt-4o calls of one team (one with cache reads) and one call of a model no catalog knows. */
  private static CallTable calls() {
    CallTable t = new CallTable();
    call(t, "gpt-4o", 12_000, 8000, 700, 0.027, "customer-care");
    call(t, "gpt-4o", 1000, 0, 100, 0.0035, "customer-care");
    call(t, "acme-router-v2", 100, 0, 5, Double.NaN, "routing");
    return t;
  }

  private static void call(CallTable t, String model, long input, long cacheRead, long output, double cost, String team) {
    int row = t.addRow();
    t.setIds(row, 0, row + 1, row + 1, 0);
    long start = NOW.minusSeconds(3600).toEpochMilli() * 1_000_000L;
    t.setTimes(row, start, start + 1_000_000_000L);
    t.setTokens(row, input, output, cacheRead, -1, -1);
    t.setCost(row, cost);
    t.setText(row, Text.PROVIDER, "openai");
    t.setText(row, Text.MODEL, model);
    t.setText(row, Text.TEAM, team);
  }

  @BeforeEach
  void start() {
    store = InMemorySpanStore.create();
    reader = new CallReader() {
      @Override
      public CallTable llmCalls(String tenant, CallFilter filter) {
        lastFilter.set(filter);
        return calls();
      }

      @Override
      public Map<TraceId, TraceOutcome> outcomes(String tenant, long fromEpochNanos, long toEpochNanos) {
        return Map.of();
      }
    };
    WasteEngine engine = WasteEngine.builder(reader, PriceCatalog.builtIn()).clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
    ServerBuilder sb = Server.builder().http(0);
    QueryApi.builder(store, new PrometheusRegistry()).analytics(engine).build().install(sb);
    server = sb.build();
    server.start().join();
  }

  @AfterEach
  void stop() {
    server.stop().join();
    store.close();
  }

  private HttpResponse<String> get(String pathAndQuery, String accept) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.activeLocalPort() + pathAndQuery))
        .timeout(Duration.ofSeconds(30));
    if (accept != null) {
      request.header("Accept", accept);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aWindowWithMoreCallsThanAnAnalysisMayReadIs422NamingTheSetting() throws Exception {
    server.stop().join();
    ServerBuilder sb = Server.builder().http(0);
    WasteEngine tight = WasteEngine.builder(reader, PriceCatalog.builtIn()).clock(Clock.fixed(NOW, ZoneOffset.UTC)).maxCalls(2).build();
    QueryApi.builder(store, new PrometheusRegistry()).analytics(tight).build().install(sb);
    server = sb.build();
    server.start().join();

    for (String path : List.of("/api/v1/focus", "/api/v1/waste/summary", "/api/v1/waste/retries", "/api/v1/cost")) {
      HttpResponse<String> r = get(path, null);
      assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(422);
      assertThat(r.body()).as(path).contains("more than 2 LLM calls").contains("analysis.max_calls");
    }
  }

  @Test
  void answersCsvWithTheFocusHeaderOneLinePerChargeAndCountsTheCallsLeftOut() throws Exception {
    HttpResponse<String> r = get("/api/v1/focus", null);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/csv"));
    assertThat(r.headers().firstValue(FocusApi.LEFT_OUT_HEADER)).hasValue("1");
    List<String> lines = List.of(r.body().split("\r\n"));
    assertThat(lines.get(0)).isEqualTo(String.join(",", FocusRow.COLUMNS));
    // gpt-4o: uncached input, cache reads and output, one line each.
    assertThat(lines).hasSize(4);
    List<String> cacheRead = csvFields(lines.stream().filter(l -> l.contains("/cache_read@")).findFirst().orElseThrow());
    assertThat(cacheRead).hasSize(FocusRow.COLUMNS.size());
    assertThat(field(cacheRead, "ConsumedQuantity")).isEqualTo("8000");
    assertThat(field(cacheRead, "ChargePeriodStart")).isEqualTo("2026-11-20T00:00:00Z");
    assertThat(field(cacheRead, "Tags")).isEqualTo("{\"team\":\"customer-care\"}");
    assertThat(field(cacheRead, "InvoiceId")).isEmpty();
    assertThat(field(cacheRead, "ProviderName")).isEqualTo("OpenAI");
  }

  @Test
  void answersJsonWhenAskedByAcceptOrFormatAndTheRowsAddUpToTheStoredCost() throws Exception {
    for (HttpResponse<String> r : List.of(get("/api/v1/focus", "application/json"), get("/api/v1/focus?format=json", null))) {
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
      JsonNode rows = QueryApi.JSON.readTree(r.body());
      assertThat(rows).hasSize(3);
      double billed = 0;
      for (JsonNode row : rows) {
        assertThat(row.fieldNames()).toIterable().containsExactlyElementsOf(FocusRow.COLUMNS);
        assertThat(row.get("Tags").get("team").asText()).isEqualTo("customer-care");
        billed += row.get("BilledCost").decimalValue().doubleValue();
      }
      assertThat(billed).isCloseTo(0.0305, org.assertj.core.api.Assertions.within(1e-9));
    }
  }

  @Test
  void theDefaultWindowIsTheCurrentUtcMonthUpToNow() throws Exception {
    assertThat(get("/api/v1/focus", null).statusCode()).isEqualTo(200);

    assertThat(lastFilter.get().fromEpochNanos()).isEqualTo(Instant.parse("2026-11-01T00:00:00Z").toEpochMilli() * 1_000_000L);
    assertThat(lastFilter.get().toEpochNanos() / 1_000_000L).isEqualTo(NOW.toEpochMilli());
  }

  @Test
  void monthlyGranularityGivesCalendarMonthChargePeriods() throws Exception {
    JsonNode rows = QueryApi.JSON.readTree(get("/api/v1/focus?granularity=month&format=json", null).body());

    assertThat(rows.get(0).get("ChargePeriodStart").asText()).isEqualTo("2026-11-01T00:00:00Z");
    assertThat(rows.get(0).get("ChargePeriodEnd").asText()).isEqualTo("2026-12-01T00:00:00Z");
  }

  @Test
  void badParametersAreAnswered400NamingTheParameter() throws Exception {
    HttpResponse<String> granularity = get("/api/v1/focus?granularity=week", null);
    HttpResponse<String> format = get("/api/v1/focus?format=xml", null);
    HttpResponse<String> window = get("/api/v1/focus?from=2026-11-10T00:00:00Z&to=2026-11-01T00:00:00Z", null);

    assertThat(granularity.statusCode()).isEqualTo(400);
    assertThat(granularity.body()).contains("granularity");
    assertThat(format.statusCode()).isEqualTo(400);
    assertThat(format.body()).contains("format");
    assertThat(window.statusCode()).isEqualTo(400);
    assertThat(window.body()).contains("from");
  }

  private static String field(List<String> fields, String column) {
    return fields.get(FocusRow.COLUMNS.indexOf(column));
  }

  /** One RFC 4180 line's fields, unquoted. */
  private static List<String> csvFields(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields;
  }
}
