package dev.tokentrail.analysis;

import dev.tokentrail.store.CallTable;
import java.util.Arrays;
import java.util.function.IntPredicate;
import java.util.function.IntToLongFunction;

/**
 * Groups row indices by a key of up to three longs in linear time (an open-addressing table and
 * a counting sort), each group in {@link CallOrder} when asked. This is what the analyses spend
 * most of their time on, so no boxing, no hashing of objects and no global sort.
 */
final class RowGroups {
  /** Rows grouped: group g holds {@code rows[starts[g]] .. rows[starts[g + 1] - 1]}. */
  final int[] rows;
  final int[] starts;

  private RowGroups(int[] rows, int[] starts) {
    this.rows = rows;
    this.starts = starts;
  }

  int groups() {
    return starts.length - 1;
  }

  /** The {@code include} rows grouped by their key (three longs), every group in {@link CallOrder}. */
  static RowGroups ordered(
      CallTable t, IntPredicate include, IntToLongFunction keyA, IntToLongFunction keyB, IntToLongFunction keyC) {
    RowGroups grouped = unordered(t, include, keyA, keyB, keyC);
    CallOrder.sortGroups(t, grouped);
    return grouped;
  }

  /** As {@link #ordered}, each group's rows in table order: for analyses that do not need the order. */
  static RowGroups unordered(
      CallTable t, IntPredicate include, IntToLongFunction keyA, IntToLongFunction keyB, IntToLongFunction keyC) {
    int n = t.size();
    int capacity = Integer.highestOneBit(Math.max(16, n * 2 - 1)) << 1;
    int mask = capacity - 1;
    int[] slotGroup = new int[capacity];
    Arrays.fill(slotGroup, -1);
    int[] groupOfRow = new int[n];
    long[] ka = new long[Math.max(16, n / 4)];
    long[] kb = new long[ka.length];
    long[] kc = new long[ka.length];
    int[] sizes = new int[ka.length];
    int groups = 0;
    int included = 0;
    for (int row = 0; row < n; row++) {
      if (!include.test(row)) {
        groupOfRow[row] = -1;
        continue;
      }
      included++;
      long a = keyA.applyAsLong(row);
      long b = keyB.applyAsLong(row);
      long c = keyC.applyAsLong(row);
      long h = a * 0x9E3779B97F4A7C15L ^ Long.rotateLeft(b * 0xC2B2AE3D27D4EB4FL, 31) ^ Long.rotateLeft(c * 0x165667B19E3779F9L, 17);
      int slot = (int) (h ^ (h >>> 32)) & mask;
      int group;
      while (true) {
        group = slotGroup[slot];
        if (group < 0) {
          if (groups == ka.length) {
            int grown = ka.length * 2;
            ka = Arrays.copyOf(ka, grown);
            kb = Arrays.copyOf(kb, grown);
            kc = Arrays.copyOf(kc, grown);
            sizes = Arrays.copyOf(sizes, grown);
          }
          group = groups++;
          ka[group] = a;
          kb[group] = b;
          kc[group] = c;
          slotGroup[slot] = group;
          break;
        }
        if (ka[group] == a && kb[group] == b && kc[group] == c) {
          break;
        }
        slot = (slot + 1) & mask;
      }
      groupOfRow[row] = group;
      sizes[group]++;
    }
    int[] starts = new int[groups + 1];
    for (int g = 0; g < groups; g++) {
      starts[g + 1] = starts[g] + sizes[g];
    }
    int[] fill = Arrays.copyOf(starts, groups);
    int[] rows = new int[included];
    for (int row = 0; row < n; row++) {
      int g = groupOfRow[row];
      if (g >= 0) {
        rows[fill[g]++] = row;
      }
    }
    return new RowGroups(rows, starts);
  }
}
