package dev.tokentrail.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.OtlpSpans;
import dev.tokentrail.otlp.SpanWireEncoder;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.conformance.RandomTraces;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The queue's estimate against the heap queued batches really retain: spans decoded from OTLP (so
 * each holds its own strings, and spans of one resource share it, as ingest decodes them), their
 * calls and log records, held as {@link PendingBatch}es.
 */
class BatchSizesTest {
  @Test
  void theEstimateStaysAboveTheRetainedHeapWithoutOverstatingItTwice() throws Exception {
    List<byte[]> requests = new ArrayList<>();
    for (int seed = 0; seed < 40; seed++) {
      for (List<IngestedSpan> batch : RandomTraces.generate(new Random(seed), 200, false).batches()) {
        requests.add(OtlpSpans.encode(batch.stream().map(IngestedSpan::span).toList()).toByteArray());
      }
    }
    SpanWireEncoder encoder = SpanWireEncoder.create();
    List<PendingBatch> queued = new ArrayList<>(requests.size());
    long estimate = 0;
    long before = usedHeap();
    for (byte[] request : requests) {
      List<Span> spans = OtlpSpans.decode(TracesData.parseFrom(request).getResourceSpansList()).spans();
      List<IngestedSpan> ingested = StoredCalls.ingested(spans);
      LlmCall[] calls = new LlmCall[spans.size()];
      for (int i = 0; i < calls.length; i++) {
        calls[i] = ingested.get(i).call();
      }
      byte[] record = IngestLog.record(encoder, Tenants.DEFAULT, spans);
      estimate += BatchSizes.estimate(spans);
      queued.add(new PendingBatch(Tenants.DEFAULT, spans, calls, record, 0, 0, 0));
    }
    long retained = usedHeap() - before;

    assertThat(queued).isNotEmpty();
    assertThat(estimate).as("estimate vs %,d B retained", retained).isGreaterThanOrEqualTo(retained);
    assertThat(estimate).as("estimate vs %,d B retained", retained).isLessThanOrEqualTo(2 * retained);
  }

  private static long usedHeap() throws InterruptedException {
    Runtime runtime = Runtime.getRuntime();
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return runtime.totalMemory() - runtime.freeMemory();
  }
}
