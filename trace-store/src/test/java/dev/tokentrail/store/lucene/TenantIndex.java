package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSummary;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.TermQuery;

/**
 * Partitions written directly, documents tagged with a tenant as the write side tags them (or
 * untagged, as before tenants existed), with each tenant's rollups computed from its own spans;
 * and the read-side classes over them. Flush points are the test's: {@link #flush} ends a segment.
 */
final class TenantIndex implements Closeable {
  static final long PARTITION_NANOS = Duration.ofHours(1).toNanos();

  final Partitions partitions;
  final TraceLoader loader;
  final TraceRanking ranking;
  final TraceSearcher searcher;
  final TagCatalog tags;
  final CallColumnsReader calls;
  private final Set<String> dirty = new LinkedHashSet<>();

  TenantIndex(Path root) {
    partitions = new Partitions(root, PARTITION_NANOS, Duration.ofDays(3650).toNanos(), Duration.ofDays(3650).toNanos(),
        16, 10_000, UnaryOperator.identity(), System::nanoTime, () -> {});
    loader = new TraceLoader(partitions);
    ranking = new TraceRanking(partitions);
    searcher = new TraceSearcher(partitions, ranking, 10_000);
    tags = new TagCatalog(partitions);
    calls = new CallColumnsReader(partitions);
  }

  /** Writes a span of {@code tenant} (null: untagged, as written before tenants existed). */
  void add(String tenant, Span span) throws IOException {
    Document doc = SpanDocuments.toDocument(span); // carries the default tenant
    doc.removeFields(SpanDocuments.TENANT);
    if (tenant != null) {
      doc.add(new StringField(SpanDocuments.TENANT, tenant, Field.Store.NO));
    }
    Partition p = partitions.forTime(span.startEpochNanos());
    String owner = tenant == null ? dev.tokentrail.store.Tenants.DEFAULT : tenant;
    p.writer.updateDocument(new Term(SpanDocuments.SPAN_KEY, SpanKeys.spanKeyBytes(owner, span)), doc);
    dirty.add((tenant == null ? "" : tenant) + "/" + span.traceId());
  }

  /** Rewrites the rollups of the traces written since the last call, per tenant, and refreshes. */
  void rollUpAndRefresh() throws IOException {
    refresh();
    for (String key : dirty) {
      int slash = key.indexOf('/');
      String tenant = key.substring(0, slash);
      TraceId traceId = TraceId.fromHex(key.substring(slash + 1));
      String reading = tenant.isEmpty() ? dev.tokentrail.store.Tenants.DEFAULT : tenant;
      TraceRollups.Accumulator acc = new TraceRollups.Accumulator(traceId);
      try (StoreSnapshot all = StoreSnapshot.of(partitions, reading, 0, 0)) {
        for (int i = 0; i < all.searchers.size(); i++) {
          TraceRollups.collect(all.searchers.get(i), all.parts.get(i), acc);
        }
      }
      org.apache.lucene.search.Query rollupOfTenant = rollupKey(tenant, reading, traceId);
      for (Partition p : partitions.all()) {
        p.writer.deleteDocuments(rollupOfTenant);
      }
      Document doc = TraceRollups.toDocument(reading, acc);
      if (tenant.isEmpty()) {
        doc.removeFields(SpanDocuments.TENANT); // as written before documents carried a tenant
      }
      acc.home.writer.addDocument(doc);
    }
    dirty.clear();
    refresh();
  }

  private static org.apache.lucene.search.Query rollupKey(String tenant, String reading, TraceId traceId) {
    BooleanQuery.Builder q = new BooleanQuery.Builder()
        .add(new TermQuery(TraceRollups.rollupKey(reading, traceId)), Occur.FILTER);
    if (tenant.isEmpty()) {
      q.add(new org.apache.lucene.search.MatchAllDocsQuery(), Occur.FILTER)
          .add(new org.apache.lucene.search.TermRangeQuery(SpanDocuments.TENANT, null, null, true, true), Occur.MUST_NOT);
    } else {
      q.add(new TermQuery(new Term(SpanDocuments.TENANT, tenant)), Occur.FILTER);
    }
    return q.build();
  }

  /** Ends the current segment of every partition, so later documents go to new segments. */
  void flush() throws IOException {
    for (Partition p : partitions.all()) {
      p.writer.flush();
    }
  }

  void refresh() throws IOException {
    for (Partition p : partitions.all()) {
      p.searchers.maybeRefreshBlocking();
    }
  }

  List<TraceMatch> search(String tenant, TraceSearch search) {
    return searcher.search(tenant, search);
  }

  List<TraceId> traceIds(List<TraceMatch> matches) {
    List<TraceId> ids = new ArrayList<>();
    for (TraceMatch m : matches) {
      ids.add(m.summary().traceId());
    }
    return ids;
  }

  TraceSummary summary(String tenant, TraceId traceId) {
    return ranking.traceSummary(tenant, traceId);
  }

  @Override
  public void close() {
    partitions.close();
  }
}
