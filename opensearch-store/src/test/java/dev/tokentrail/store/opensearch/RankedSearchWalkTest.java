package dev.tokentrail.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.SpanFilter.Op;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.conformance.Polling;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rollup walk past its early page (the first page of the order, fetched while candidates are
 * listed): 100 one-span traces, a second apart, where only the five oldest are named "rare" and
 * every even one lasts two seconds. Runs against the shared test node.
 */
class RankedSearchWalkTest {
  private static final long BASE = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z
  private static final int TRACES = 100;

  private final String url = TestNode.url();
  private final String prefix = "tt-walk-" + ProcessHandle.current().pid();
  private OpenSearchSpanStore store;

  @BeforeEach
  void writeTraces() throws Exception {
    store = OpenSearchSpanStore.builder().urls(List.of(URI.create(url))).indexPrefix(prefix).shards(1, 0)
        .refreshOnWrite(true).build();
    List<IngestedSpan> spans = new ArrayList<>();
    for (int i = 0; i < TRACES; i++) {
      long start = BASE + i * 1_000_000_000L;
      long duration = i % 2 == 0 ? 2_000_000_000L : 1_000_000L;
      spans.add(new IngestedSpan(Span.builder().traceId(traceId(i)).spanId(SpanId.fromHex("0000000000000001"))
          .name(i < 5 ? "rare" : "op").startEpochNanos(start).endEpochNanos(start + duration).build(), null));
    }
    store.accept(Tenants.DEFAULT, spans).get(30, TimeUnit.SECONDS);
    Polling.await(Duration.ofSeconds(30),
        () -> assertThat(search(Spansets.of(new SpanFilter.All()), 0, TRACES + 1)).hasSize(TRACES));
  }

  @AfterEach
  void deleteIndices() throws Exception {
    store.close();
    try (HttpClient http = HttpClient.newHttpClient()) {
      for (String path : List.of("/" + prefix + "-*?expand_wildcards=all", "/_index_template/" + prefix + "-spans")) {
        http.send(HttpRequest.newBuilder(URI.create(url + path)).DELETE().build(), HttpResponse.BodyHandlers.discarding());
      }
    }
  }

  @Test
  void listedTracesAbsentFromTheEarlyPageAreWalkedFromTheirStart() {
    // The early page holds the 64 newest traces; the listed "rare" ones are the oldest five.
    List<TraceId> found = search(Spansets.of(new Condition(FieldRef.intrinsic(FieldRef.NAME), Op.EQ, "rare")), 0, 3);

    assertThat(found).containsExactly(traceId(4), traceId(3), traceId(2));
  }

  @Test
  void anEarlyPageLongerThanTheFirstPageIsWalkedPastTheHitsItUsed() {
    // Not listed (one side's query selects every span): the early page of 64 finds the 50 long
    // traces, none of the first 32 it evaluates matches, and the walk goes on from the 32nd.
    Spansets either = new Spansets.Combine(false,
        Spansets.of(new Condition(FieldRef.intrinsic(FieldRef.NAME), Op.NEQ, "op")),
        Spansets.of(new Condition(FieldRef.intrinsic(FieldRef.NAME), Op.EQ, "rare")));

    List<TraceId> found = search(either, 1_000_000_000L, 3);

    assertThat(found).containsExactly(traceId(4), traceId(2), traceId(0));
  }

  private List<TraceId> search(Spansets spansets, long minDurationNanos, int limit) {
    List<TraceId> out = new ArrayList<>();
    for (TraceMatch m : store.search(Tenants.DEFAULT, new TraceSearch(spansets, List.of(), 0, 0, minDurationNanos, 0, limit, 1,
        TraceSearch.Order.NEWEST))) {
      out.add(m.summary().traceId());
    }
    return out;
  }

  private static TraceId traceId(int i) {
    return TraceId.fromHex(String.format("%032x", 0x7a1c000L + i));
  }
}
