package dev.tokentrail.model;

import java.util.Arrays;

/**
 * A sum of doubles kept exactly and rounded once when read, so it is the same double whatever
 * order the values are added in and however partial sums are merged: a trace's cost ranks alike
 * in every store (one sums its calls in start order, another in index order, another merges the
 * sums of spans that arrived apart), where plain {@code +=} differs in the last bits. Shewchuk's
 * algorithm, as Python's {@code math.fsum}: the exact sum is held as non-overlapping partials in
 * increasing magnitude. Non-finite values add up the IEEE way, apart; a sum of finite values
 * beyond the range of a double becomes infinite, as plain addition does.
 */
public final class ExactSum {
  private double[] partials = new double[4];
  private int size;
  /** The sum of the non-finite values added (0 while there are none). */
  private double special;

  public void add(double value) {
    if (!Double.isFinite(value)) {
      special += value;
      return;
    }
    double x = value;
    int kept = 0;
    for (int j = 0; j < size; j++) {
      double y = partials[j];
      if (Math.abs(x) < Math.abs(y)) {
        double t = x;
        x = y;
        y = t;
      }
      double hi = x + y;
      double lo = y - (hi - x); // exact: hi + lo == x + y
      if (lo != 0) {
        partials[kept++] = lo;
      }
      x = hi;
    }
    size = kept;
    if (!Double.isFinite(x)) {
      special += x; // overflow: the partials no longer hold the sum
      size = 0;
    } else if (x != 0) {
      if (size == partials.length) {
        partials = Arrays.copyOf(partials, size * 2);
      }
      partials[size++] = x;
    }
  }

  /** Adds everything {@code other} holds. */
  public void add(ExactSum other) {
    for (double p : other.parts()) {
      add(p);
    }
  }

  /** Values whose sum this is ({@link #add}ing them to an empty sum restores it): to store it. */
  public double[] parts() {
    double[] out = Arrays.copyOf(partials, size + (special != 0 ? 1 : 0));
    if (special != 0) {
      out[size] = special;
    }
    return out;
  }

  /** The exact sum rounded to the nearest double (ties to even). */
  public double value() {
    if (special != 0 || size == 0) {
      return special; // NaN and infinities win; 0 for no (or only zero) values
    }
    int n = size;
    double hi = partials[--n];
    double lo = 0;
    // From the largest partial down, until adding one is inexact.
    while (n > 0) {
      double x = hi;
      double y = partials[--n];
      hi = x + y;
      lo = y - (hi - x);
      if (lo != 0) {
        break;
      }
    }
    // On a tie (lo half an ulp of hi, rounded to even) the partials below lo break it: towards lo
    // when they lie on its side.
    if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
      double y = lo * 2;
      double x = hi + y;
      if (y == x - hi) {
        hi = x;
      }
    }
    return hi;
  }
}
