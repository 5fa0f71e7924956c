package dev.tokentrail.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.CallReader;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.TraceOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** The engine reads a window once per answer, and each endpoint's method reads only what it needs. */
class WasteEngineTest {
  private static final CallFilter WINDOW = CallFilter.window(0, 0);

  /** A reader over one table that counts its reads. */
  private static class CountingReader implements CallReader {
    final CallTable table;
    int callReads;
    int outcomeReads;

    CountingReader(CallTable table) {
      this.table = table;
    }

    @Override
    public CallTable llmCalls(String tenant, CallFilter filter) {
      callReads++;
      return table;
    }

    @Override
    public Map<TraceId, TraceOutcome> outcomes(String tenant, long fromEpochNanos, long toEpochNanos) {
      outcomeReads++;
      return Map.of(Calls.traceId(1), new TraceOutcome("resolved", Double.NaN));
    }
  }

  private static CallTable twoIdenticalRequests(long minutesApart) {
    return new Calls()
        .trace(1).call("fx-frontier", 2500, 100).hash("h").prefix("p", 2000).team("a")
        .trace(2).call("fx-frontier", 2500, 100).hash("h").prefix("p", 2000).team("a")
        .at(Calls.BASE_MILLIS + minutesApart * 60_000L)
        .table();
  }

  @Test
  void theCrossRequestEndpointsReadTheCallsOnceAndNoOutcomes() {
    CountingReader reader = new CountingReader(twoIdenticalRequests(1));
    WasteEngine engine = WasteEngine.builder(reader, Calls.CATALOG).build();
    assertThat(engine.duplicates("t", WINDOW).findings()).hasSize(1);
    assertThat(engine.prefixCache("t", WINDOW).findings()).isEmpty(); // the repeat is a duplicate
    assertThat(reader.callReads).isEqualTo(2);
    assertThat(reader.outcomeReads).isZero();
  }

  @Test
  void theFullReportHasEveryKindFromOneRead() {
    CountingReader reader = new CountingReader(twoIdenticalRequests(1));
    WasteEngine.Report report = WasteEngine.builder(reader, Calls.CATALOG).build().analyze("t", WINDOW);
    assertThat(reader.callReads).isEqualTo(1);
    assertThat(reader.outcomeReads).isEqualTo(1);
    assertThat(report.usdByKind()).containsOnlyKeys("retry", "context", "cache", "overkill", "duplicate", "prefix_cache");
    assertThat(report.usdByKind().get("duplicate")).isCloseTo(0.00725, within(1e-12));
    assertThat(report.teamEfficiency()).singleElement().satisfies(r -> assertThat(r.group()).isEqualTo("a"));
  }

  @Test
  void theDuplicateWindowIsASetting() {
    CountingReader reader = new CountingReader(twoIdenticalRequests(20));
    assertThat(WasteEngine.builder(reader, Calls.CATALOG).build().duplicates("t", WINDOW).findings()).isEmpty();
    assertThat(WasteEngine.builder(reader, Calls.CATALOG).duplicateWindow(Duration.ofMinutes(30)).build()
        .duplicates("t", WINDOW).findings()).hasSize(1);
    assertThatThrownBy(() -> WasteEngine.builder(reader, Calls.CATALOG).duplicateWindow(Duration.ZERO))
        .hasMessage("duplicateWindow: PT0S (expected: > 0)");
  }

  /** Every kind finds something: a retried call, a growing conversation, duplicates, a shared prefix, two teams. */
  private static CallTable everyKind() {
    return new Calls()
        .trace(1).call("fx-frontier", 2500, 100).hash("h").prefix("p", 2000).team("a").error("429").noUsage()
        .call("fx-frontier", 2500, 100).hash("h").prefix("p", 2000).team("a").at(Calls.BASE_MILLIS + 1_000)
        .trace(2).call("fx-frontier", 2500, 100).hash("h").prefix("p", 2000).team("a").at(Calls.BASE_MILLIS + 60_000)
        .trace(3).call("fx-frontier", 3000, 100).prefix("p", 2000).conversation("c").team("b").at(Calls.BASE_MILLIS + 120_000)
        .call("fx-frontier", 6000, 100).prefix("p", 2000).conversation("c").team("b").at(Calls.BASE_MILLIS + 130_000)
        .call("fx-frontier", 9000, 100).prefix("p", 2000).conversation("c").team("b").at(Calls.BASE_MILLIS + 140_000)
        .table();
  }

  @Test
  void theReportIsTheSameWhateverRunsItsParts() {
    CallTable table = everyKind();
    WasteEngine.Report sequential = WasteEngine.builder(new CountingReader(table), Calls.CATALOG)
        .executor(Runnable::run).build().analyze("t", WINDOW);
    assertThat(sequential.usdByKind()).isNotEqualTo(Map.of("retry", 0.0, "context", 0.0, "cache", 0.0, "overkill", 0.0,
        "duplicate", 0.0, "prefix_cache", 0.0));
    List<Runnable> neverRun = new ArrayList<>();
    List<CountingReader> readers = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (java.util.concurrent.Executor executor : List.<java.util.concurrent.Executor>of(
          pool, neverRun::add, command -> { throw new RejectedExecutionException("full"); })) {
        CountingReader reader = new CountingReader(table);
        readers.add(reader);
        WasteEngine.Report report = WasteEngine.builder(reader, Calls.CATALOG).executor(executor).build().analyze("t", WINDOW);
        assertThat(report).usingRecursiveComparison()
            .withEqualsForType((a, b) -> Double.compare(a, b) == 0, Double.class)
            .isEqualTo(sequential);
        assertThat(reader.callReads).isEqualTo(1);
        assertThat(reader.outcomeReads).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(neverRun).hasSize(3); // handed over, then run by the caller when it needed them
    neverRun.forEach(Runnable::run); // running them afterwards does nothing: no second read
    CountingReader handedOver = readers.get(1);
    assertThat(handedOver.callReads).isEqualTo(1);
    assertThat(handedOver.outcomeReads).isEqualTo(1);
  }

  @Test
  void aFailureInAPartRunBesideTheCallerReachesTheCaller() {
    CallReader failing = new CountingReader(everyKind()) {
      @Override
      public Map<TraceId, TraceOutcome> outcomes(String tenant, long fromEpochNanos, long toEpochNanos) {
        throw new IllegalStateException("outcomes unreadable");
      }
    };
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (java.util.concurrent.Executor executor : List.<java.util.concurrent.Executor>of(pool, Runnable::run)) {
        WasteEngine engine = WasteEngine.builder(failing, Calls.CATALOG).executor(executor).build();
        assertThatThrownBy(() -> engine.analyze("t", WINDOW))
            .isInstanceOf(IllegalStateException.class).hasMessage("outcomes unreadable");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void everyAnalysisRefusesAWindowWithMoreCallsThanItMayRead() {
    CountingReader reader = new CountingReader(everyKind()); // 6 calls
    WasteEngine tight = WasteEngine.builder(reader, Calls.CATALOG).maxCalls(5).build();
    for (Runnable analysis : List.<Runnable>of(
        () -> tight.analyze("t", WINDOW), () -> tight.retries("t", WINDOW), () -> tight.duplicates("t", WINDOW),
        () -> tight.focus("t", WINDOW, FocusExport.Granularity.DAY))) {
      assertThatThrownBy(analysis::run).isInstanceOf(dev.tokentrail.store.TooManyCallsException.class)
          .hasMessageContaining("more than 5 LLM calls");
    }
    assertThat(WasteEngine.builder(reader, Calls.CATALOG).maxCalls(6).build().analyze("t", WINDOW).calls()).isEqualTo(6);
    assertThatThrownBy(() -> WasteEngine.builder(reader, Calls.CATALOG).maxCalls(0))
        .hasMessage("maxCalls: 0 (expected: > 0)");
    assertThat(WasteEngine.defaultMaxCalls(256L << 20)).isEqualTo(131_072);
    assertThat(WasteEngine.defaultMaxCalls(2L << 30)).isEqualTo(1_048_576);
    assertThat(WasteEngine.defaultMaxCalls(1L << 20)).isEqualTo(10_000);
  }
}
