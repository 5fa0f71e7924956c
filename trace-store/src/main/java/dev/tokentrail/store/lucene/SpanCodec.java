package dev.tokentrail.store.lucene;

import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.StoredFieldsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;

/**
 * The partitions' codec: Lucene's default with the span envelopes held once per segment ({@link
 * SpanStoredFieldsFormat}). Stored fields stay LZ4 ({@link Lucene104Codec.Mode#BEST_SPEED}):
 * DEFLATE saves another ~50 B/span but makes reading stored spans (a trace, the spans shown per
 * search result) several times slower. Segments record the codec by {@link #NAME}, so it is
 * public and listed in {@code META-INF/services} for Lucene to find when it opens them; segments
 * written before it keep their own codec and are read as they were.
 */
public final class SpanCodec extends FilterCodec {
  /** The on-disk name: a change of layout takes a new name, with this one kept readable. */
  public static final String NAME = "TokenTrailSpan1";

  private final StoredFieldsFormat storedFields;

  /** For Lucene's codec lookup by name; the store uses the instance it creates itself. */
  public SpanCodec() {
    this(Lucene104Codec.Mode.BEST_SPEED);
  }

  /**
   * Writes stored fields in {@code mode} (benchmarks compare them); each segment records its mode,
   * so the codec found by name reads either, and switching the default needs no migration.
   */
  SpanCodec(Lucene104Codec.Mode mode) {
    super(NAME, new Lucene104Codec(mode));
    this.storedFields = new SpanStoredFieldsFormat(delegate.storedFieldsFormat());
  }

  @Override
  public StoredFieldsFormat storedFieldsFormat() {
    return storedFields;
  }
}
