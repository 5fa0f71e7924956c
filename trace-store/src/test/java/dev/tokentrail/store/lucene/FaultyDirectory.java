package dev.tokentrail.store.lucene;

import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FilterDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;

/**
 * A Lucene directory that fails every file creation, write and sync like a full disk while
 * {@code full} is set (Lucene's test framework, with its MockDirectoryWrapper, is not on the
 * classpath).
 */
final class FaultyDirectory extends FilterDirectory {
  private final AtomicBoolean full;

  FaultyDirectory(Directory in, AtomicBoolean full) {
    super(in);
    this.full = full;
  }

  private void check() throws IOException {
    if (full.get()) {
      throw new IOException("No space left on device");
    }
  }

  @Override
  public IndexOutput createOutput(String name, IOContext context) throws IOException {
    check();
    return new FaultyOutput(in.createOutput(name, context));
  }

  @Override
  public IndexOutput createTempOutput(String prefix, String suffix, IOContext context) throws IOException {
    check();
    return new FaultyOutput(in.createTempOutput(prefix, suffix, context));
  }

  @Override
  public void sync(Collection<String> names) throws IOException {
    check();
    in.sync(names);
  }

  @Override
  public void syncMetaData() throws IOException {
    check();
    in.syncMetaData();
  }

  @Override
  public void rename(String source, String dest) throws IOException {
    check();
    in.rename(source, dest);
  }

  private final class FaultyOutput extends IndexOutput {
    private final IndexOutput out;

    FaultyOutput(IndexOutput out) {
      super("faulty(" + out.toString() + ")", out.getName());
      this.out = out;
    }

    @Override
    public void writeByte(byte b) throws IOException {
      check();
      out.writeByte(b);
    }

    @Override
    public void writeBytes(byte[] b, int offset, int length) throws IOException {
      check();
      out.writeBytes(b, offset, length);
    }

    @Override
    public long getFilePointer() {
      return out.getFilePointer();
    }

    @Override
    public long getChecksum() throws IOException {
      return out.getChecksum();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
