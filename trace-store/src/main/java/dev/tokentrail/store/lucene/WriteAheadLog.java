package dev.tokentrail.store.lucene;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-only log of acknowledged batches, fsynced before ingest answers. Records are {@code
 * [int length][int crc32c][long receivedEpochNanos][payload]}; a torn tail (from a crash during a
 * write that was never acknowledged) is truncated on open. Segments roll at a size limit and are
 * deleted once a Lucene commit covers them (the checkpoint).
 *
 * <p>Two threads use it: the store's log thread appends and syncs, the writer thread rolls a
 * segment for a checkpoint and replays what it indexed after a failure; the mutating methods are
 * synchronized. After a failed append or sync, {@link #truncateTo} removes what the failed group
 * left, so a later append never follows a torn record.
 */
final class WriteAheadLog implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);
  private static final String SUFFIX = ".wal";
  private static final int HEADER = 16;
  static final int MAX_RECORD = 256 * 1024 * 1024;

  /** A position in the log: everything before it is covered by a commit. */
  record Position(long segment, long offset) implements Comparable<Position> {
    @Override
    public int compareTo(Position o) {
      int c = Long.compare(segment, o.segment);
      return c != 0 ? c : Long.compare(offset, o.offset);
    }
  }

  interface RecordConsumer {
    void accept(long receivedEpochNanos, byte[] payload) throws IOException;
  }

  /** Opens segment files; tests substitute channels that fail like a full disk. */
  interface ChannelOpener {
    FileChannel open(Path path) throws IOException;

    ChannelOpener DEFAULT =
        path -> FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
  }

  private final Path dir;
  private final long segmentBytes;
  private final ChannelOpener opener;
  private long segment;
  /** Null after a failed roll until {@link #truncateTo} reopens the segment. */
  private FileChannel channel;
  private long offset;
  private final ByteBuffer header = ByteBuffer.allocate(HEADER);
  private final CRC32C crc = new CRC32C();

  private WriteAheadLog(Path dir, long segmentBytes, ChannelOpener opener) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.opener = opener;
  }

  static WriteAheadLog open(Path dir, long segmentBytes) throws IOException {
    return open(dir, segmentBytes, ChannelOpener.DEFAULT);
  }

  static WriteAheadLog open(Path dir, long segmentBytes, ChannelOpener opener) throws IOException {
    Files.createDirectories(dir);
    WriteAheadLog log = new WriteAheadLog(dir, segmentBytes, opener);
    List<Long> segments = log.segments();
    log.segment = segments.isEmpty() ? 1 : segments.get(segments.size() - 1) + 1;
    log.openSegment();
    return log;
  }

  private void openSegment() throws IOException {
    channel = opener.open(segmentPath(segment));
    offset = channel.size();
    channel.position(offset);
    syncDirectory(dir);
  }

  synchronized Position position() {
    return new Position(segment, offset);
  }

  /** Appends one record; not durable until {@link #sync()}. */
  synchronized void append(long receivedEpochNanos, byte[] payload) throws IOException {
    if (channel == null) {
      throw new IOException("write-ahead log segment " + segmentPath(segment) + " is not open (an earlier roll failed)");
    }
    if (offset >= segmentBytes) {
      roll();
    }
    crc.reset();
    header.clear();
    header.putLong(8, receivedEpochNanos);
    crc.update(header.array(), 8, 8);
    crc.update(payload, 0, payload.length);
    header.putInt(0, payload.length);
    header.putInt(4, (int) crc.getValue());
    header.position(0).limit(HEADER);
    writeFully(header);
    writeFully(ByteBuffer.wrap(payload));
    offset += HEADER + payload.length;
  }

  private void writeFully(ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  synchronized void sync() throws IOException {
    if (channel == null) {
      throw new IOException("write-ahead log segment " + segmentPath(segment) + " is not open (an earlier roll failed)");
    }
    channel.force(false);
  }

  private void roll() throws IOException {
    channel.force(false);
    channel.close();
    channel = null;
    segment++;
    offset = 0;
    openSegment();
  }

  /**
   * Undoes a failed group: removes whatever was written at or after {@code mark} in the current
   * segment (a group that rolled into a new segment loses only its records there; the ones before
   * the roll were synced but never acknowledged, and replaying them is harmless because indexing
   * is idempotent), reopening the segment if a roll failed, and syncs. Throws while the cause
   * (a full disk, an I/O error) lasts; the caller retries later.
   */
  synchronized void truncateTo(Position mark) throws IOException {
    long keep = mark.segment() == segment ? Math.min(mark.offset(), offset) : 0;
    if (channel == null || !channel.isOpen()) {
      channel = opener.open(segmentPath(segment));
    }
    if (channel.size() > keep) {
      channel.truncate(keep);
    }
    channel.position(keep);
    channel.force(true);
    offset = keep;
  }

  /**
   * Replays every intact record at or after {@code from}, truncating a torn tail of the last
   * segment. Returns the number of records replayed.
   */
  long replay(Position from, RecordConsumer consumer) throws IOException {
    return replay(from, null, consumer);
  }

  /**
   * Replays the records in {@code [from, to)}, one record in memory at a time. With {@code to}
   * null, replays to the end and truncates a torn tail (recovery at start); with a bound, every
   * record before it was synced, so a bad one there is an error, never truncated.
   */
  long replay(Position from, Position to, RecordConsumer consumer) throws IOException {
    long count = 0;
    for (long s : segments()) {
      if (s < from.segment()) {
        continue;
      }
      if (to != null && s > to.segment()) {
        break;
      }
      Path path = segmentPath(s);
      try (FileChannel in =
          to == null
              ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
              : FileChannel.open(path, StandardOpenOption.READ)) {
        long pos = s == from.segment() ? from.offset() : 0;
        long size = to != null && s == to.segment() ? Math.min(in.size(), to.offset()) : in.size();
        ByteBuffer head = ByteBuffer.allocate(HEADER);
        while (pos < size) {
          head.clear();
          if (!readFully(in, head, pos)) {
            truncate(in, path, pos, "short header", to != null);
            break;
          }
          int length = head.getInt(0);
          int expectedCrc = head.getInt(4);
          long received = head.getLong(8);
          if (length < 0 || length > MAX_RECORD || pos + HEADER + length > size) {
            truncate(in, path, pos, "record length " + length + " past end of segment", to != null);
            break;
          }
          ByteBuffer body = ByteBuffer.allocate(length);
          readFully(in, body, pos + HEADER);
          CRC32C check = new CRC32C();
          check.update(head.array(), 8, 8);
          check.update(body.array(), 0, length);
          if ((int) check.getValue() != expectedCrc) {
            truncate(in, path, pos, "checksum mismatch", to != null);
            break;
          }
          consumer.accept(received, body.array());
          count++;
          pos += HEADER + length;
        }
      }
    }
    return count;
  }

  private void truncate(FileChannel in, Path path, long pos, String why, boolean bounded) throws IOException {
    if (bounded) {
      throw new IOException("write-ahead log " + path + ": " + why + " at " + pos + " before the synced end of the log");
    }
    // Only the tail can be torn: a record is acknowledged after its fsync, so a partial one was
    // never acknowledged. Truncating keeps later appends readable. The bytes cut are kept beside
    // the segment: a damaged record in the middle of a segment (a disk fault, not a crash) would
    // otherwise take the acknowledged records after it along.
    long cut = in.size() - pos;
    Path aside = path.resolveSibling(path.getFileName() + ".cut-" + pos);
    if (cut > 0) {
      try (FileChannel out = FileChannel.open(aside, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        long copied = 0;
        while (copied < cut) {
          copied += in.transferTo(pos + copied, cut - copied, out);
        }
        out.force(true);
      }
    }
    if (cut > HEADER + MAX_RECORD) {
      LOG.error("write-ahead log {}: {} at {} with {} bytes after it, more than one record: the log may be damaged;"
          + " the bytes cut are kept in {}", path, why, pos, cut, aside);
    } else {
      LOG.warn("write-ahead log {}: truncating at {} ({}); that record was never acknowledged (bytes kept in {})",
          path, pos, why, aside);
    }
    in.truncate(pos);
    in.force(true);
  }

  private static boolean readFully(FileChannel in, ByteBuffer buffer, long position) throws IOException {
    long pos = position;
    while (buffer.hasRemaining()) {
      int n = in.read(buffer, pos);
      if (n < 0) {
        return false;
      }
      pos += n;
    }
    return true;
  }

  /** Deletes segments wholly before {@code position}. */
  synchronized void deleteBefore(Position position) throws IOException {
    for (long s : segments()) {
      if (s < position.segment()) {
        Files.deleteIfExists(segmentPath(s));
      }
    }
  }

  /**
   * Starts a new segment so that everything written so far can be deleted once a commit covers
   * it; returns the position where the new segment starts.
   */
  Position rollForCheckpoint() throws IOException {
    return rollForCheckpoint(null);
  }

  /**
   * The checkpoint for a commit that covers everything before {@code indexedThrough} (null: all
   * of the log). When nothing was appended after it, rolls to a new segment so that the whole
   * current one can be deleted; otherwise the checkpoint is {@code indexedThrough} itself.
   */
  synchronized Position rollForCheckpoint(Position indexedThrough) throws IOException {
    if (indexedThrough != null && !indexedThrough.equals(position())) {
      return indexedThrough;
    }
    if (channel == null) {
      throw new IOException("write-ahead log segment " + segmentPath(segment) + " is not open (an earlier roll failed)");
    }
    if (offset > 0) {
      roll();
    }
    return position();
  }

  private List<Long> segments() throws IOException {
    List<Long> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        try {
          out.add(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())));
        } catch (NumberFormatException e) {
          LOG.warn("write-ahead log: ignoring unexpected file {}", file);
        }
      }
    }
    out.sort(null);
    return out;
  }

  private Path segmentPath(long s) {
    return dir.resolve(String.format("%020d%s", s, SUFFIX));
  }

  static Position readCheckpoint(Path file) throws IOException {
    if (!Files.exists(file)) {
      return new Position(0, 0);
    }
    String[] parts = Files.readString(file, StandardCharsets.UTF_8).trim().split(" ");
    if (parts.length != 2) {
      throw new IOException("checkpoint " + file + ": unreadable content (expected: 'segment offset')");
    }
    return new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
  }

  static void writeCheckpoint(Path file, Position position) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel out =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      out.write(ByteBuffer.wrap((position.segment() + " " + position.offset() + "\n").getBytes(StandardCharsets.UTF_8)));
      out.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    syncDirectory(file.getParent());
  }

  static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some file systems cannot open directories for sync; the rename is still atomic there.
      LOG.debug("cannot fsync directory {}: {}", dir, e.toString());
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (channel != null && channel.isOpen()) {
      try {
        channel.force(false);
      } finally {
        channel.close();
      }
    }
  }
}
