package dev.tokentrail.analysis;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The deterministic order of calls within the groups of every analysis ({@link RowGroups}): start
 * time, then trace id, then span id (ids compared as unsigned numbers, which is their hex order).
 * Two stores holding the same calls in different row orders give the same findings.
 */
final class CallOrder {
  private CallOrder() {}

  /** Whether call {@code a} comes after call {@code b}. */
  static boolean after(CallTable t, int a, int b) {
    long sa = t.start(a);
    long sb = t.start(b);
    if (sa != sb) {
      return sa > sb;
    }
    int c = Long.compareUnsigned(t.traceHi(a), t.traceHi(b));
    if (c == 0) {
      c = Long.compareUnsigned(t.traceLo(a), t.traceLo(b));
    }
    if (c == 0) {
      c = Long.compareUnsigned(t.spanId(a), t.spanId(b));
    }
    return c > 0;
  }

  /** Sorts each group of {@code groups} in this order. */
  static void sortGroups(CallTable t, RowGroups groups) {
    int[] scratch = null;
    for (int g = 0; g < groups.groups(); g++) {
      int from = groups.starts[g];
      int to = groups.starts[g + 1];
      if (to - from <= 32) {
        insertionSort(t, groups.rows, from, to);
      } else {
        if (scratch == null) {
          scratch = new int[groups.rows.length];
        }
        mergeSort(t, groups.rows, scratch, from, to);
      }
    }
  }

  private static void insertionSort(CallTable t, int[] rows, int from, int to) {
    for (int i = from + 1; i < to; i++) {
      int v = rows[i];
      int j = i - 1;
      while (j >= from && after(t, rows[j], v)) {
        rows[j + 1] = rows[j];
        j--;
      }
      rows[j + 1] = v;
    }
  }

  private static void mergeSort(CallTable t, int[] a, int[] scratch, int from, int to) {
    if (to - from <= 32) {
      insertionSort(t, a, from, to);
      return;
    }
    int mid = (from + to) >>> 1;
    mergeSort(t, a, scratch, from, mid);
    mergeSort(t, a, scratch, mid, to);
    if (!after(t, a[mid - 1], a[mid])) {
      return;
    }
    System.arraycopy(a, from, scratch, from, to - from);
    int i = from;
    int j = mid;
    int k = from;
    while (i < mid && j < to) {
      a[k++] = after(t, scratch[i], scratch[j]) ? scratch[j++] : scratch[i++];
    }
    while (i < mid) {
      a[k++] = scratch[i++];
    }
    while (j < to) {
      a[k++] = scratch[j++];
    }
  }

  /** Up to five distinct trace ids of {@code rows[from..to)}, first seen first, as hi/lo pairs. */
  static long[] exampleTraces(CallTable t, int[] rows, int from, int to) {
    long[] traces = new long[10];
    int n = 0;
    for (int k = from; k < to && n < 5; k++) {
      int row = rows[k];
      boolean seen = false;
      for (int i = 0; i < n && !seen; i++) {
        seen = traces[2 * i] == t.traceHi(row) && traces[2 * i + 1] == t.traceLo(row);
      }
      if (!seen) {
        traces[2 * n] = t.traceHi(row);
        traces[2 * n + 1] = t.traceLo(row);
        n++;
      }
    }
    return Arrays.copyOf(traces, 2 * n);
  }

  /** The trace ids of hi/lo pairs as {@link #exampleTraces} gives them. */
  static List<TraceId> traceIds(long[] pairs) {
    List<TraceId> out = new ArrayList<>(pairs.length / 2);
    for (int i = 0; i < pairs.length; i += 2) {
      out.add(new TraceId(pairs[i], pairs[i + 1]));
    }
    return out;
  }
}
