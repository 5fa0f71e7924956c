package dev.tokentrail.store.conformance;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One row of a {@link CallTable} as a value, every column included (strings resolved from the
 * table's dictionary), so that tables of different stores compare as lists of rows.
 */
public record CallRow(
    TraceId traceId, long spanId, long parentId, long start, long end, long input, long output, long cacheRead,
    long cacheWrite, long reasoning, int sdkRetries, Double cost, boolean tools, Map<Text, String> texts,
    long prefixTokens) {

  public static CallRow of(CallTable table, int row) {
    Map<Text, String> texts = new EnumMap<>(Text.class);
    for (Text t : Text.values()) {
      String v = table.text(row, t);
      if (v != null) {
        texts.put(t, v);
      }
    }
    return new CallRow(table.traceId(row), table.spanId(row), table.parentId(row), table.start(row), table.end(row),
        table.input(row), table.output(row), table.cacheRead(row), table.cacheWrite(row), table.reasoning(row),
        table.sdkRetries(row), table.cost(row), table.tools(row), Map.copyOf(texts), table.prefixTokens(row));
  }

  /** Every row of {@code table}, in the table's order. */
  public static List<CallRow> all(CallTable table) {
    List<CallRow> out = new ArrayList<>(table.size());
    for (int row = 0; row < table.size(); row++) {
      out.add(of(table, row));
    }
    return out;
  }

  public String text(Text column) {
    return texts.get(column);
  }
}
