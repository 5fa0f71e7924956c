package dev.tokentrail.store;

import dev.tokentrail.genai.ValueLimits;
import dev.tokentrail.model.TraceId;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * LLM calls of a time window as columns, for analysis without loading spans: the store fills it
 * from doc values. Strings (service, model, hashes, ...) are dictionary ids, {@code -1} when
 * absent; token counts are {@code -1} when not reported; cost is {@code NaN} when unpriced.
 */
public final class CallTable {
  /** String columns. */
  public enum Text {
    SERVICE, SPAN_NAME, PROVIDER, MODEL, OPERATION, REQUEST_HASH, PREFIX_HASH, CONVERSATION, TASK,
    ERROR_TYPE, TEAM, PROJECT, COST_CENTER, FEATURE
  }

  private static final Text[] TEXTS = Text.values();

  private int size;
  private final int maxRows;
  private long[] traceHi;
  private long[] traceLo;
  private long[] spanId;
  private long[] parentId;
  private long[] start;
  private long[] end;
  private long[] input;
  private long[] output;
  private long[] cacheRead;
  private long[] cacheWrite;
  private long[] reasoning;
  /** Tokens of the cacheable prefix {@link Text#PREFIX_HASH} names ({@code tokentrail.prefix.tokens}). */
  private long[] prefixTokens;
  /** Failed attempts the client SDK retried inside the call's span ({@code tokentrail.retry.attempt}). */
  private int[] sdkRetries;
  private double[] cost;
  private boolean[] tools;
  private final int[][] text = new int[TEXTS.length][];
  private final Dictionary dictionary = new Dictionary();

  public CallTable() {
    this(Integer.MAX_VALUE);
  }

  /** A table that holds at most {@code maxRows} rows: {@link #addRow} past them throws {@link TooManyCallsException}. */
  public CallTable(int maxRows) {
    if (maxRows < 0) {
      throw new IllegalArgumentException("maxRows: " + maxRows + " (expected: >= 0)");
    }
    this.maxRows = maxRows;
    allocate(Math.max(1, Math.min(1024, maxRows)));
  }

  private void allocate(int capacity) {
    traceHi = grow(traceHi, capacity);
    traceLo = grow(traceLo, capacity);
    spanId = grow(spanId, capacity);
    parentId = grow(parentId, capacity);
    start = grow(start, capacity);
    end = grow(end, capacity);
    input = grow(input, capacity);
    output = grow(output, capacity);
    cacheRead = grow(cacheRead, capacity);
    cacheWrite = grow(cacheWrite, capacity);
    reasoning = grow(reasoning, capacity);
    prefixTokens = grow(prefixTokens, capacity);
    sdkRetries = sdkRetries == null ? new int[capacity] : Arrays.copyOf(sdkRetries, capacity);
    cost = cost == null ? new double[capacity] : Arrays.copyOf(cost, capacity);
    tools = tools == null ? new boolean[capacity] : Arrays.copyOf(tools, capacity);
    for (int i = 0; i < text.length; i++) {
      text[i] = text[i] == null ? new int[capacity] : Arrays.copyOf(text[i], capacity);
    }
  }

  private static long[] grow(long[] array, int capacity) {
    return array == null ? new long[capacity] : Arrays.copyOf(array, capacity);
  }

  public int size() {
    return size;
  }

  /** The id of a string in this table's dictionary (added when new); -1 for null or empty. */
  public int intern(String value) {
    if (value == null || value.isEmpty()) {
      return -1;
    }
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    return dictionary.intern(utf8, 0, utf8.length, value);
  }

  /**
   * The id of the string whose UTF-8 bytes are {@code bytes[offset, offset + length)} (added when
   * new, the bytes copied); -1 for no bytes. The string itself is made only when {@link #string}
   * asks for it: a store reading a million distinct request hashes makes no strings for them.
   */
  public int internUtf8(byte[] bytes, int offset, int length) {
    if (length == 0) {
      return -1;
    }
    return dictionary.intern(bytes, offset, length, null);
  }

  /** The string of a dictionary id; null for -1. Safe from several threads once the table is filled. */
  public String string(int id) {
    return id < 0 ? null : dictionary.string(id);
  }

  /**
   * Distinct strings as UTF-8 in one byte pool, found through an open-addressing table of their
   * hashes, their strings made on first use (a race makes equal strings, never a wrong one).
   */
  private static final class Dictionary {
    private byte[] pool = new byte[1 << 12];
    private int poolSize;
    /** Start of entry id in the pool; the entry ends where the next starts. */
    private int[] starts = new int[257];
    private int[] hashes = new int[256];
    private String[] strings = new String[256];
    private int size;
    /** id + 1 per slot, 0 for an empty slot. */
    private int[] slots = new int[512];

    int intern(byte[] bytes, int offset, int length, String known) {
      int hash = hash(bytes, offset, length);
      int mask = slots.length - 1;
      for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
        int entry = slots[slot] - 1;
        if (entry < 0) {
          return add(bytes, offset, length, hash, known, slot);
        }
        if (hashes[entry] == hash && sameBytes(entry, bytes, offset, length)) {
          return entry;
        }
      }
    }

    private boolean sameBytes(int entry, byte[] bytes, int offset, int length) {
      int from = starts[entry];
      return starts[entry + 1] - from == length
          && Arrays.equals(pool, from, from + length, bytes, offset, offset + length);
    }

    private int add(byte[] bytes, int offset, int length, int hash, String known, int slot) {
      if (poolSize + length > pool.length) {
        pool = Arrays.copyOf(pool, Math.max(pool.length * 2, poolSize + length));
      }
      System.arraycopy(bytes, offset, pool, poolSize, length);
      poolSize += length;
      if (size + 1 == hashes.length) {
        hashes = Arrays.copyOf(hashes, hashes.length * 2);
        strings = Arrays.copyOf(strings, hashes.length);
        starts = Arrays.copyOf(starts, hashes.length + 1);
      }
      int id = size++;
      hashes[id] = hash;
      strings[id] = known;
      starts[id + 1] = poolSize;
      slots[slot] = id + 1;
      if (size * 2 > slots.length) {
        rehash();
      }
      return id;
    }

    private void rehash() {
      slots = new int[slots.length * 2];
      int mask = slots.length - 1;
      for (int id = 0; id < size; id++) {
        int slot = hashes[id] & mask;
        while (slots[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        slots[slot] = id + 1;
      }
    }

    String string(int id) {
      String s = strings[id];
      if (s == null) {
        s = new String(pool, starts[id], starts[id + 1] - starts[id], StandardCharsets.UTF_8);
        strings[id] = s;
      }
      return s;
    }

    private static int hash(byte[] bytes, int offset, int length) {
      int h = 0x9747b28c;
      for (int i = offset; i < offset + length; i++) {
        h = (h ^ bytes[i]) * 0x01000193;
      }
      return h ^ (h >>> 15) ^ (h >>> 27);
    }
  }

  /** Appends a row; returns its index. Fill it with the setters. */
  public int addRow() {
    if (size == maxRows) {
      throw new TooManyCallsException(maxRows);
    }
    if (size == traceHi.length) {
      allocate((int) Math.min(maxRows, Math.min(Integer.MAX_VALUE - 8, size * 2L)));
    }
    int row = size++;
    input[row] = -1;
    output[row] = -1;
    cacheRead[row] = -1;
    cacheWrite[row] = -1;
    reasoning[row] = -1;
    prefixTokens[row] = -1;
    sdkRetries[row] = 0;
    cost[row] = Double.NaN;
    for (int[] column : text) {
      column[row] = -1;
    }
    return row;
  }

  public void setIds(int row, long traceHi, long traceLo, long spanId, long parentId) {
    this.traceHi[row] = traceHi;
    this.traceLo[row] = traceLo;
    this.spanId[row] = spanId;
    this.parentId[row] = parentId;
  }

  public void setTimes(int row, long startNanos, long endNanos) {
    start[row] = startNanos;
    end[row] = endNanos;
  }

  /**
   * Token counts as stored; a count that is negative or above {@link
   * ValueLimits#MAX_TOKENS_PER_CALL_LIMIT} (stored before ingest checked counts) is read as
   * unknown ({@code -1}), so no sum of counts can be driven by one implausible call.
   */
  public void setTokens(int row, long input, long output, long cacheRead, long cacheWrite, long reasoning) {
    this.input[row] = plausible(input);
    this.output[row] = plausible(output);
    this.cacheRead[row] = plausible(cacheRead);
    this.cacheWrite[row] = plausible(cacheWrite);
    this.reasoning[row] = plausible(reasoning);
  }

  /**
   * The size of the call's cacheable prefix in tokens, as the instrumentation sent it; implausible
   * counts are read as unknown ({@code -1}) like {@link #setTokens}'s.
   */
  public void setPrefixTokens(int row, long tokens) {
    prefixTokens[row] = plausible(tokens);
  }

  private static long plausible(long tokens) {
    return tokens >= 0 && tokens <= ValueLimits.MAX_TOKENS_PER_CALL_LIMIT ? tokens : -1;
  }

  /**
   * The attempt that answered, as the span reports it in {@code tokentrail.retry.attempt}: the
   * attempts before it failed inside the client SDK, unbilled. Negative or absent means 0.
   */
  public void setRetryAttempt(int row, long attempt) {
    sdkRetries[row] = (int) Math.max(0, Math.min(Integer.MAX_VALUE, attempt));
  }

  /** The failed attempts the client SDK retried inside this call (0 for most calls). */
  public int sdkRetries(int row) {
    return sdkRetries[row];
  }

  /** The call's cost; negative, non-finite or implausible amounts are read as unpriced (NaN). */
  public void setCost(int row, double usd) {
    cost[row] = usd >= 0 && usd <= MAX_COST_USD ? usd : Double.NaN;
  }

  /**
   * The largest cost believed of one call: the price of {@link
   * ValueLimits#MAX_TOKENS_PER_CALL_LIMIT} tokens at well above any catalog price.
   */
  static final double MAX_COST_USD = 1e9;

  public void setTools(int row, boolean usedTools) {
    tools[row] = usedTools;
  }

  public void setText(int row, Text column, String value) {
    text[column.ordinal()][row] = intern(value);
  }

  public void setTextId(int row, Text column, int id) {
    text[column.ordinal()][row] = id;
  }

  // Readers.

  public long traceHi(int row) {
    return traceHi[row];
  }

  public long traceLo(int row) {
    return traceLo[row];
  }

  public TraceId traceId(int row) {
    return new TraceId(traceHi[row], traceLo[row]);
  }

  /** The span id's bits ({@link dev.tokentrail.model.SpanId#value()}). */
  public long spanId(int row) {
    return spanId[row];
  }

  /** The parent span id's bits; 0 for a root ({@link dev.tokentrail.model.SpanId#NONE}). */
  public long parentId(int row) {
    return parentId[row];
  }

  public long start(int row) {
    return start[row];
  }

  public long end(int row) {
    return end[row];
  }

  public long input(int row) {
    return input[row];
  }

  public long output(int row) {
    return output[row];
  }

  public long cacheRead(int row) {
    return cacheRead[row];
  }

  public long cacheWrite(int row) {
    return cacheWrite[row];
  }

  public long reasoning(int row) {
    return reasoning[row];
  }

  /** Tokens of the call's cacheable prefix, or {@code -1} when not reported. */
  public long prefixTokens(int row) {
    return prefixTokens[row];
  }

  public double cost(int row) {
    return cost[row];
  }

  public boolean tools(int row) {
    return tools[row];
  }

  public int textId(int row, Text column) {
    return text[column.ordinal()][row];
  }

  public String text(int row, Text column) {
    return string(text[column.ordinal()][row]);
  }

  public boolean isError(int row) {
    return text[Text.ERROR_TYPE.ordinal()][row] >= 0;
  }

  /** Whether the provider reported usage for the call (it was billed). */
  public boolean hasUsage(int row) {
    return input[row] >= 0 || output[row] >= 0;
  }

  /** Cost, or 0 when unpriced. */
  public double costOrZero(int row) {
    double c = cost[row];
    return Double.isNaN(c) ? 0 : c;
  }

  // Column arrays for the analyses' tight loops: read-only by contract, valid for rows [0, size()).

  public long[] traceHiColumn() {
    return traceHi;
  }

  public long[] traceLoColumn() {
    return traceLo;
  }

  public long[] spanIdColumn() {
    return spanId;
  }

  public long[] parentIdColumn() {
    return parentId;
  }

  public long[] startColumn() {
    return start;
  }

  public long[] endColumn() {
    return end;
  }

  public long[] inputColumn() {
    return input;
  }

  public long[] outputColumn() {
    return output;
  }

  public long[] cacheReadColumn() {
    return cacheRead;
  }

  public long[] cacheWriteColumn() {
    return cacheWrite;
  }

  public long[] reasoningColumn() {
    return reasoning;
  }

  public long[] prefixTokensColumn() {
    return prefixTokens;
  }

  public int[] sdkRetriesColumn() {
    return sdkRetries;
  }

  public double[] costColumn() {
    return cost;
  }

  public boolean[] toolsColumn() {
    return tools;
  }

  /** The string column arrays by {@link Text} ordinal (dictionary ids). */
  public int[][] textColumn() {
    return text;
  }
}
