package dev.tokentrail.analysis;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.CallTable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.memory.InMemorySpanStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Repricer} against the real Lucene store, with invented models priced by catalog files. */
class RepricerTest {
  private static final double M = 1_000_000.0;
  private static final long HOUR = 3_600_000_000_000L;
  /** Five hours ago: inside the windows below, away from "now". */
  private static final long T0 = System.currentTimeMillis() * 1_000_000L - 5 * HOUR;
  private static final String FILE_A = catalog("a", "tt-alpha", 1.00, 2.00, null, 0, 0);
  private static final String FILE_B = catalog("b", "tt-alpha", 3.00, 4.00, "tt-beta", 10.00, 20.00);

  @TempDir Path dir;
  Path catalogFile;
  InMemorySpanStore store;
  LlmSpanEnricher enricher;
  String builtIn;

  @BeforeEach
  void open() throws IOException {
    catalogFile = dir.resolve("prices.yaml");
    Files.writeString(catalogFile, FILE_A);
    store = InMemorySpanStore.create();
    enricher = LlmSpanEnricher.create(GenAiNormalizer.create(AttributionKeys.DEFAULT),
        new CostCalculator(PriceCatalog.builtIn().overriddenBy(catalogFile)));
    builtIn = PriceCatalog.builtIn().version();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private Repricer repricer() {
    return Repricer.builder(store, enricher).catalogReloader(() -> PriceCatalog.builtIn().overriddenBy(catalogFile)).build();
  }

  static String catalog(String version, String model, double input, double output, String second, double input2, double output2) {
    StringBuilder s = new StringBuilder("version: \"" + version + "\"\nmodels:\n");
    if (model != null) {
      s.append("  - provider: openai\n    model: ").append(model)
          .append("\n    prices:\n      - input: ").append(input).append("\n        output: ").append(output).append('\n');
    }
    if (second != null) {
      s.append("  - provider: openai\n    model: ").append(second)
          .append("\n    prices:\n      - input: ").append(input2).append("\n        output: ").append(output2).append('\n');
    }
    return s.toString();
  }

  static TraceId randomTraceId() {
    return new TraceId(ThreadLocalRandom.current().nextLong(), ThreadLocalRandom.current().nextLong() | 1);
  }

  static SpanId randomSpanId() {
    return new SpanId(ThreadLocalRandom.current().nextLong() | 1);
  }

  /** An OTel GenAI chat span as an instrumentation sends it (not yet enriched). */
  static Span call(TraceId traceId, String model, long input, long output, long startNanos) {
    return Span.builder()
        .traceId(traceId)
        .spanId(randomSpanId())
        .parentSpanId(SpanId.NONE)
        .name("chat " + model)
        .kind(SpanKind.CLIENT)
        .startEpochNanos(startNanos)
        .endEpochNanos(startNanos + 500_000_000L)
        .attribute("gen_ai.operation.name", "chat")
        .attribute("gen_ai.provider.name", "openai")
        .attribute("gen_ai.request.model", model)
        .attribute("gen_ai.usage.input_tokens", input)
        .attribute("gen_ai.usage.output_tokens", output)
        .attribute("team", "search")
        .resource(Resource.of(Map.of("service.name", "bot")))
        .build();
  }

  /** Enriches with the catalog in force, as ingest does, and stores durably. */
  private List<Span> ingest(List<Span> spans) throws Exception {
    List<Span> stored = new ArrayList<>();
    for (Span s : spans) {
      stored.add(enricher.enrich(s).span());
    }
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(stored)).get();
    await().atMost(Duration.ofSeconds(10)).until(() -> stored.stream().allMatch(s -> find(s) != null));
    return stored;
  }

  private Span find(Span s) {
    for (Span t : store.getTrace(Tenants.DEFAULT, s.traceId(), 0, 0)) {
      if (t.spanId().equals(s.spanId())) {
        return t;
      }
    }
    return null;
  }

  private static CallFilter window() {
    return CallFilter.window(T0 - HOUR, T0 + 3 * HOUR);
  }

  private double storedTotal() {
    CallTable t = store.llmCalls(Tenants.DEFAULT, window());
    double sum = 0;
    for (int i = 0; i < t.size(); i++) {
      sum += t.costOrZero(i);
    }
    return sum;
  }

  @Test
  void repricesChangedCallsRecordsTheOldPriceAndASecondRunChangesNothing() throws Exception {
    TraceId trace = randomTraceId();
    Span root = Span.builder().traceId(trace).spanId(randomSpanId()).name("POST /ask").kind(SpanKind.SERVER)
        .startEpochNanos(T0).endEpochNanos(T0 + 2_000_000_000L).resource(Resource.of(Map.of("service.name", "bot"))).build();
    List<Span> alphas = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      alphas.add(call(trace, "tt-alpha", 1000, 100, T0 + i * 1_000_000L));
    }
    Span beta = call(randomTraceId(), "tt-beta", 2000, 200, T0 + 10_000_000L);
    Span known = call(randomTraceId(), "gpt-4o", 1000, 100, T0 + 20_000_000L);
    List<Span> all = new ArrayList<>(alphas);
    all.add(root);
    all.add(beta);
    all.add(known);
    List<Span> stored = ingest(all);
    String versionA = builtIn + "+a";
    String versionB = builtIn + "+b";
    double alphaA = (1000 * 1.00 + 100 * 2.00) / M;
    double alphaB = (1000 * 3.00 + 100 * 4.00) / M;
    double betaB = (2000 * 10.00 + 200 * 20.00) / M;
    Span knownStored = stored.get(stored.size() - 1);
    double knownUsd = (Double) knownStored.attribute("tokentrail.cost.usd");
    assertThat(stored.get(0).attribute("tokentrail.price.version")).isEqualTo(versionA);
    assertThat((Double) stored.get(0).attribute("tokentrail.cost.usd")).isCloseTo(alphaA, within(1e-12));
    assertThat(stored.get(6).attribute("tokentrail.price.unpriced_reason")).isEqualTo("unknown_model");
    assertThat(storedTotal()).isCloseTo(5 * alphaA + knownUsd, within(1e-12));

    Files.writeString(catalogFile, FILE_B);
    Repricer repricer = repricer();
    Repricer.Result r = repricer.reprice(Tenants.DEFAULT, window());

    assertThat(r.catalogReloaded()).isTrue();
    assertThat(r.newVersion()).isEqualTo(versionB);
    assertThat(r.oldVersions()).containsExactly(versionA);
    assertThat(r.examined()).isEqualTo(7);
    assertThat(r.repriced()).as("5 new prices, 1 newly known model, 1 new version at the same price").isEqualTo(7);
    assertThat(r.unchanged()).isZero();
    assertThat(r.unpriced()).isZero();
    assertThat(r.usdBefore()).isCloseTo(5 * alphaA + knownUsd, within(1e-12));
    assertThat(r.usdAfter()).isCloseTo(5 * alphaB + betaB + knownUsd, within(1e-12));
    assertThat(enricher.costs().catalog().version()).as("ingest prices with the reloaded catalog").isEqualTo(versionB);

    Span alpha = find(stored.get(0));
    assertThat((Double) alpha.attribute("tokentrail.cost.usd")).isCloseTo(alphaB, within(1e-12));
    assertThat((Double) alpha.attribute("tokentrail.cost.input_usd")).isCloseTo(1000 * 3.00 / M, within(1e-12));
    assertThat(alpha.attribute("tokentrail.price.version")).isEqualTo(versionB);
    assertThat(alpha.attribute("tokentrail.price.previous_version")).isEqualTo(versionA);
    assertThat((Double) alpha.attribute("tokentrail.cost.previous_usd")).isCloseTo(alphaA, within(1e-12));
    assertThat(alpha.attribute("gen_ai.usage.input_tokens")).isEqualTo(1000L);
    assertThat(alpha.attribute("team")).as("other attributes kept").isEqualTo("search");
    assertThat(alpha.resource().serviceName()).isEqualTo("bot");

    Span betaNow = find(stored.get(6));
    assertThat((Double) betaNow.attribute("tokentrail.cost.usd")).isCloseTo(betaB, within(1e-12));
    assertThat(betaNow.attribute("tokentrail.price.unpriced_reason")).isNull();
    assertThat(betaNow.attribute("tokentrail.price.model")).isEqualTo("tt-beta");
    assertThat(betaNow.attribute("tokentrail.price.previous_version")).isEqualTo(versionA);
    assertThat(betaNow.attribute("tokentrail.cost.previous_usd")).as("it had no cost").isNull();

    Span knownNow = find(knownStored);
    assertThat((Double) knownNow.attribute("tokentrail.cost.usd")).isCloseTo(knownUsd, within(1e-15));
    assertThat(knownNow.attribute("tokentrail.price.previous_version")).isEqualTo(versionA);

    Span rootNow = find(stored.get(5));
    assertThat(rootNow.attributes()).doesNotContainKey("tokentrail.price.version");
    assertThat(store.getTrace(Tenants.DEFAULT, trace, 0, 0)).as("replaced, not duplicated").hasSize(6);
    assertThat(storedTotal()).as("doc values follow at once").isCloseTo(5 * alphaB + betaB + knownUsd, within(1e-12));

    Repricer.Result again = repricer.reprice(Tenants.DEFAULT, window());
    assertThat(again.repriced()).isZero();
    assertThat(again.unchanged()).isEqualTo(7);
    assertThat(again.oldVersions()).containsExactly(versionB);
    assertThat(again.usdBefore()).isCloseTo(again.usdAfter(), within(1e-12));
    assertThat(find(stored.get(0)).attribute("tokentrail.price.previous_version")).isEqualTo(versionA);
  }

  @Test
  void aSecondCatalogChangeRecordsTheVersionJustBefore() throws Exception {
    Span s = ingest(List.of(call(randomTraceId(), "tt-alpha", 1000, 0, T0))).get(0);
    Files.writeString(catalogFile, FILE_B);
    repricer().reprice(Tenants.DEFAULT, window());
    Files.writeString(catalogFile, catalog("c", "tt-alpha", 5.00, 6.00, null, 0, 0));
    Repricer.Result r = repricer().reprice(Tenants.DEFAULT, window());
    assertThat(r.repriced()).isEqualTo(1);
    Span now = find(s);
    assertThat(now.attribute("tokentrail.price.version")).isEqualTo(builtIn + "+c");
    assertThat(now.attribute("tokentrail.price.previous_version")).isEqualTo(builtIn + "+b");
    assertThat((Double) now.attribute("tokentrail.cost.previous_usd")).isCloseTo(1000 * 3.00 / M, within(1e-12));
    assertThat((Double) now.attribute("tokentrail.cost.usd")).isCloseTo(1000 * 5.00 / M, within(1e-12));
  }

  @Test
  void aBrokenCatalogFileIsRefusedNamingFileAndEntryAndTheOldCatalogStays() throws Exception {
    Span s = ingest(List.of(call(randomTraceId(), "tt-alpha", 1000, 0, T0))).get(0);
    Files.writeString(catalogFile, "version: \"x\"\nmodels:\n  - provider: openai\n    model: tt-alpha\n    prices:\n      - input: 1.0\n");
    assertThatIllegalArgumentException().isThrownBy(() -> repricer().reprice(Tenants.DEFAULT, window()))
        .withMessageContaining(catalogFile.toString())
        .withMessageContaining("models[0].prices[0].output")
        .withMessageContaining("stays in force");
    assertThat(enricher.costs().catalog().version()).isEqualTo(builtIn + "+a");
    assertThat(find(s).attribute("tokentrail.price.version")).isEqualTo(builtIn + "+a");
  }

  @Test
  void aModelTheNewCatalogNoLongerKnowsKeepsItsCostAndIsCountedUnpriced() throws Exception {
    Span s = ingest(List.of(call(randomTraceId(), "tt-alpha", 1000, 0, T0))).get(0);
    Files.writeString(catalogFile, catalog("d", null, 0, 0, "tt-beta", 1, 1));
    Repricer.Result r = repricer().reprice(Tenants.DEFAULT, window());
    assertThat(r.unpriced()).isEqualTo(1);
    assertThat(r.repriced()).isZero();
    assertThat(r.usdAfter()).isCloseTo(r.usdBefore(), within(1e-15));
    assertThat(find(s).attributes()).isEqualTo(s.attributes());
  }

  @Test
  void manySlicesAndBatchesRepriceEveryCallOnceAndOnlyInsideTheWindow() throws Exception {
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      // 40 calls over two hours, two per trace.
      TraceId trace = i % 2 == 0 ? randomTraceId() : spans.get(i - 1).traceId();
      spans.add(call(trace, "tt-alpha", 100 + i, 10, T0 + i * (HOUR / 20)));
    }
    Span outside = call(randomTraceId(), "tt-alpha", 1000, 10, T0 + 10 * HOUR);
    spans.add(outside);
    List<Span> stored = ingest(spans);
    Files.writeString(catalogFile, FILE_B);
    Repricer repricer = Repricer.builder(store, enricher)
        .catalogReloader(() -> PriceCatalog.builtIn().overriddenBy(catalogFile))
        .sizes(3, 2)
        .build();
    Repricer.Result r = repricer.reprice(Tenants.DEFAULT, window());
    assertThat(r.examined()).isEqualTo(40);
    assertThat(r.repriced()).isEqualTo(40);
    for (int i = 0; i < 40; i++) {
      Span now = find(stored.get(i));
      assertThat(now.attribute("tokentrail.price.version")).isEqualTo(builtIn + "+b");
      assertThat((Double) now.attribute("tokentrail.cost.usd")).isCloseTo(((100 + i) * 3.00 + 10 * 4.00) / M, within(1e-12));
    }
    assertThat(find(stored.get(40)).attribute("tokentrail.price.version")).as("outside the window").isEqualTo(builtIn + "+a");
    assertThat(store.llmCalls(Tenants.DEFAULT, CallFilter.window(T0 - HOUR, T0 + 11 * HOUR)).size()).as("no duplicates").isEqualTo(41);
    assertThat(repricer.reprice(Tenants.DEFAULT, window()).repriced()).isZero();
  }

  @Test
  void withoutAReloaderTheCatalogInForceIsUsed() throws Exception {
    ingest(List.of(call(randomTraceId(), "tt-alpha", 1000, 0, T0)));
    Repricer.Result same = Repricer.builder(store, enricher).build().reprice(Tenants.DEFAULT, window());
    assertThat(same.catalogReloaded()).isFalse();
    assertThat(same.repriced()).isZero();
    enricher.costs().replaceCatalog(PriceCatalog.builtIn().overriddenBy(
        new java.io.ByteArrayInputStream(FILE_B.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "inline"));
    assertThat(Repricer.builder(store, enricher).build().reprice(Tenants.DEFAULT, window()).repriced()).isEqualTo(1);
  }

  @Test
  void aWindowWithoutBoundsIsRefused() {
    assertThatIllegalArgumentException().isThrownBy(() -> repricer().reprice(Tenants.DEFAULT, CallFilter.window(0, T0)));
    assertThatIllegalArgumentException().isThrownBy(() -> repricer().reprice(Tenants.DEFAULT, CallFilter.window(T0, T0 - 1)));
  }
}
