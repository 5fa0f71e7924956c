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
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The engine reads a window once per answer, and each endpoint's method reads only what it needs. */
class WasteEngineTest {
  private static final CallFilter WINDOW = CallFilter.window(0, 0);

  /** A reader over one table that counts its reads. */
  private static final class CountingReader implements CallReader {
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
}
