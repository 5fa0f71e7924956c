package dev.tokentrail.store.lucene;

import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsAnswer;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.MetricsSeries;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.NumericUtils;

/**
 * Evaluates a {@link MetricsQuery} over span documents from the index alone: the start time and
 * the aggregated field from numeric doc values, the group of each span from sorted doc values
 * (intrinsics) or from the attribute's postings, uninverted once per segment into an ordinal
 * array (attributes are indexed as terms without doc values). Stored spans are never read.
 */
final class MetricsAggregation {
  private final MetricsQuery query;
  private final int buckets;
  /** Series times steps one query may hold (each a handful of numbers per series and step). */
  static final long MAX_CELLS = 4_000_000;
  /** Values kept for quantiles and histograms, over every series and step. */
  static final long MAX_KEPT_VALUES = 20_000_000;
  private long keptValues;
  private final GroupField[] groups;
  private final ValueField value;
  private final Map<Object, Acc> series = new HashMap<>();
  private Acc ungrouped;
  private long inspected;

  MetricsAggregation(MetricsQuery query) {
    this.query = query;
    this.buckets = query.buckets();
    this.groups = new GroupField[query.by().size()];
    for (int i = 0; i < groups.length; i++) {
      groups[i] = new GroupField(query.by().get(i));
    }
    this.value = query.field() == null ? null : new ValueField(query.field());
  }

  void collect(int searcherIndex, IndexSearcher searcher, Query filter) throws IOException {
    searcher.search(filter, new Collector(searcherIndex));
  }

  /** Resolves exemplar trace and span ids through the searchers the collection ran on. */
  MetricsAnswer answer(List<IndexSearcher> searchers) throws IOException {
    List<Acc> all = new ArrayList<>(series.values());
    if (ungrouped != null) {
      all.add(ungrouped);
    }
    List<ExemplarRef> refs = new ArrayList<>();
    for (Acc acc : all) {
      if (acc.exemplars != null) {
        for (ExemplarRef[] slot : acc.exemplars) {
          if (slot != null) {
            for (ExemplarRef ref : slot) {
              if (ref != null) {
                refs.add(ref);
              }
            }
          }
        }
      }
    }
    if (refs.size() > query.maxExemplars()) {
      // Spread over series and time: every k-th in (bucket, series) order, at most maxExemplars.
      refs.sort(Comparator.comparingInt(ExemplarRef::bucket));
      List<ExemplarRef> kept = new ArrayList<>(query.maxExemplars());
      double stride = (double) refs.size() / query.maxExemplars();
      for (int i = 0; i < query.maxExemplars(); i++) {
        kept.add(refs.get((int) (i * stride)));
      }
      refs = kept;
    }
    Map<ExemplarRef, MetricsSeries.Exemplar> resolved = resolve(refs, searchers);
    List<MetricsSeries> out = new ArrayList<>(all.size());
    for (Acc acc : all) {
      out.add(acc.toSeries(resolved));
    }
    return new MetricsAnswer(out, inspected);
  }

  private static Map<ExemplarRef, MetricsSeries.Exemplar> resolve(List<ExemplarRef> refs, List<IndexSearcher> searchers)
      throws IOException {
    Map<ExemplarRef, MetricsSeries.Exemplar> out = new HashMap<>();
    refs.sort(Comparator.comparingInt(ExemplarRef::searcher).thenComparingInt(ExemplarRef::leaf).thenComparingInt(ExemplarRef::doc));
    SortedDocValues traceIds = null;
    NumericDocValues spanIds = null;
    int searcher = -1;
    int leaf = -1;
    for (ExemplarRef ref : refs) {
      if (ref.searcher() != searcher || ref.leaf() != leaf) {
        searcher = ref.searcher();
        leaf = ref.leaf();
        LeafReader reader = searchers.get(searcher).getIndexReader().leaves().get(leaf).reader();
        traceIds = DocValues.getSorted(reader, SpanDocuments.TRACE_ID);
        spanIds = DocValues.getNumeric(reader, SpanDocuments.SPAN_ID);
      }
      if (!traceIds.advanceExact(ref.doc())) {
        continue;
      }
      BytesRef id = traceIds.lookupOrd(traceIds.ordValue());
      TraceId traceId = SpanDocuments.traceId(id);
      SpanId spanId = spanIds.advanceExact(ref.doc()) ? new SpanId(spanIds.longValue()) : SpanId.NONE;
      out.put(ref, new MetricsSeries.Exemplar(traceId, spanId, ref.startNanos(), ref.bucket(), ref.value()));
    }
    return out;
  }

  private record ExemplarRef(int searcher, int leaf, int doc, long startNanos, int bucket, double value) {}

  /** Statistics of one series. */
  private final class Acc {
    final List<Object> groupValues;
    final long[] counts = new long[buckets];
    final long[] fieldCounts;
    final double[] sums;
    final double[] mins;
    final double[] maxs;
    final double[][] values;
    final int[] valueSizes;
    final ExemplarRef[][] exemplars;

    Acc(List<Object> groupValues) {
      this.groupValues = groupValues;
      boolean numeric = value != null;
      fieldCounts = numeric ? new long[buckets] : null;
      sums = numeric ? new double[buckets] : null;
      mins = numeric ? filled(Double.POSITIVE_INFINITY) : null;
      maxs = numeric ? filled(Double.NEGATIVE_INFINITY) : null;
      values = numeric && query.keepValues() ? new double[buckets][] : null;
      valueSizes = values != null ? new int[buckets] : null;
      exemplars = query.maxExemplars() > 0 ? new ExemplarRef[buckets][] : null;
    }

    private double[] filled(double v) {
      double[] a = new double[buckets];
      Arrays.fill(a, v);
      return a;
    }

    void observe(int bucket, double v, boolean hasValue) {
      counts[bucket]++;
      if (hasValue) {
        fieldCounts[bucket]++;
        sums[bucket] += v;
        if (v < mins[bucket]) {
          mins[bucket] = v;
        }
        if (v > maxs[bucket]) {
          maxs[bucket] = v;
        }
        if (values != null) {
          double[] vs = values[bucket];
          int n = valueSizes[bucket];
          if (vs == null) {
            vs = values[bucket] = new double[8];
          } else if (n == vs.length) {
            vs = values[bucket] = Arrays.copyOf(vs, n * 2);
          }
          if (++keptValues > MAX_KEPT_VALUES) {
            throw new IllegalArgumentException("query: more than " + MAX_KEPT_VALUES
                + " values for a quantile or histogram (expected: a shorter window or a narrower filter)");
          }
          vs[n] = v;
          valueSizes[bucket] = n + 1;
        }
      }
    }

    /** Keeps the span with the largest value (the first one when there is no value). */
    void exemplar(int bucket, ExemplarRef ref) {
      ExemplarRef[] slot = exemplars[bucket];
      if (slot == null) {
        slot = exemplars[bucket] = new ExemplarRef[1];
      }
      slot[0] = ref;
    }

    MetricsSeries toSeries(Map<ExemplarRef, MetricsSeries.Exemplar> resolved) {
      double[][] vs = null;
      if (values != null) {
        vs = new double[buckets][];
        for (int b = 0; b < buckets; b++) {
          vs[b] = values[b] == null ? new double[0] : Arrays.copyOf(values[b], valueSizes[b]);
        }
      }
      if (mins != null) {
        for (int b = 0; b < buckets; b++) {
          if (fieldCounts[b] == 0) {
            mins[b] = Double.NaN;
            maxs[b] = Double.NaN;
          }
        }
      }
      List<MetricsSeries.Exemplar> ex = new ArrayList<>();
      if (exemplars != null) {
        for (ExemplarRef[] slot : exemplars) {
          if (slot != null) {
            for (ExemplarRef r : slot) {
              MetricsSeries.Exemplar e = r == null ? null : resolved.get(r);
              if (e != null) {
                ex.add(e);
              }
            }
          }
        }
      }
      return new MetricsSeries(groupValues, counts, fieldCounts, sums, mins, maxs, vs, ex);
    }
  }

  private final class Collector extends SimpleCollector {
    private final dev.tokentrail.store.QueryCancellation cancellation = dev.tokentrail.store.QueryCancellation.current();
    private int collected;
    private final int searcherIndex;
    private LeafReaderContext context;
    private SortedNumericDocValues starts;
    private final LeafGroup[] leafGroups = new LeafGroup[groups.length];
    private LeafValue leafValue;
    private final int[] ids = new int[groups.length];
    // The last series looked up: spans of a segment often repeat their group.
    private long lastKey = Long.MIN_VALUE;
    private Acc lastAcc;

    Collector(int searcherIndex) {
      this.searcherIndex = searcherIndex;
    }

    @Override
    protected void doSetNextReader(LeafReaderContext ctx) throws IOException {
      this.context = ctx;
      LeafReader r = ctx.reader();
      starts = DocValues.getSortedNumeric(r, SpanDocuments.START);
      for (int i = 0; i < groups.length; i++) {
        leafGroups[i] = groups[i].forLeaf(r);
      }
      leafValue = value == null ? null : value.forLeaf(r);
      lastKey = Long.MIN_VALUE;
      lastAcc = null;
    }

    @Override
    public void collect(int doc) throws IOException {
      if ((++collected & 1023) == 0) {
        cancellation.check();
      }
      if (!starts.advanceExact(doc)) {
        return;
      }
      long start = starts.nextValue();
      if (start < query.startNanos() || start >= query.endNanos()) {
        return;
      }
      int bucket = (int) ((start - query.startNanos()) / query.stepNanos());
      if (bucket >= buckets) {
        bucket = buckets - 1;
      }
      inspected++;
      Acc acc = lookup(doc);
      double v = Double.NaN;
      boolean hasValue = false;
      if (leafValue != null && leafValue.advanceExact(doc)) {
        v = leafValue.value();
        hasValue = true;
      }
      acc.observe(bucket, v, hasValue);
      if (acc.exemplars != null && (leafValue == null || hasValue)) {
        ExemplarRef[] slot = acc.exemplars[bucket];
        if (slot == null || slot[0] == null || (!Double.isNaN(v) && v > slot[0].value())) {
          acc.exemplar(bucket, new ExemplarRef(searcherIndex, context.ord, doc, start, bucket, v));
        }
      }
    }

    private Acc lookup(int doc) throws IOException {
      if (groups.length == 0) {
        if (ungrouped == null) {
          ungrouped = new Acc(List.of());
        }
        return ungrouped;
      }
      for (int i = 0; i < groups.length; i++) {
        ids[i] = leafGroups[i].id(doc);
      }
      Object key;
      long packed;
      if (groups.length == 1) {
        packed = ids[0];
      } else if (groups.length == 2) {
        packed = ((long) ids[0] << 32) | (ids[1] & 0xffffffffL);
      } else {
        packed = Long.MIN_VALUE;
      }
      if (packed != Long.MIN_VALUE) {
        if (packed == lastKey) {
          return lastAcc;
        }
        key = packed;
      } else {
        key = new IdsKey(ids.clone());
      }
      Acc acc = series.get(key);
      if (acc == null) {
        if ((long) (series.size() + 1) * buckets > MAX_CELLS) {
          throw new IllegalArgumentException("query: more than " + Math.max(1, MAX_CELLS / buckets)
              + " series at " + buckets + " steps (expected: fewer series or steps; narrow the by() or the filter, or use a longer step)");
        }
        List<Object> values = new ArrayList<>(groups.length);
        for (int i = 0; i < groups.length; i++) {
          values.add(ids[i] < 0 ? null : groups[i].dictionary.get(ids[i]));
        }
        acc = new Acc(java.util.Collections.unmodifiableList(values));
        series.put(key, acc);
      }
      if (packed != Long.MIN_VALUE) {
        lastKey = packed;
        lastAcc = acc;
      }
      return acc;
    }

    @Override
    public ScoreMode scoreMode() {
      return ScoreMode.COMPLETE_NO_SCORES;
    }
  }

  private record IdsKey(int[] ids) {
    @Override
    public boolean equals(Object o) {
      return o instanceof IdsKey k && Arrays.equals(ids, k.ids);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(ids);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Group fields

  /** A span's group value in one segment, as an id into the field's dictionary; -1 for nil. */
  private interface LeafGroup {
    int id(int doc) throws IOException;
  }

  /** A by() field: its values across segments, numbered. */
  private static final class GroupField {
    final List<Object> dictionary = new ArrayList<>();
    final Map<Object, Integer> ids = new HashMap<>();
    final List<String[]> sources = new ArrayList<>(); // {kind, lucene field}: "terms", "numbers", "sorted"

    GroupField(FieldRef field) {
      switch (field.scope()) {
        case SPAN -> attribute(SpanDocuments.SPAN_ATTR, SpanDocuments.SPAN_NUM, field.name());
        case RESOURCE -> attribute(SpanDocuments.RESOURCE_ATTR, SpanDocuments.RESOURCE_NUM, field.name());
        case ANY -> {
          attribute(SpanDocuments.SPAN_ATTR, SpanDocuments.SPAN_NUM, field.name());
          attribute(SpanDocuments.RESOURCE_ATTR, SpanDocuments.RESOURCE_NUM, field.name());
        }
        case INTRINSIC -> {
          switch (field.name()) {
            case FieldRef.NAME -> sources.add(new String[] {"sorted", SpanDocuments.NAME});
            case FieldRef.STATUS -> sources.add(new String[] {"sorted", SpanDocuments.STATUS});
            case FieldRef.KIND -> sources.add(new String[] {"sorted", SpanDocuments.KIND});
            case FieldRef.STATUS_MESSAGE -> sources.add(new String[] {"terms", SpanDocuments.STATUS_MESSAGE});
            default -> throw new IllegalArgumentException(
                "by(" + field.name() + ") is not supported (group by span or resource attributes, name, status, kind or statusMessage)");
          }
        }
      }
    }

    private void attribute(String stringPrefix, String numberPrefix, String key) {
      sources.add(new String[] {"terms", stringPrefix + key});
      sources.add(new String[] {"numbers", numberPrefix + key});
    }

    int id(Object value) {
      Integer id = ids.get(value);
      if (id == null) {
        id = dictionary.size();
        dictionary.add(value);
        ids.put(value, id);
      }
      return id;
    }

    LeafGroup forLeaf(LeafReader reader) throws IOException {
      List<LeafGroup> parts = new ArrayList<>();
      for (String[] source : sources) {
        LeafGroup g = switch (source[0]) {
          case "terms" -> terms(reader, source[1]);
          case "numbers" -> numbers(reader, source[1]);
          default -> sorted(reader, source[1]);
        };
        if (g != null) {
          parts.add(g);
        }
      }
      if (parts.isEmpty()) {
        return doc -> -1;
      }
      if (parts.size() == 1) {
        return parts.get(0);
      }
      LeafGroup[] array = parts.toArray(LeafGroup[]::new);
      return doc -> {
        for (LeafGroup g : array) {
          int id = g.id(doc);
          if (id >= 0) {
            return id;
          }
        }
        return -1;
      };
    }

    /** Uninverts the field's postings lazily, on the first span asked about in the segment. */
    private LeafGroup terms(LeafReader reader, String field) throws IOException {
      Terms terms = reader.terms(field);
      if (terms == null) {
        return null;
      }
      return new LeafGroup() {
        int[] byDoc;

        @Override
        public int id(int doc) throws IOException {
          if (byDoc == null) {
            byDoc = new int[reader.maxDoc()];
            Arrays.fill(byDoc, -1);
            FixedBitSet booleans = booleanDocs(reader, field);
            TermsEnum it = terms.iterator();
            PostingsEnum postings = null;
            for (BytesRef term = it.next(); term != null; term = it.next()) {
              String value = term.utf8ToString();
              int id = GroupField.this.id(value);
              int booleanId = booleans != null && (value.equals("true") || value.equals("false"))
                  ? GroupField.this.id(Boolean.valueOf(value)) : id;
              postings = it.postings(postings, PostingsEnum.NONE);
              for (int d = postings.nextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = postings.nextDoc()) {
                if (byDoc[d] < 0) {
                  byDoc[d] = booleans != null && booleans.get(d) ? booleanId : id;
                }
              }
            }
          }
          return byDoc[doc];
        }
      };
    }

    /** The spans whose "true"/"false" in {@code field} is a boolean; null when there are none. */
    private static FixedBitSet booleanDocs(LeafReader reader, String field) throws IOException {
      PostingsEnum docs = reader.postings(new Term(SpanDocuments.BOOLEAN_FIELDS, field), PostingsEnum.NONE);
      if (docs == null) {
        return null;
      }
      FixedBitSet set = new FixedBitSet(reader.maxDoc());
      for (int d = docs.nextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = docs.nextDoc()) {
        set.set(d);
      }
      return set;
    }

    private LeafGroup numbers(LeafReader reader, String field) throws IOException {
      SortedNumericDocValues values = reader.getSortedNumericDocValues(field);
      if (values == null) {
        return null;
      }
      return doc -> {
        if (!values.advanceExact(doc)) {
          return -1;
        }
        double v = NumericUtils.sortableLongToDouble(values.nextValue());
        Object key = v == Math.rint(v) && Math.abs(v) < 1e15 ? (Object) (long) v : (Object) v;
        return id(key);
      };
    }

    private LeafGroup sorted(LeafReader reader, String field) throws IOException {
      SortedSetDocValues values = reader.getSortedSetDocValues(field);
      if (values == null) {
        return null;
      }
      int[] byOrd = new int[(int) values.getValueCount()];
      Arrays.fill(byOrd, -2);
      return doc -> {
        if (!values.advanceExact(doc)) {
          return -1;
        }
        int ord = (int) values.nextOrd();
        if (byOrd[ord] == -2) {
          byOrd[ord] = id(values.lookupOrd(ord).utf8ToString());
        }
        return byOrd[ord];
      };
    }
  }

  // -------------------------------------------------------------------------------------------
  // The aggregated field

  private interface LeafValue {
    boolean advanceExact(int doc) throws IOException;

    double value() throws IOException;
  }

  private static final class ValueField {
    final List<String> fields = new ArrayList<>();
    final boolean duration;

    ValueField(FieldRef field) {
      boolean d = false;
      switch (field.scope()) {
        case SPAN -> fields.add(SpanDocuments.SPAN_NUM + field.name());
        case RESOURCE -> fields.add(SpanDocuments.RESOURCE_NUM + field.name());
        case ANY -> {
          fields.add(SpanDocuments.SPAN_NUM + field.name());
          fields.add(SpanDocuments.RESOURCE_NUM + field.name());
        }
        case INTRINSIC -> {
          if (!field.name().equals(FieldRef.DURATION)) {
            throw new IllegalArgumentException(
                "cannot aggregate " + field.name() + " (expected: a numeric span or resource attribute, or duration)");
          }
          fields.add(SpanDocuments.DURATION);
          d = true;
        }
      }
      this.duration = d;
    }

    LeafValue forLeaf(LeafReader reader) throws IOException {
      List<SortedNumericDocValues> present = new ArrayList<>();
      for (String f : fields) {
        SortedNumericDocValues v = reader.getSortedNumericDocValues(f);
        if (v != null) {
          present.add(v);
        }
      }
      SortedNumericDocValues[] array = present.toArray(SortedNumericDocValues[]::new);
      boolean seconds = duration;
      return new LeafValue() {
        SortedNumericDocValues current;

        @Override
        public boolean advanceExact(int doc) throws IOException {
          for (SortedNumericDocValues v : array) {
            if (v.advanceExact(doc)) {
              current = v;
              return true;
            }
          }
          return false;
        }

        @Override
        public double value() throws IOException {
          long raw = current.nextValue();
          return seconds ? raw / 1e9 : NumericUtils.sortableLongToDouble(raw);
        }
      };
    }
  }
}
