package dev.tokentrail.store.lucene;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import static dev.tokentrail.store.TestSpans.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tokentrail.model.Span;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.StoreOverloadedException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only the Lucene store does: crash recovery from its write-ahead log, partitions, retention by
 * partition, skewed clocks, its write queue and configuration. The store contract itself is checked
 * by {@link LuceneSpanStoreConformanceTest}.
 */
class LuceneSpanStoreTest {
  private static final long NOW = Instant.now().toEpochMilli() * 1_000_000L;
  @TempDir Path dataDir;
  private SpanStore store;

  @BeforeEach
  void openStore() {
    store = LuceneSpanStore.builder(dataDir).commitInterval(Duration.ofHours(1)).open();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private List<Span> awaitTrace(TraceId traceId, int expectedSpans) {
    List<List<Span>> found = new ArrayList<>(List.of(List.of()));
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
      found.set(0, store.getTrace(Tenants.DEFAULT, traceId, 0, 0));
      assertThat(found.get(0)).hasSize(expectedSpans);
    });
    return found.get(0);
  }

  @Test
  void uncommittedSpansAreRecoveredFromTheLogAfterACrash() throws Exception {
    // A second store on another directory that is never closed: its commit interval is an hour,
    // so only the write-ahead log holds the spans, as after kill -9.
    Path crashed = dataDir.resolve("crashed");
    LuceneSpanStore first = LuceneSpanStore.builder(crashed).commitInterval(Duration.ofHours(1)).open();
    TraceId traceId = randomTraceId();
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      spans.add(llmCall(traceId, SpanId.NONE, "gpt-4o", i, 1, 0.001, NOW + i).build());
    }
    first.accept(Tenants.DEFAULT, StoredCalls.ingested(spans)).get();
    // Copy the files as a crash leaves them (the first store keeps running, like a killed process).
    Path copy = dataDir.resolve("copy");
    copyTree(crashed, copy);

    try (LuceneSpanStore recovered = LuceneSpanStore.builder(copy).open()) {
      assertThat(recovered.getTrace(Tenants.DEFAULT, traceId, 0, 0)).hasSize(50);
      assertThat(recovered.traceSummary(traceId).llmCallCount()).isEqualTo(50);
    }
    first.close();
  }

  @Test
  void tornLogTailIsTruncatedAndEarlierRecordsSurvive() throws Exception {
    Path dir = dataDir.resolve("torn");
    LuceneSpanStore first = LuceneSpanStore.builder(dir).commitInterval(Duration.ofHours(1)).open();
    TraceId traceId = randomTraceId();
    first.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(span(traceId, "kept", NOW, 10).build()))).get();
    Path copy = dataDir.resolve("torn-copy");
    copyTree(dir, copy);
    first.close();
    Path segment;
    try (Stream<Path> files = Files.list(copy.resolve("wal"))) {
      segment = files.filter(p -> p.toString().endsWith(".wal")).filter(p -> p.toFile().length() > 0).findFirst().orElseThrow();
    }
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.APPEND)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {0, 0, 1, 0, 42, 42})); // half a header
    }
    try (LuceneSpanStore recovered = LuceneSpanStore.builder(copy).open()) {
      assertThat(recovered.getTrace(Tenants.DEFAULT, traceId, 0, 0)).extracting(Span::name).containsExactly("kept");
      // The cut bytes are kept beside the segment, never destroyed.
      Path aside;
      try (Stream<Path> files = Files.list(copy.resolve("wal"))) {
        aside = files.filter(p -> p.getFileName().toString().startsWith(segment.getFileName() + ".cut-")).findFirst().orElseThrow();
      }
      assertThat(Files.readAllBytes(aside)).containsExactly(0, 0, 1, 0, 42, 42);
      TraceId next = randomTraceId();
      recovered.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(span(next, "after", NOW, 10).build()))).get();
      await().atMost(Duration.ofSeconds(5)).until(() -> recovered.getTrace(Tenants.DEFAULT, next, 0, 0).size() == 1);
    }
  }

  @Test
  void closedStoreCommitsAndReopensWithoutReplay() throws Exception {
    Path dir = dataDir.resolve("graceful");
    TraceId traceId = randomTraceId();
    try (LuceneSpanStore s = LuceneSpanStore.builder(dir).open()) {
      s.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(span(traceId, "a", NOW, 10).build()))).get();
    }
    try (Stream<Path> files = Files.list(dir.resolve("wal"))) {
      assertThat(files.filter(p -> p.toString().endsWith(".wal")).mapToLong(p -> p.toFile().length()).sum()).isZero();
    }
    try (LuceneSpanStore s = LuceneSpanStore.builder(dir).open()) {
      assertThat(s.getTrace(Tenants.DEFAULT, traceId, 0, 0)).hasSize(1);
    }
    SpanStore closed = LuceneSpanStore.builder(dir).open();
    closed.close();
    assertThatThrownBy(() -> closed.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(span(traceId, "late", NOW, 1).build()))).get())
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(StoreClosedException.class);
  }

  @Test
  void retentionDeletesWholeExpiredPartitions() throws Exception {
    Instant now = Instant.parse("2026-11-20T12:00:00Z");
    MutableClock clock = new MutableClock(now);
    Path dir = dataDir.resolve("retention");
    try (LuceneSpanStore s = LuceneSpanStore.builder(dir).clock(clock).retention(Duration.ofDays(3)).retentionCheckInterval(Duration.ofMillis(100)).open()) {
      long day = 86_400_000_000_000L;
      long nowNanos = now.getEpochSecond() * 1_000_000_000L;
      TraceId old = randomTraceId();
      TraceId fresh = randomTraceId();
      s.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(span(old, "old", nowNanos - 1 * day, 10).build(), span(fresh, "fresh", nowNanos, 10).build()))).get();
      await().atMost(Duration.ofSeconds(5)).until(() -> s.getTrace(Tenants.DEFAULT, old, 0, 0).size() == 1);
      assertThat(s.partitionNames()).containsExactly("20261119T0000Z_86400s", "20261120T0000Z_86400s");
      clock.set(now.plus(Duration.ofDays(3)));
      await().atMost(Duration.ofSeconds(10)).until(() -> s.partitionNames().size() == 1);
      assertThat(s.getTrace(Tenants.DEFAULT, old, 0, 0)).isEmpty();
      assertThat(s.getTrace(Tenants.DEFAULT, fresh, 0, 0)).hasSize(1);
    }
  }

  @Test
  void spansWithSkewedClocksAreKeptInTheReceivePartition() throws Exception {
    TraceId traceId = randomTraceId();
    long farFuture = NOW + Duration.ofDays(30).toNanos();
    long ancient = 1_000_000_000L; // 1970
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(span(traceId, "future", farFuture, 10).build(), span(traceId, "ancient", ancient, 10).build()))).get();
    List<Span> trace = awaitTrace(traceId, 2);
    assertThat(trace).extracting(Span::startEpochNanos).containsExactly(ancient, farFuture);
  }

  @Test
  void aSkewedSpanWrittenAgainOnALaterDayKeepsOneCopy() throws Exception {
    Instant now = Instant.parse("2026-11-20T12:00:00Z");
    MutableClock clock = new MutableClock(now);
    try (LuceneSpanStore s = LuceneSpanStore.builder(dataDir.resolve("skew-again")).clock(clock).retention(Duration.ofDays(3)).open()) {
      TraceId traceId = randomTraceId();
      Span ancient = span(traceId, "ancient", now.getEpochSecond() * 1_000_000_000L - Duration.ofDays(10).toNanos(), 10).build();
      s.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(ancient))).get();
      await().atMost(Duration.ofSeconds(5)).until(() -> s.getTrace(Tenants.DEFAULT, traceId, 0, 0).size() == 1);
      clock.set(now.plus(Duration.ofDays(1)));
      s.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(ancient.withAttributes(java.util.Map.of("again", true))))).get();
      await().atMost(Duration.ofSeconds(5)).until(() -> s.partitionNames().size() == 2
          && s.getTrace(Tenants.DEFAULT, traceId, 0, 0).stream().anyMatch(x -> x.attribute("again") != null));
      assertThat(s.getTrace(Tenants.DEFAULT, traceId, 0, 0)).hasSize(1);
    }
  }

  @Test
  void fullQueueRefusesWithRetryAdviceAndLosesNothingAccepted() throws Exception {
    Path dir = dataDir.resolve("overload");
    try (LuceneSpanStore s = LuceneSpanStore.builder(dir).maxQueuedSpans(100).open()) {
      List<CompletableFuture<Void>> accepted = new ArrayList<>();
      List<TraceId> acceptedTraces = new ArrayList<>();
      int refused = 0;
      for (int i = 0; i < 400; i++) {
        TraceId traceId = randomTraceId();
        List<Span> batch = new ArrayList<>();
        for (int j = 0; j < 40; j++) {
          batch.add(span(traceId, "s" + j, NOW + j, 10).build());
        }
        CompletableFuture<Void> f = s.accept(Tenants.DEFAULT, StoredCalls.ingested(batch));
        if (f.isCompletedExceptionally()) {
          assertThatThrownBy(f::get).hasCauseInstanceOf(StoreOverloadedException.class);
          refused++;
        } else {
          accepted.add(f);
          acceptedTraces.add(traceId);
        }
      }
      CompletableFuture.allOf(accepted.toArray(new CompletableFuture[0])).get();
      assertThat(refused).isPositive();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        for (TraceId traceId : acceptedTraces) {
          assertThat(s.getTrace(Tenants.DEFAULT, traceId, 0, 0)).hasSize(40);
        }
      });
    }
  }

  @Test
  void invalidConfigurationIsRejectedWithItsName() {
    assertThatThrownBy(() -> LuceneSpanStore.builder(dataDir).maxQueuedSpans(0))
        .hasMessage("maxQueuedSpans: 0 (expected: > 0)");
    assertThatThrownBy(() -> LuceneSpanStore.builder(dataDir).retention(Duration.ZERO))
        .hasMessageStartingWith("retention: PT0S");
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!p.getFileName().toString().equals("write.lock")) {
          Files.copy(p, target);
        }
      }
    }
  }

  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
