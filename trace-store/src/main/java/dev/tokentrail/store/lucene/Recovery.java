package dev.tokentrail.store.lucene;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.OtlpSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.util.List;
import com.google.protobuf.UnknownFieldSet;
import dev.tokentrail.store.Tenants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the index up to the write-ahead log: at open, replays every record after the checkpoint;
 * after an index failure, reopens the partitions from their last commits and replays through the
 * last acknowledged batch. Replay goes one record at a time and writes rollups whenever many
 * traces wait, so recovery needs no more memory than ingest.
 */
final class Recovery {
  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);


  private final WriteAheadLog wal;
  private final Partitions partitions;
  private final RollupMaintainer rollups;
  private final IndexCommitter committer;
  private final SpanIndexing sink;

  Recovery(WriteAheadLog wal, Partitions partitions, RollupMaintainer rollups, IndexCommitter committer, SpanIndexing sink) {
    this.wal = wal;
    this.partitions = partitions;
    this.rollups = rollups;
    this.committer = committer;
    this.sink = sink;
  }

  /** At open: replays every record after the checkpoint and commits. */
  void recover() throws IOException {
    WriteAheadLog.Position from = committer.checkpoint();
    long[] spans = new long[1];
    long records = wal.replay(from, (received, payload) -> spans[0] += replayRecord(received, payload));
    if (records > 0) {
      LOG.info("recovered {} spans from {} write-ahead log records", spans[0], records);
    }
    rollups.flush();
    partitions.markAllForCommit();
    committer.commit(null);
  }

  /**
   * After an index failure: reopens every partition from its last commit and replays the log from
   * the checkpoint through {@code upTo}; a commit at the end proves the disk takes writes again.
   * Returns {spans, records} replayed.
   */
  long[] reopenAndReplay(WriteAheadLog.Position upTo) throws IOException {
    rollups.reset();
    partitions.closeAllQuietly();
    partitions.openExisting();
    WriteAheadLog.Position from = committer.checkpoint();
    long[] spans = new long[1];
    long records = wal.replay(from, upTo, (received, payload) -> spans[0] += replayRecord(received, payload));
    rollups.flush();
    partitions.markAllForCommit();
    committer.commit(upTo);
    return new long[] {spans[0], records};
  }

  /** Indexes one log record; writes rollups when many traces wait, so replay stays bounded. */
  private int replayRecord(long received, byte[] payload) throws IOException {
    TracesData record = parse(payload);
    List<Span> batch = OtlpSpans.decode(record.getResourceSpansList()).spans();
    sink.index(tenantOf(record), batch, null, received, false, RecordSpans.of(payload, batch.size()), null);
    if (rollups.isFull()) {
      rollups.flush();
    }
    return batch.size();
  }

  /** The tenant a log record names ({@link IngestLog#record}); the default when it names none. */
  static String tenantOf(TracesData record) {
    UnknownFieldSet.Field field = record.getUnknownFields().getField(IngestLog.TENANT_FIELD);
    if (field == null || field.getLengthDelimitedList().isEmpty()) {
      return Tenants.DEFAULT;
    }
    return field.getLengthDelimitedList().get(0).toStringUtf8();
  }

  private static TracesData parse(byte[] payload) throws IOException {
    try {
      return TracesData.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new IOException("write-ahead log record passed its checksum but is not decodable", e);
    }
  }
}
