package dev.tokentrail.analysis;

/** Sorts row indices with a primitive comparator: no boxing on a million rows. */
final class RowSort {
  /** Compares two rows. */
  interface RowComparator {
    int compare(int a, int b);
  }

  private RowSort() {}

  /** Row indices {@code 0..n-1} where {@code include} holds, sorted by {@code comparator}. */
  static int[] sorted(int n, java.util.function.IntPredicate include, RowComparator comparator) {
    int[] rows = new int[n];
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (include.test(i)) {
        rows[count++] = i;
      }
    }
    int[] out = java.util.Arrays.copyOf(rows, count);
    int[] scratch = new int[count];
    mergeSort(out, scratch, 0, count, comparator);
    return out;
  }

  private static void mergeSort(int[] a, int[] scratch, int from, int to, RowComparator c) {
    if (to - from < 24) {
      for (int i = from + 1; i < to; i++) {
        int v = a[i];
        int j = i - 1;
        while (j >= from && c.compare(a[j], v) > 0) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = v;
      }
      return;
    }
    int mid = (from + to) >>> 1;
    mergeSort(a, scratch, from, mid, c);
    mergeSort(a, scratch, mid, to, c);
    if (c.compare(a[mid - 1], a[mid]) <= 0) {
      return;
    }
    System.arraycopy(a, from, scratch, from, to - from);
    int i = from;
    int j = mid;
    int k = from;
    while (i < mid && j < to) {
      a[k++] = c.compare(scratch[i], scratch[j]) <= 0 ? scratch[i++] : scratch[j++];
    }
    while (i < mid) {
      a[k++] = scratch[i++];
    }
    while (j < to) {
      a[k++] = scratch[j++];
    }
  }
}
