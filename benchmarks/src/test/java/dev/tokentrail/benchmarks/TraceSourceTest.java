package dev.tokentrail.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokentrail.model.Span;
import dev.tokentrail.pricing.PriceCatalog;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceSourceTest {
  private static final long START = 1_700_000_000_000_000_000L;

  @Test
  void streamedTracesAreTheSameAsTheOnesHeldInMemory() {
    TokenCounts tokens = TokenCounts.load(TokenCounts.DEFAULT_FILE);
    PriceCatalog catalog = PriceCatalog.builtIn();
    TraceSource memory = TraceSource.inMemory(tokens, catalog, 5, 3_000, START, 60_000_000_000L);
    TraceSource streamed = TraceSource.streamed(tokens, catalog, 5, 3_000, START, 60_000_000_000L);

    List<List<Span>> fromMemory = new ArrayList<>();
    memory.enriched().forEach(fromMemory::add);
    List<List<Span>> fromStream = new ArrayList<>();
    streamed.enriched().forEach(fromStream::add);

    assertThat(fromStream).isEqualTo(fromMemory);
    assertThat(streamed.lastTrace().get(0).traceId()).isEqualTo(memory.lastTrace().get(0).traceId());
    assertThat(spanIds(streamed.sdkBatches(100))).isEqualTo(spanIds(memory.sdkBatches(100)));
  }

  @Test
  void aProducerFailureReachesTheConsumer() {
    Iterable<String> failing = TraceSource.produced(sink -> {
      sink.accept("first");
      throw new IllegalArgumentException("broken generator");
    });

    List<String> seen = new ArrayList<>();
    assertThatThrownBy(() -> failing.forEach(seen::add)).hasMessageContaining("broken generator");
    assertThat(seen).containsExactly("first");
  }

  private static List<List<String>> spanIds(Iterable<List<SpanData>> batches) {
    List<List<String>> out = new ArrayList<>();
    for (List<SpanData> batch : batches) {
      out.add(batch.stream().map(SpanData::getSpanId).toList());
    }
    return out;
  }
}
