package dev.tokentrail.analysis;

import dev.tokentrail.model.Saturating;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Duplicate requests (docs/waste.md): the same {@code tokentrail.request.hash} billed again by the
 * same service while a response cache with a time-to-live of {@code window} would still hold the
 * answer. The candidates are the final attempts of retry groups that reported usage and succeeded
 * (failed attempts are retry waste; a response cache keeps only answers). Per (service, request
 * hash), in {@link CallOrder}: the first call is an original; a later call starting at most {@code
 * window} after the current original's start is a duplicate; any other call becomes the next
 * original. The duplicates' cost is the waste.
 */
public final class DuplicateAnalysis {
  /** One (service, request hash) with duplicates. */
  public record Finding(
      String service,
      String requestHash,
      String model,
      int calls,
      int duplicates,
      long duplicateTokens,
      double wastedUsd,
      long firstStartNanos,
      long lastStartNanos,
      long[] exampleTraces,
      long windowNanos) {

    /** Up to five traces holding duplicates. */
    public List<TraceId> exampleTraceIds() {
      return CallOrder.traceIds(exampleTraces);
    }

    public String reason() {
      return String.format(Locale.ROOT,
          "%d of %d identical requests from %s were billed again within %d s of the answer they repeat; "
              + "a response cache would have saved $%.6f (%d tokens)",
          duplicates, calls, service, windowNanos / 1_000_000_000L, wastedUsd, duplicateTokens);
    }
  }

  /** The findings (most USD first) and which calls are duplicates. */
  public record Result(List<Finding> findings, boolean[] duplicate) {
    public double wastedUsd() {
      double total = 0;
      for (Finding f : findings) {
        total += f.wastedUsd();
      }
      return total;
    }
  }

  private DuplicateAnalysis() {}

  /**
   * @param finalAttempt which calls are the final attempts of their retry groups ({@link
   *     RetryAnalysis.Result#finalAttempt()})
   * @param windowNanos how long a response cache would keep an answer
   */
  public static Result analyze(CallTable t, boolean[] finalAttempt, long windowNanos) {
    if (windowNanos <= 0) {
      throw new IllegalArgumentException("windowNanos: " + windowNanos + " (expected: > 0)");
    }
    boolean[] duplicate = new boolean[t.size()];
    RowGroups groups = RowGroups.ordered(t,
        row -> finalAttempt[row] && t.hasUsage(row) && !t.isError(row) && t.textId(row, Text.REQUEST_HASH) >= 0,
        row -> t.textId(row, Text.SERVICE), row -> t.textId(row, Text.REQUEST_HASH), row -> 0);
    List<Finding> findings = new ArrayList<>();
    int[] repeats = new int[16];
    for (int g = 0; g < groups.groups(); g++) {
      int from = groups.starts[g];
      int to = groups.starts[g + 1];
      if (to - from < 2) {
        continue;
      }
      long originalStart = t.start(groups.rows[from]);
      int n = 0;
      long tokens = 0;
      double usd = 0;
      for (int k = from + 1; k < to; k++) {
        int row = groups.rows[k];
        if (t.start(row) - originalStart <= windowNanos) {
          duplicate[row] = true;
          if (n == repeats.length) {
            repeats = java.util.Arrays.copyOf(repeats, n * 2);
          }
          repeats[n++] = row;
          tokens = Saturating.add(tokens, Saturating.add(Math.max(0, t.input(row)), Math.max(0, t.output(row))));
          usd += t.costOrZero(row);
        } else {
          originalStart = t.start(row);
        }
      }
      if (n > 0) {
        int first = groups.rows[from];
        findings.add(new Finding(t.text(first, Text.SERVICE), t.text(first, Text.REQUEST_HASH), t.text(first, Text.MODEL),
            to - from, n, tokens, usd, t.start(first), t.start(groups.rows[to - 1]),
            CallOrder.exampleTraces(t, repeats, 0, n), windowNanos));
      }
    }
    findings.sort(Comparator.comparingDouble(Finding::wastedUsd).reversed()
        .thenComparing(Comparator.comparingInt(Finding::duplicates).reversed())
        .thenComparing(f -> String.valueOf(f.service())).thenComparing(Finding::requestHash));
    return new Result(findings, duplicate);
  }
}
