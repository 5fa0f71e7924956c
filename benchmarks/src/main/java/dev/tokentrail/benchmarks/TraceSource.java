package dev.tokentrail.benchmarks;

import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.pricing.PriceCatalog;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The side-by-side benchmark's spans, for each contender in the form it is fed: raw traces as SDK
 * span batches, enriched traces, in the same order every time. In memory they are generated once
 * before any clock starts; streamed (for runs too large to hold) they are generated again from the
 * seed on a producer thread for each pass, a bounded queue ahead of the consumer, so the
 * generation then shares the machine with the contender being measured.
 */
final class TraceSource {
  private static final int AHEAD = 256;

  private final TokenCounts tokens;
  private final PriceCatalog catalog;
  private final long seed;
  private final int spans;
  private final long startNanos;
  private final long spreadNanos;
  private final List<List<Span>> raw; // null when streamed
  private final List<List<Span>> enriched; // null when streamed
  private volatile List<Span> lastTrace;

  private TraceSource(TokenCounts tokens, PriceCatalog catalog, long seed, int spans, long startNanos, long spreadNanos, boolean stream) {
    this.tokens = tokens;
    this.catalog = catalog;
    this.seed = seed;
    this.spans = spans;
    this.startNanos = startNanos;
    this.spreadNanos = spreadNanos;
    if (stream) {
      raw = null;
      enriched = null;
    } else {
      raw = new Workload(tokens, catalog, seed).traces(spans, startNanos, spreadNanos);
      LlmSpanEnricher enricher = enricher(catalog);
      enriched = new ArrayList<>(raw.size());
      for (List<Span> trace : raw) {
        enriched.add(enrich(enricher, trace));
      }
      lastTrace = raw.get(raw.size() - 1);
    }
  }

  static TraceSource inMemory(TokenCounts tokens, PriceCatalog catalog, long seed, int spans, long startNanos, long spreadNanos) {
    return new TraceSource(tokens, catalog, seed, spans, startNanos, spreadNanos, false);
  }

  static TraceSource streamed(TokenCounts tokens, PriceCatalog catalog, long seed, int spans, long startNanos, long spreadNanos) {
    return new TraceSource(tokens, catalog, seed, spans, startNanos, spreadNanos, true);
  }

  boolean isStreamed() {
    return raw == null;
  }

  /** The last trace as sent (known once one pass has run). */
  List<Span> lastTrace() {
    if (lastTrace == null) {
      throw new IllegalStateException("no pass over the traces has run yet");
    }
    return lastTrace;
  }

  /**
   * The spans as TokenTrail's ingest hands them to a store (each with its LLM call), in trace
   * order; in memory only.
   */
  List<IngestedSpan> ingested() {
    if (raw == null) {
      throw new IllegalStateException("ingested spans are built in memory only");
    }
    LlmSpanEnricher enricher = enricher(catalog);
    List<IngestedSpan> out = new ArrayList<>(spans);
    for (List<Span> trace : raw) {
      for (Span span : trace) {
        out.add(enricher.enrich(span));
      }
    }
    return out;
  }

  /** The traces enriched as TokenTrail's ingest enriches them. */
  Iterable<List<Span>> enriched() {
    if (enriched != null) {
      return enriched;
    }
    return produced(sink -> {
      LlmSpanEnricher enricher = enricher(catalog);
      generate(trace -> sink.accept(enrich(enricher, trace)));
    });
  }

  /** The raw traces as SDK span data, in export batches of {@code batchSize}. */
  Iterable<List<SpanData>> sdkBatches(int batchSize) {
    if (raw != null) {
      List<Span> all = new ArrayList<>(spans);
      raw.forEach(all::addAll);
      return SdkSpanData.batches(all, batchSize);
    }
    return produced(sink -> {
      SdkSpanData.Converter converter = new SdkSpanData.Converter();
      List<SpanData> batch = new ArrayList<>(batchSize);
      generate(trace -> {
        for (Span s : trace) {
          batch.add(converter.convert(s));
          if (batch.size() == batchSize) {
            sink.accept(List.copyOf(batch));
            batch.clear();
          }
        }
      });
      if (!batch.isEmpty()) {
        sink.accept(List.copyOf(batch));
      }
    });
  }

  private void generate(Consumer<List<Span>> consumer) {
    new Workload(tokens, catalog, seed).forEachTrace(spans, startNanos, spreadNanos, trace -> {
      lastTrace = trace;
      consumer.accept(trace);
    });
  }

  private static LlmSpanEnricher enricher(PriceCatalog catalog) {
    return LlmSpanEnricher.create(GenAiNormalizer.create(AttributionKeys.DEFAULT), new CostCalculator(catalog));
  }

  private static List<Span> enrich(LlmSpanEnricher enricher, List<Span> trace) {
    List<Span> out = new ArrayList<>(trace.size());
    for (Span span : trace) {
      out.add(enricher.enrich(span).span());
    }
    return out;
  }

  /**
   * An iterable whose each iteration runs {@code producer} on its own thread, at most
   * {@value #AHEAD} items ahead of the consumer; a producer failure is rethrown by the iterator.
   */
  static <T> Iterable<T> produced(Consumer<Consumer<T>> producer) {
    return () -> {
      BlockingQueue<Object> queue = new ArrayBlockingQueue<>(AHEAD);
      Object end = new Object();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread thread = Thread.ofPlatform().daemon().name("trace-producer").start(() -> {
        try {
          producer.accept(item -> put(queue, item));
        } catch (Throwable e) {
          failure.set(e);
        } finally {
          put(queue, end);
        }
      });
      return new Iterator<T>() {
        private Object next;

        @Override
        public boolean hasNext() {
          if (next == null) {
            try {
              next = queue.take();
            } catch (InterruptedException e) {
              thread.interrupt();
              Thread.currentThread().interrupt();
              throw new IllegalStateException("interrupted while waiting for the trace producer", e);
            }
          }
          if (next == end && failure.get() != null) {
            throw new IllegalStateException("generating the traces failed: " + failure.get(), failure.get());
          }
          return next != end;
        }

        @Override
        @SuppressWarnings("unchecked")
        public T next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          T item = (T) next;
          next = null;
          return item;
        }
      };
    };
  }

  private static void put(BlockingQueue<Object> queue, Object item) {
    try {
      queue.put(item);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("trace producer interrupted", e);
    }
  }
}
