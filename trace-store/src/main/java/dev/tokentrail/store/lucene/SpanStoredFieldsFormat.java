package dev.tokentrail.store.lucene;

import java.io.IOException;
import java.util.List;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.StoredFieldsFormat;
import org.apache.lucene.codecs.StoredFieldsReader;
import org.apache.lucene.codecs.StoredFieldsWriter;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.SegmentInfo;
import org.apache.lucene.index.StoredFieldDataInput;
import org.apache.lucene.index.StoredFieldVisitor;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.IOUtils;

/**
 * Stored fields with the span envelopes (resource and scope, {@link SpanEnvelopes}) held once per
 * segment: the {@link SpanDocuments#BLOB} values are written compact into the wrapped format and
 * the envelopes into a {@code .tte} file of the segment; reads hand every visitor the whole span
 * again, so readers never see the difference. A merge reads the spans whole and writes them
 * compact into the merged segment's own dictionary, and a segment lives or dies with its
 * dictionary (restart, retention, merges and log replay need nothing more).
 */
final class SpanStoredFieldsFormat extends StoredFieldsFormat {
  static final String EXTENSION = "tte";
  private static final String CODEC_NAME = "TokenTrailSpanEnvelopes";
  private static final int VERSION_START = 0;
  private static final int VERSION_CURRENT = VERSION_START;

  private final StoredFieldsFormat delegate;

  SpanStoredFieldsFormat(StoredFieldsFormat delegate) {
    this.delegate = delegate;
  }

  @Override
  public StoredFieldsReader fieldsReader(Directory directory, SegmentInfo si, FieldInfos fn, IOContext context)
      throws IOException {
    byte[][] entries = readEnvelopes(directory, si);
    return new Reader(delegate.fieldsReader(directory, si, fn, context), entries);
  }

  @Override
  public StoredFieldsWriter fieldsWriter(Directory directory, SegmentInfo si, IOContext context) throws IOException {
    return new Writer(delegate.fieldsWriter(directory, si, context), directory, si, context);
  }

  private static String fileName(SegmentInfo si) {
    return IndexFileNames.segmentFileName(si.name, "", EXTENSION);
  }

  private static byte[][] readEnvelopes(Directory directory, SegmentInfo si) throws IOException {
    try (ChecksumIndexInput in = directory.openChecksumInput(fileName(si))) {
      Throwable failure = null;
      byte[][] entries = null;
      try {
        CodecUtil.checkIndexHeader(in, CODEC_NAME, VERSION_START, VERSION_CURRENT, si.getId(), "");
        int count = in.readVInt();
        if (count < 0) {
          throw new CorruptIndexException("envelope count: " + count + " (expected: >= 0)", in);
        }
        entries = new byte[count][];
        for (int i = 0; i < count; i++) {
          entries[i] = new byte[in.readVInt()];
          in.readBytes(entries[i], 0, entries[i].length);
        }
      } catch (Throwable t) {
        failure = t;
      } finally {
        CodecUtil.checkFooter(in, failure);
      }
      return entries;
    }
  }

  private static final class Writer extends StoredFieldsWriter {
    private final StoredFieldsWriter delegate;
    private final Directory directory;
    private final SegmentInfo si;
    private final IOContext context;
    private final SpanEnvelopes envelopes = new SpanEnvelopes();

    Writer(StoredFieldsWriter delegate, Directory directory, SegmentInfo si, IOContext context) {
      this.delegate = delegate;
      this.directory = directory;
      this.si = si;
      this.context = context;
    }

    @Override
    public void startDocument() throws IOException {
      delegate.startDocument();
    }

    @Override
    public void finishDocument() throws IOException {
      delegate.finishDocument();
    }

    @Override
    public void writeField(FieldInfo info, int value) throws IOException {
      delegate.writeField(info, value);
    }

    @Override
    public void writeField(FieldInfo info, long value) throws IOException {
      delegate.writeField(info, value);
    }

    @Override
    public void writeField(FieldInfo info, float value) throws IOException {
      delegate.writeField(info, value);
    }

    @Override
    public void writeField(FieldInfo info, double value) throws IOException {
      delegate.writeField(info, value);
    }

    @Override
    public void writeField(FieldInfo info, BytesRef value) throws IOException {
      delegate.writeField(info, SpanDocuments.BLOB.equals(info.name) ? envelopes.compact(value) : value);
    }

    @Override
    public void writeField(FieldInfo info, String value) throws IOException {
      delegate.writeField(info, value);
    }

    @Override
    public void finish(int numDocs) throws IOException {
      delegate.finish(numDocs);
      try (IndexOutput out = directory.createOutput(fileName(si), context)) {
        CodecUtil.writeIndexHeader(out, CODEC_NAME, VERSION_CURRENT, si.getId(), "");
        List<BytesRef> entries = envelopes.entries();
        out.writeVInt(entries.size());
        for (BytesRef e : entries) {
          out.writeVInt(e.length);
          out.writeBytes(e.bytes, e.offset, e.length);
        }
        CodecUtil.writeFooter(out);
      }
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }

    @Override
    public long ramBytesUsed() {
      return delegate.ramBytesUsed();
    }
  }

  private static final class Reader extends StoredFieldsReader {
    private final StoredFieldsReader delegate;
    private final byte[][] entries;

    Reader(StoredFieldsReader delegate, byte[][] entries) {
      this.delegate = delegate;
      this.entries = entries;
    }

    @Override
    public void prefetch(int docID) throws IOException {
      delegate.prefetch(docID);
    }

    @Override
    public void document(int docID, StoredFieldVisitor visitor) throws IOException {
      delegate.document(docID, new Expanding(visitor, entries));
    }

    @Override
    public StoredFieldsReader clone() {
      return new Reader(delegate.clone(), entries);
    }

    @Override
    public StoredFieldsReader getMergeInstance() {
      return new Reader(delegate.getMergeInstance(), entries);
    }

    @Override
    public void checkIntegrity() throws IOException {
      delegate.checkIntegrity();
    }

    @Override
    public void close() throws IOException {
      IOUtils.close(delegate);
    }
  }

  /** Hands the visitor whole spans in place of compact values. */
  private static final class Expanding extends StoredFieldVisitor {
    private final StoredFieldVisitor in;
    private final byte[][] entries;

    Expanding(StoredFieldVisitor in, byte[][] entries) {
      this.in = in;
      this.entries = entries;
    }

    @Override
    public Status needsField(FieldInfo fieldInfo) throws IOException {
      return in.needsField(fieldInfo);
    }

    @Override
    public void binaryField(FieldInfo fieldInfo, StoredFieldDataInput value) throws IOException {
      if (SpanDocuments.BLOB.equals(fieldInfo.name)) {
        byte[] bytes = new byte[value.length()];
        value.getDataInput().readBytes(bytes, 0, bytes.length);
        binaryField(fieldInfo, bytes);
      } else {
        in.binaryField(fieldInfo, value);
      }
    }

    @Override
    public void binaryField(FieldInfo fieldInfo, byte[] value) throws IOException {
      in.binaryField(fieldInfo, SpanDocuments.BLOB.equals(fieldInfo.name) ? SpanEnvelopes.expand(value, entries) : value);
    }

    @Override
    public void stringField(FieldInfo fieldInfo, String value) throws IOException {
      in.stringField(fieldInfo, value);
    }

    @Override
    public void intField(FieldInfo fieldInfo, int value) throws IOException {
      in.intField(fieldInfo, value);
    }

    @Override
    public void longField(FieldInfo fieldInfo, long value) throws IOException {
      in.longField(fieldInfo, value);
    }

    @Override
    public void floatField(FieldInfo fieldInfo, float value) throws IOException {
      in.floatField(fieldInfo, value);
    }

    @Override
    public void doubleField(FieldInfo fieldInfo, double value) throws IOException {
      in.doubleField(fieldInfo, value);
    }
  }
}
