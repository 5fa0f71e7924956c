package dev.tokentrail.store.lucene;

import dev.tokentrail.store.Tenants;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FilterDirectoryReader;
import org.apache.lucene.index.FilterLeafReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.FixedBitSet;

/**
 * One tenant's view of a partition's reader: every read goes through it, so a query, a doc-values
 * pass or a terms walk never sees another tenant's spans or rollups. Documents carry their tenant
 * in the keyword field {@link SpanDocuments#TENANT}; documents written before tenants existed have
 * none and belong to {@link Tenants#DEFAULT}.
 *
 * <p>The view hides other tenants' documents as if deleted (the leaf's live docs), which every
 * Lucene query, collector and {@code IndexSearcher} honours. A segment wholly of the tenant (no
 * tenant field at all, or every document of the tenant) is passed through untouched, so a store
 * of one tenant pays nothing. A mixed segment's tenant documents are computed once per segment
 * core and tenant and cached until the segment is closed.
 */
final class TenantReaders {
  /** Tenant documents of a segment core, ignoring deletions; null value: the whole segment. */
  private static final Map<IndexReader.CacheKey, Map<String, FixedBitSet>> CACHE = new ConcurrentHashMap<>();
  private static final FixedBitSet WHOLE_SEGMENT = new FixedBitSet(0);

  private TenantReaders() {}

  /** {@code reader} as {@code tenant} sees it; {@code reader} itself when every segment is the tenant's. */
  static DirectoryReader view(DirectoryReader reader, String tenant) throws IOException {
    boolean whole = true;
    for (var leaf : reader.leaves()) {
      if (tenantDocs(leaf.reader(), tenant) != WHOLE_SEGMENT) {
        whole = false;
        break;
      }
    }
    return whole ? reader : new TenantDirectoryReader(reader, tenant);
  }

  /**
   * The documents of {@code tenant} in the segment, live or not: {@link #WHOLE_SEGMENT} when all
   * of them are, else a bit set (empty when none are).
   */
  private static FixedBitSet tenantDocs(LeafReader reader, String tenant) throws IOException {
    Terms terms = reader.terms(SpanDocuments.TENANT);
    boolean isDefault = Tenants.DEFAULT.equals(tenant);
    if (terms == null) {
      return isDefault ? WHOLE_SEGMENT : new FixedBitSet(reader.maxDoc());
    }
    TermsEnum it = terms.iterator();
    boolean present = it.seekExact(new BytesRef(tenant));
    int docFreq = present ? it.docFreq() : 0;
    if (docFreq == reader.maxDoc() || (isDefault && docFreq == terms.getDocCount())) {
      // Every document names the tenant, or (default) every document naming one names it.
      return WHOLE_SEGMENT;
    }
    IndexReader.CacheHelper helper = reader.getCoreCacheHelper();
    if (helper == null) {
      return compute(reader, terms, tenant, isDefault);
    }
    Map<String, FixedBitSet> byTenant = CACHE.computeIfAbsent(helper.getKey(), key -> {
      helper.addClosedListener(CACHE::remove);
      return new ConcurrentHashMap<>();
    });
    FixedBitSet cached = byTenant.get(tenant);
    if (cached == null) {
      cached = compute(reader, terms, tenant, isDefault);
      byTenant.put(tenant, cached);
    }
    return cached;
  }

  private static FixedBitSet compute(LeafReader reader, Terms terms, String tenant, boolean isDefault)
      throws IOException {
    FixedBitSet docs = new FixedBitSet(reader.maxDoc());
    TermsEnum it = terms.iterator();
    PostingsEnum postings = null;
    if (!isDefault) {
      if (it.seekExact(new BytesRef(tenant))) {
        postings = it.postings(null, PostingsEnum.NONE);
        for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
          docs.set(doc);
        }
      }
      return docs;
    }
    // Default: every document but those naming another tenant.
    docs.set(0, reader.maxDoc());
    BytesRef own = new BytesRef(tenant);
    for (BytesRef term = it.next(); term != null; term = it.next()) {
      if (term.bytesEquals(own)) {
        continue;
      }
      postings = it.postings(postings, PostingsEnum.NONE);
      for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
        docs.clear(doc);
      }
    }
    return docs;
  }

  private static final class TenantDirectoryReader extends FilterDirectoryReader {
    private final String tenant;

    TenantDirectoryReader(DirectoryReader in, String tenant) throws IOException {
      super(in, new SubReaderWrapper() {
        @Override
        public LeafReader wrap(LeafReader reader) {
          try {
            FixedBitSet docs = tenantDocs(reader, tenant);
            return docs == WHOLE_SEGMENT ? reader : new TenantLeafReader(reader, docs);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      });
      this.tenant = tenant;
    }

    @Override
    protected DirectoryReader doWrapDirectoryReader(DirectoryReader in) throws IOException {
      return new TenantDirectoryReader(in, tenant);
    }

    @Override
    public CacheHelper getReaderCacheHelper() {
      return null;
    }
  }

  /** A segment with other tenants' documents hidden as deleted. */
  private static final class TenantLeafReader extends FilterLeafReader {
    private final org.apache.lucene.util.Bits live;
    private int numDocs = -1;

    TenantLeafReader(LeafReader in, FixedBitSet tenantDocs) {
      super(in);
      org.apache.lucene.util.Bits inLive = in.getLiveDocs();
      if (inLive == null) {
        this.live = tenantDocs;
        this.numDocs = tenantDocs.cardinality();
      } else {
        this.live = new org.apache.lucene.util.Bits() {
          @Override
          public boolean get(int index) {
            return tenantDocs.get(index) && inLive.get(index);
          }

          @Override
          public int length() {
            return tenantDocs.length();
          }
        };
      }
    }

    @Override
    public org.apache.lucene.util.Bits getLiveDocs() {
      return live;
    }

    @Override
    public int numDocs() {
      if (numDocs < 0) {
        int n = 0;
        for (int doc = 0; doc < maxDoc(); doc++) {
          if (live.get(doc)) {
            n++;
          }
        }
        numDocs = n;
      }
      return numDocs;
    }

    @Override
    public CacheHelper getCoreCacheHelper() {
      // Same segment core: cached per-core query results stay valid, live docs are applied after.
      return in.getCoreCacheHelper();
    }

    @Override
    public CacheHelper getReaderCacheHelper() {
      return null;
    }
  }
}
