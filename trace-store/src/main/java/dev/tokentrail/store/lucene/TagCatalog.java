package dev.tokentrail.store.lucene;

import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.QueryCancellation;
import dev.tokentrail.store.TagNames;
import dev.tokentrail.store.TagValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;
import org.apache.lucene.util.StringHelper;

/**
 * Tag names and values for autocomplete: attribute field names and terms of the partitions in a
 * window, including keys past the field budget from the catch-all fields.
 */
final class TagCatalog {
  private final Partitions partitions;

  TagCatalog(Partitions partitions) {
    this.partitions = partitions;
  }

  TagNames tagNames(String tenant, long fromEpochNanos, long toEpochNanos, int limit) {
    TreeSet<String> span = new TreeSet<>();
    TreeSet<String> resource = new TreeSet<>();
    try (StoreSnapshot snapshot = StoreSnapshot.of(partitions, tenant, fromEpochNanos, toEpochNanos)) {
      for (IndexSearcher searcher : snapshot.searchers) {
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
          // Field infos are read without the exiting reader's checks: check once per segment.
          dev.tokentrail.store.QueryCancellation.current().check();
          for (FieldInfo info : leaf.reader().getFieldInfos()) {
            String name = info.name;
            if (leaf.reader().getLiveDocs() != null && !hasLiveDoc(leaf.reader(), info)) {
              continue;
            }
            if (name.startsWith(SpanDocuments.SPAN_ATTR)) {
              span.add(name.substring(SpanDocuments.SPAN_ATTR.length()));
            } else if (name.startsWith(SpanDocuments.SPAN_NUM)) {
              span.add(name.substring(SpanDocuments.SPAN_NUM.length()));
            } else if (name.startsWith(SpanDocuments.RESOURCE_ATTR)) {
              resource.add(name.substring(SpanDocuments.RESOURCE_ATTR.length()));
            } else if (name.startsWith(SpanDocuments.RESOURCE_NUM)) {
              resource.add(name.substring(SpanDocuments.RESOURCE_NUM.length()));
            }
          }
          overflowKeys(leaf.reader(), limit, span, resource);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TagNames(
        span.stream().limit(limit).toList(), resource.stream().limit(limit).toList());
  }

  /**
   * Whether a document the reader shows (live, of the tenant) holds the field: segments with
   * deleted or other tenants' documents list a name only when a shown document has it.
   */
  private static boolean hasLiveDoc(LeafReader reader, FieldInfo info) throws IOException {
    Bits live = reader.getLiveDocs();
    if (info.getDocValuesType() != DocValuesType.NONE) {
      DocIdSetIterator values = switch (info.getDocValuesType()) {
        case NUMERIC -> reader.getNumericDocValues(info.name);
        case SORTED_NUMERIC -> reader.getSortedNumericDocValues(info.name);
        case SORTED -> reader.getSortedDocValues(info.name);
        case SORTED_SET -> reader.getSortedSetDocValues(info.name);
        case BINARY -> reader.getBinaryDocValues(info.name);
        default -> null;
      };
      return values != null && firstLive(values, live) != DocIdSetIterator.NO_MORE_DOCS;
    }
    Terms terms = reader.terms(info.name);
    if (terms == null) {
      return false;
    }
    TermsEnum it = terms.iterator();
    PostingsEnum postings = null;
    for (BytesRef term = it.next(); term != null; term = it.next()) {
      postings = it.postings(postings, PostingsEnum.NONE);
      if (firstLive(postings, live) != DocIdSetIterator.NO_MORE_DOCS) {
        return true;
      }
    }
    return false;
  }

  private static int firstLive(DocIdSetIterator docs, Bits live) throws IOException {
    for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
      if (live == null || live.get(doc)) {
        return doc;
      }
    }
    return DocIdSetIterator.NO_MORE_DOCS;
  }

  /**
   * Spans the reader shows holding the term at {@code it}: the term's document frequency when
   * nothing is hidden, else its postings counted against the live documents.
   */
  private static long shownDocFreq(TermsEnum it, Bits live) throws IOException {
    if (live == null) {
      return it.docFreq();
    }
    PostingsEnum postings = it.postings(null, PostingsEnum.NONE);
    long n = 0;
    for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
      if (live.get(doc)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Keys past the field budget, from the catch-all field: listed with the others (they are as
   * searchable, through the slower path). Terms are sorted, so a leaf's first {@code limit} of each
   * scope are all the sorted answer can use.
   */
  private static void overflowKeys(LeafReader reader, int limit, TreeSet<String> span, TreeSet<String> resource)
      throws IOException {
    Terms terms = reader.terms(SpanDocuments.OVERFLOW_KEY);
    if (terms == null) {
      return;
    }
    QueryCancellation cancellation = QueryCancellation.current();
    for (String prefix : List.of(SpanDocuments.RESOURCE_ATTR, SpanDocuments.SPAN_ATTR)) {
      TreeSet<String> out = prefix.equals(SpanDocuments.SPAN_ATTR) ? span : resource;
      TermsEnum it = terms.iterator();
      BytesRef start = new BytesRef(prefix);
      if (it.seekCeil(start) == TermsEnum.SeekStatus.END) {
        continue;
      }
      int n = 0;
      for (BytesRef term = it.term(); term != null && n < limit; term = it.next(), n++) {
        if (!StringHelper.startsWith(term, start)) {
          break;
        }
        if ((n & 1023) == 1023) {
          cancellation.check();
        }
        if (reader.getLiveDocs() != null && shownDocFreq(it, reader.getLiveDocs()) == 0) {
          continue;
        }
        out.add(term.utf8ToString().substring(prefix.length()));
      }
    }
  }

  /** Values of keys past the field budget, from the catch-all value field ({@code FIELD\0value}). */
  private static void overflowValues(
      LeafReader reader, List<String> fields, boolean numbers, int max, Map<String, Long> strings,
      Map<String, String> types, TreeMap<Double, Long> numeric) throws IOException {
    Terms terms = reader.terms(SpanDocuments.OVERFLOW_VALUE);
    if (terms == null) {
      return;
    }
    Bits live = reader.getLiveDocs();
    for (String f : fields) {
      String prefix = f + SpanDocuments.OVERFLOW_SEPARATOR;
      BytesRef start = new BytesRef(prefix);
      TermsEnum it = terms.iterator();
      if (it.seekCeil(start) == TermsEnum.SeekStatus.END) {
        continue;
      }
      for (BytesRef term = it.term(); term != null; term = it.next()) {
        if (!StringHelper.startsWith(term, start)) {
          break;
        }
        String v = term.utf8ToString().substring(prefix.length());
        long freq = shownDocFreq(it, live);
        if (freq == 0) {
          continue;
        }
        if (numbers) {
          if (numeric.size() >= max) {
            break;
          }
          try {
            numeric.merge(Double.parseDouble(v), freq, Long::sum);
          } catch (NumberFormatException e) {
            // Not written by SpanDocuments; nothing to list.
          }
        } else {
          if (strings.size() >= max) {
            break;
          }
          strings.merge(v, freq, Long::sum);
          types.putIfAbsent(v, ("true".equals(v) || "false".equals(v)) && f.startsWith("a") ? "bool" : "string");
        }
      }
    }
  }

  List<TagValue> tagValues(String tenant, FieldRef field, long fromEpochNanos, long toEpochNanos, int limit) {
    List<String> stringFields = new ArrayList<>();
    List<String> numberFields = new ArrayList<>();
    switch (field.scope()) {
      case SPAN -> {
        stringFields.add(SpanDocuments.SPAN_ATTR + field.name());
        numberFields.add(SpanDocuments.SPAN_NUM + field.name());
      }
      case RESOURCE -> {
        stringFields.add(SpanDocuments.RESOURCE_ATTR + field.name());
        numberFields.add(SpanDocuments.RESOURCE_NUM + field.name());
      }
      case ANY -> {
        stringFields.add(SpanDocuments.SPAN_ATTR + field.name());
        stringFields.add(SpanDocuments.RESOURCE_ATTR + field.name());
        numberFields.add(SpanDocuments.SPAN_NUM + field.name());
        numberFields.add(SpanDocuments.RESOURCE_NUM + field.name());
      }
      case INTRINSIC -> {
        switch (field.name()) {
          case FieldRef.NAME -> stringFields.add(SpanDocuments.NAME);
          case FieldRef.STATUS -> stringFields.add(SpanDocuments.STATUS);
          case FieldRef.KIND -> stringFields.add(SpanDocuments.KIND);
          case FieldRef.SERVICE -> stringFields.add(TraceRollups.T_ROOT_SERVICE);
          case FieldRef.ROOT_NAME -> stringFields.add(TraceRollups.T_ROOT_NAME);
          default -> throw new IllegalArgumentException("intrinsic: " + field.name() + " has no enumerable values");
        }
      }
    }
    Map<String, Long> strings = new HashMap<>();
    Map<String, String> types = new HashMap<>();
    TreeMap<Double, Long> numbers = new TreeMap<>();
    try (StoreSnapshot snapshot = StoreSnapshot.of(partitions, tenant, fromEpochNanos, toEpochNanos)) {
      for (IndexSearcher searcher : snapshot.searchers) {
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
          LeafReader reader = leaf.reader();
          Bits live = reader.getLiveDocs();
          for (String f : stringFields) {
            Terms terms = reader.terms(f);
            if (terms == null) {
              continue;
            }
            TermsEnum it = terms.iterator();
            for (BytesRef term = it.next(); term != null && strings.size() < 10 * limit; term = it.next()) {
              long freq = shownDocFreq(it, live);
              if (freq == 0) {
                continue;
              }
              String v = term.utf8ToString();
              strings.merge(v, freq, Long::sum);
              types.putIfAbsent(v, ("true".equals(v) || "false".equals(v)) && f.startsWith("a") ? "bool" : "string");
            }
          }
          if (field.scope() != FieldRef.Scope.INTRINSIC) {
            overflowValues(reader, stringFields, false, 10 * limit, strings, types, numbers);
            overflowValues(reader, numberFields, true, 10 * limit, strings, types, numbers);
          }
          for (String f : numberFields) {
            SortedNumericDocValues values = reader.getSortedNumericDocValues(f);
            if (values == null) {
              continue;
            }
            for (int doc = values.nextDoc(); doc != SortedNumericDocValues.NO_MORE_DOCS && numbers.size() < 10 * limit; doc = values.nextDoc()) {
              if (live != null && !live.get(doc)) {
                continue;
              }
              for (int i = 0; i < values.docValueCount(); i++) {
                numbers.merge(NumericUtils.sortableLongToDouble(values.nextValue()), 1L, Long::sum);
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<TagValue> out = new ArrayList<>();
    strings.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(limit)
        .forEach(e -> out.add(new TagValue(types.get(e.getKey()), e.getKey())));
    numbers.entrySet().stream()
        .sorted(Map.Entry.<Double, Long>comparingByValue().reversed())
        .limit(Math.max(0, limit - out.size()))
        .forEach(e -> out.add(numberValue(e.getKey())));
    return out;
  }

  private static TagValue numberValue(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return new TagValue("int", Long.toString((long) v));
    }
    return new TagValue("float", Double.toString(v));
  }
}
