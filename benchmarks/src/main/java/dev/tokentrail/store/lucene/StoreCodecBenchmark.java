package dev.tokentrail.store.lucene;

import dev.tokentrail.benchmarks.TokenCounts;
import dev.tokentrail.benchmarks.Workload;
import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.OtlpSpans;
import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.pricing.PriceCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.document.Document;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The store's per-span CPU work before Lucene indexes anything: encoding a batch for the
 * write-ahead log (done on the receiving thread) and building the Lucene document (done on an
 * indexing thread, which copies the span's stored form from the log record). Lives in the store's
 * package because {@code SpanDocuments} and {@code RecordSpans} are package-private.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Thread)
public class StoreCodecBenchmark {
  static final int BATCH = 512;
  static final long START = 1_763_000_000_000_000_000L;

  List<Span> batch;
  List<dev.tokentrail.model.IngestedSpan> ingested;
  final SpanDocumentBuilder builder = new SpanDocumentBuilder();
  final dev.tokentrail.otlp.SpanWireEncoder requestEncoder = dev.tokentrail.otlp.SpanWireEncoder.create();
  final dev.tokentrail.otlp.SpanWireEncoder indexEncoder = dev.tokentrail.otlp.SpanWireEncoder.create();
  /** The indexing thread's reused buffer for stored forms. */
  byte[] stored = new byte[4096];
  byte[] walRecord;

  @Setup(Level.Trial)
  public void setUp() {
    PriceCatalog catalog = PriceCatalog.builtIn();
    LlmSpanEnricher enricher =
        LlmSpanEnricher.create(GenAiNormalizer.create(AttributionKeys.DEFAULT), new CostCalculator(catalog));
    Workload workload = new Workload(TokenCounts.fromSystemProperty(), catalog, 7);
    batch = new ArrayList<>(BATCH);
    for (Span span : workload.spans(Workload.Kind.MIX, BATCH, START)) {
      batch.add(enricher.enrich(span).span());
    }
    ingested = dev.tokentrail.genai.StoredCalls.ingested(batch);
    walRecord = IngestLog.record(requestEncoder, dev.tokentrail.store.Tenants.DEFAULT, batch);
    if (RecordSpans.of(walRecord, batch.size()) == null) {
      throw new IllegalStateException("the log record of the batch does not line up with its spans");
    }
  }

  /**
   * The store's ingest path per span, as {@code SpanIndexing} runs it: the caller's thread writes
   * the batch's log record (resource groups, straight from the model), then an indexing thread
   * finds the spans' slices in the record, copies each span's stored form from them (encoding it
   * only when a slice does not carry the span) and builds its document with its reusable {@code
   * SpanDocumentBuilder} from the span and the call ingest recognized.
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int ingestPath() {
    byte[] record = IngestLog.record(requestEncoder, dev.tokentrail.store.Tenants.DEFAULT, batch);
    RecordSpans slices = RecordSpans.of(record, ingested.size());
    int fields = record.length;
    for (int i = 0; i < ingested.size(); i++) {
      dev.tokentrail.model.IngestedSpan s = ingested.get(i);
      byte[] blob = stored;
      int length = -1;
      if (slices != null) {
        int room = slices.storedLength(i);
        if (stored.length < room) {
          stored = new byte[Math.max(room, stored.length * 2)];
        }
        blob = stored;
        length = slices.storedForm(i, s.span(), blob);
      }
      if (length < 0) {
        length = indexEncoder.resourceSpans(s.span());
        blob = indexEncoder.buffer();
      }
      fields += builder.build(dev.tokentrail.store.Tenants.DEFAULT, s.span(), s.call(), blob, length, null).size();
    }
    return fields;
  }

  /** Each span's stored form copied from the batch's log record ({@code RecordSpans}), per span. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int storedFormFromRecord() {
    RecordSpans slices = RecordSpans.of(walRecord, batch.size());
    int bytes = 0;
    for (int i = 0; i < batch.size(); i++) {
      int room = slices.storedLength(i);
      if (stored.length < room) {
        stored = new byte[Math.max(room, stored.length * 2)];
      }
      bytes += slices.storedForm(i, batch.get(i), stored);
    }
    return bytes;
  }

  /** The log record of the batch ({@code IngestLog.record}: the direct encoder), per span. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public byte[] walPayload() {
    return IngestLog.record(requestEncoder, dev.tokentrail.store.Tenants.DEFAULT, batch);
  }

  /** The same spans through protobuf messages ({@code OtlpSpans.encode(batch).toByteArray()}), per span: the former way. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public byte[] walPayloadViaMessages() {
    return OtlpSpans.encode(batch).toByteArray();
  }

  /** Each span's stored form by the indexing thread's encoder (the fallback when a record does not line up), per span. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int storedBlob() {
    int bytes = 0;
    for (Span span : batch) {
      bytes += indexEncoder.resourceSpans(span);
    }
    return bytes;
  }

  /** {@code SpanDocuments.toDocument} of each enriched span, per span (a fresh builder each: the old one-off path). */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int toDocument() {
    int fields = 0;
    for (Span span : batch) {
      Document doc = SpanDocuments.toDocument(span);
      fields += doc.getFields().size();
    }
    return fields;
  }
}
