package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.lucene.LuceneSpanStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FatalErrorsTest {
  @TempDir Path dir;

  @Test
  void aFatalErrorHaltsWithANonZeroCodeEveryTimeButIsLoggedOnce() {
    List<Integer> halts = new CopyOnWriteArrayList<>();
    FatalErrors errors = new FatalErrors(halts::add);
    errors.handle(new OutOfMemoryError("Java heap space"));
    errors.handle(new OutOfMemoryError("again"));
    assertThat(halts).containsExactly(FatalErrors.EXIT_CODE, FatalErrors.EXIT_CODE);
    assertThat(FatalErrors.EXIT_CODE).isNotZero();
  }

  @Test
  void anOutOfMemoryErrorWhileTheStoreEncodesABatchHaltsTheProcess() {
    List<Integer> halts = new CopyOnWriteArrayList<>();
    FatalErrors errors = new FatalErrors(halts::add);
    try (LuceneSpanStore store = LuceneSpanStore.builder(dir).registry(new PrometheusRegistry()).onFatalError(errors::handle).open()) {
      Span poisoned = new Span(TraceId.fromHex("0af7651916cd43dd8448eb211c80319c"), SpanId.fromHex("b7ad6b7169203331"), SpanId.NONE, "", "x",
          dev.tokentrail.model.SpanKind.INTERNAL, 1, 2, dev.tokentrail.model.StatusCode.UNSET, "",
          new java.util.AbstractMap<String, Object>() {
            @Override
            public java.util.Set<Entry<String, Object>> entrySet() {
              throw new OutOfMemoryError("Java heap space (injected)");
            }
          },
          dev.tokentrail.model.Resource.EMPTY, "", "", List.of(), List.of());
      try {
        store.accept(dev.tokentrail.store.Tenants.DEFAULT, List.of(new dev.tokentrail.model.IngestedSpan(poisoned, null)));
      } catch (OutOfMemoryError expected) {
        // rethrown to the caller after the handler ran
      }
      assertThat(halts).containsExactly(FatalErrors.EXIT_CODE);
      assertThat(store.isReady()).isFalse();
    }
  }

  @Test
  void theIndexBufferShrinksWithTheHeap() {
    assertThat(TokenTrailServer.ramBufferMb(512L << 20)).isEqualTo(32);
    assertThat(TokenTrailServer.ramBufferMb(64L << 20)).isEqualTo(8);
    assertThat(TokenTrailServer.ramBufferMb(8L << 30)).isEqualTo(128);
  }
}
