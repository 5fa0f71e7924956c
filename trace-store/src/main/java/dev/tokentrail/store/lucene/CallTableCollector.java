package dev.tokentrail.store.lucene;

import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;

/**
 * Fills a {@link CallTable} from the doc values of LLM-call span documents. Strings are mapped
 * from segment ordinals to table ids once per ordinal and segment, not per document, from their
 * UTF-8 bytes (the table makes a string only when an analysis reads it).
 */
final class CallTableCollector extends SimpleCollector {
  private static final Text[] SORTED = {
    Text.PROVIDER, Text.MODEL, Text.OPERATION, Text.REQUEST_HASH, Text.PREFIX_HASH, Text.CONVERSATION,
    Text.TASK, Text.ERROR_TYPE, Text.TEAM, Text.PROJECT, Text.COST_CENTER, Text.FEATURE
  };
  private static final String[] SORTED_FIELDS = {
    SpanDocuments.LLM_PROVIDER, SpanDocuments.MODEL, SpanDocuments.LLM_OPERATION, SpanDocuments.LLM_REQUEST_HASH,
    SpanDocuments.LLM_PREFIX_HASH, SpanDocuments.LLM_CONVERSATION, SpanDocuments.LLM_TASK, SpanDocuments.LLM_ERROR,
    SpanDocuments.TEAM, SpanDocuments.PROJECT, SpanDocuments.LLM_COST_CENTER, SpanDocuments.LLM_FEATURE
  };

  private final CallTable table;
  private SortedDocValues traceIds;
  private NumericDocValues spanIds;
  private NumericDocValues parentIds;
  private SortedNumericDocValues starts;
  private NumericDocValues ends;
  private SortedNumericDocValues inputs;
  private SortedNumericDocValues outputs;
  private NumericDocValues usage;
  private NumericDocValues cacheReads;
  private NumericDocValues cacheWrites;
  private NumericDocValues reasonings;
  private NumericDocValues retryAttempts;
  private NumericDocValues prefixTokens;
  private SortedNumericDocValues costs;
  private NumericDocValues priced;
  private NumericDocValues tools;
  private SortedSetDocValues services;
  private SortedSetDocValues names;
  private final SortedDocValues[] sorted = new SortedDocValues[SORTED.length];
  private final int[][] sortedIds = new int[SORTED.length][];
  private int[] serviceIds;
  private int[] nameIds;
  /** Trace ids by segment ordinal, decoded once per ordinal. */
  private long[] traceHiByOrd;
  private long[] traceLoByOrd;
  private boolean[] traceDecoded;

  CallTableCollector(CallTable table) {
    this.table = table;
  }

  @Override
  protected void doSetNextReader(LeafReaderContext context) throws IOException {
    LeafReader r = context.reader();
    traceIds = DocValues.getSorted(r, SpanDocuments.TRACE_ID);
    traceHiByOrd = new long[traceIds.getValueCount()];
    traceLoByOrd = new long[traceIds.getValueCount()];
    traceDecoded = new boolean[traceIds.getValueCount()];
    spanIds = DocValues.getNumeric(r, SpanDocuments.SPAN_ID);
    parentIds = DocValues.getNumeric(r, SpanDocuments.PARENT_ID);
    starts = DocValues.getSortedNumeric(r, SpanDocuments.START);
    ends = DocValues.getNumeric(r, SpanDocuments.END);
    inputs = DocValues.getSortedNumeric(r, SpanDocuments.TOKENS_IN);
    outputs = DocValues.getSortedNumeric(r, SpanDocuments.TOKENS_OUT);
    usage = DocValues.getNumeric(r, SpanDocuments.LLM_USAGE);
    cacheReads = DocValues.getNumeric(r, SpanDocuments.LLM_CACHE_READ);
    cacheWrites = DocValues.getNumeric(r, SpanDocuments.LLM_CACHE_WRITE);
    reasonings = DocValues.getNumeric(r, SpanDocuments.LLM_REASONING);
    retryAttempts = DocValues.getNumeric(r, SpanDocuments.LLM_RETRY_ATTEMPT);
    prefixTokens = DocValues.getNumeric(r, SpanDocuments.LLM_PREFIX_TOKENS);
    costs = DocValues.getSortedNumeric(r, SpanDocuments.COST);
    priced = DocValues.getNumeric(r, SpanDocuments.LLM_PRICED);
    tools = DocValues.getNumeric(r, SpanDocuments.LLM_TOOLS);
    services = DocValues.getSortedSet(r, SpanDocuments.SERVICE);
    names = DocValues.getSortedSet(r, SpanDocuments.NAME);
    serviceIds = unmapped(services.getValueCount());
    nameIds = unmapped(names.getValueCount());
    for (int i = 0; i < SORTED.length; i++) {
      sorted[i] = DocValues.getSorted(r, SORTED_FIELDS[i]);
      sortedIds[i] = unmapped(sorted[i].getValueCount());
    }
  }

  private static int[] unmapped(long size) {
    int[] ids = new int[(int) size];
    Arrays.fill(ids, Integer.MIN_VALUE);
    return ids;
  }

  @Override
  public void collect(int doc) throws IOException {
    if (!traceIds.advanceExact(doc)) {
      return;
    }
    int row = table.addRow();
    int traceOrd = traceIds.ordValue();
    if (!traceDecoded[traceOrd]) {
      BytesRef id = traceIds.lookupOrd(traceOrd);
      traceHiByOrd[traceOrd] = longAt(id, 0);
      traceLoByOrd[traceOrd] = longAt(id, 8);
      traceDecoded[traceOrd] = true;
    }
    table.setIds(row, traceHiByOrd[traceOrd], traceLoByOrd[traceOrd],
        spanIds.advanceExact(doc) ? spanIds.longValue() : 0,
        parentIds.advanceExact(doc) ? parentIds.longValue() : 0);
    long start = starts.advanceExact(doc) ? starts.nextValue() : 0;
    table.setTimes(row, start, ends.advanceExact(doc) ? ends.longValue() : start);
    boolean hasUsage = usage.advanceExact(doc) && usage.longValue() == 1;
    table.setTokens(row,
        hasUsage && inputs.advanceExact(doc) ? inputs.nextValue() : -1,
        hasUsage && outputs.advanceExact(doc) ? outputs.nextValue() : -1,
        cacheReads.advanceExact(doc) ? cacheReads.longValue() : -1,
        cacheWrites.advanceExact(doc) ? cacheWrites.longValue() : -1,
        reasonings.advanceExact(doc) ? reasonings.longValue() : -1);
    if (retryAttempts.advanceExact(doc)) {
      table.setRetryAttempt(row, retryAttempts.longValue());
    }
    if (prefixTokens.advanceExact(doc)) {
      table.setPrefixTokens(row, prefixTokens.longValue());
    }
    if (priced.advanceExact(doc) && priced.longValue() == 1 && costs.advanceExact(doc)) {
      table.setCost(row, NumericUtils.sortableLongToDouble(costs.nextValue()));
    }
    table.setTools(row, tools.advanceExact(doc) && tools.longValue() == 1);
    if (services.advanceExact(doc)) {
      table.setTextId(row, Text.SERVICE, mapped(serviceIds, (int) services.nextOrd(), services));
    }
    if (names.advanceExact(doc)) {
      table.setTextId(row, Text.SPAN_NAME, mapped(nameIds, (int) names.nextOrd(), names));
    }
    for (int i = 0; i < SORTED.length; i++) {
      SortedDocValues values = sorted[i];
      if (values.advanceExact(doc)) {
        int ord = values.ordValue();
        int mapped = sortedIds[i][ord];
        if (mapped == Integer.MIN_VALUE) {
          BytesRef value = values.lookupOrd(ord);
          mapped = table.internUtf8(value.bytes, value.offset, value.length);
          sortedIds[i][ord] = mapped;
        }
        table.setTextId(row, SORTED[i], mapped);
      }
    }
  }

  private int mapped(int[] ids, int ord, SortedSetDocValues values) throws IOException {
    int mapped = ids[ord];
    if (mapped == Integer.MIN_VALUE) {
      BytesRef value = values.lookupOrd(ord);
      mapped = table.internUtf8(value.bytes, value.offset, value.length);
      ids[ord] = mapped;
    }
    return mapped;
  }

  private static long longAt(BytesRef bytes, int offset) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (bytes.bytes[bytes.offset + offset + i] & 0xFF);
    }
    return v;
  }

  @Override
  public ScoreMode scoreMode() {
    return ScoreMode.COMPLETE_NO_SCORES;
  }
}
