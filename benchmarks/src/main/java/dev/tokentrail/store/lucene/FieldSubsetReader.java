package dev.tokentrail.store.lucene;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.FilterLeafReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.PointValues;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.index.StoredFieldVisitor;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Terms;

/**
 * A leaf reader showing only the fields a predicate keeps: {@link IndexBytes} writes each field
 * group alone into a fresh index ({@code IndexWriter.addIndexes}) to learn the bytes it costs.
 */
final class FieldSubsetReader extends FilterLeafReader {
  private final Predicate<String> keep;
  private final FieldInfos infos;

  FieldSubsetReader(LeafReader in, Predicate<String> keep) {
    super(in);
    this.keep = keep;
    List<FieldInfo> kept = new ArrayList<>();
    for (FieldInfo fi : in.getFieldInfos()) {
      if (keep.test(fi.name)) {
        kept.add(fi);
      }
    }
    this.infos = new FieldInfos(kept.toArray(new FieldInfo[0]));
  }

  @Override
  public FieldInfos getFieldInfos() {
    return infos;
  }

  @Override
  public Terms terms(String field) throws IOException {
    return keep.test(field) ? super.terms(field) : null;
  }

  @Override
  public NumericDocValues getNumericDocValues(String field) throws IOException {
    return keep.test(field) ? super.getNumericDocValues(field) : null;
  }

  @Override
  public BinaryDocValues getBinaryDocValues(String field) throws IOException {
    return keep.test(field) ? super.getBinaryDocValues(field) : null;
  }

  @Override
  public SortedDocValues getSortedDocValues(String field) throws IOException {
    return keep.test(field) ? super.getSortedDocValues(field) : null;
  }

  @Override
  public SortedNumericDocValues getSortedNumericDocValues(String field) throws IOException {
    return keep.test(field) ? super.getSortedNumericDocValues(field) : null;
  }

  @Override
  public SortedSetDocValues getSortedSetDocValues(String field) throws IOException {
    return keep.test(field) ? super.getSortedSetDocValues(field) : null;
  }

  @Override
  public NumericDocValues getNormValues(String field) throws IOException {
    return keep.test(field) ? super.getNormValues(field) : null;
  }

  @Override
  public PointValues getPointValues(String field) throws IOException {
    return keep.test(field) ? super.getPointValues(field) : null;
  }

  @Override
  public StoredFields storedFields() throws IOException {
    if (!keep.test(SpanDocuments.BLOB) && !keep.test(TraceRollups.T_SUMMARY)) {
      return new StoredFields() {
        @Override
        public void document(int docID, StoredFieldVisitor visitor) {}
      };
    }
    // Sequential reads: the merge instance keeps the decompressed block instead of inflating it per document.
    StoredFields stored = in instanceof CodecReader codec ? codec.getFieldsReader().getMergeInstance() : super.storedFields();
    return new StoredFields() {
      @Override
      public void document(int docID, StoredFieldVisitor visitor) throws IOException {
        stored.document(docID, new StoredFieldVisitor() {
          @Override
          public Status needsField(FieldInfo fieldInfo) throws IOException {
            return keep.test(fieldInfo.name) ? visitor.needsField(fieldInfo) : Status.NO;
          }

          @Override
          public void binaryField(FieldInfo fieldInfo, byte[] value) throws IOException {
            visitor.binaryField(fieldInfo, value);
          }

          @Override
          public void stringField(FieldInfo fieldInfo, String value) throws IOException {
            visitor.stringField(fieldInfo, value);
          }

          @Override
          public void intField(FieldInfo fieldInfo, int value) throws IOException {
            visitor.intField(fieldInfo, value);
          }

          @Override
          public void longField(FieldInfo fieldInfo, long value) throws IOException {
            visitor.longField(fieldInfo, value);
          }

          @Override
          public void floatField(FieldInfo fieldInfo, float value) throws IOException {
            visitor.floatField(fieldInfo, value);
          }

          @Override
          public void doubleField(FieldInfo fieldInfo, double value) throws IOException {
            visitor.doubleField(fieldInfo, value);
          }
        });
      }
    };
  }

  @Override
  public CacheHelper getCoreCacheHelper() {
    return null;
  }

  @Override
  public CacheHelper getReaderCacheHelper() {
    return null;
  }
}
