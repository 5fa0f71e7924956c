package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tokentrail.model.IngestedSpan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code _bulk} bodies of the span documents the store writes (current mapping version, an index
 * per day under {@code prefix}, the store's document ids), for benchmarks that index TokenTrail's
 * documents without the rest of the write path (trace days, rollups, acknowledgements).
 */
public final class SpanDocumentBodies {
  private SpanDocumentBodies() {}

  /** Hands {@code sink} bodies of at most {@code maxDocs} documents and about {@code maxBytes} each. */
  public static void bulkBodies(String prefix, String tenant, Iterable<IngestedSpan> spans, int maxDocs, int maxBytes,
      Consumer<byte[]> sink) {
    IndexTemplates indices = new IndexTemplates(prefix);
    ByteArrayOutputStream body = new ByteArrayOutputStream(maxBytes + (1 << 16));
    int docs = 0;
    try {
      JsonGenerator out = OpenSearchClient.JSON.getFactory().createGenerator(body);
      out.setRootValueSeparator(null);
      for (IngestedSpan s : spans) {
        BulkOperation op = BulkOperation.index(0, tenant, s);
        op.write(out, indices, Map.of()); // every index of the current layout
        out.flush();
        if (++docs >= maxDocs || body.size() >= maxBytes) {
          sink.accept(body.toByteArray());
          body.reset();
          docs = 0;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (body.size() > 0) {
      sink.accept(body.toByteArray());
    }
  }
}
