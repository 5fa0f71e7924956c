package dev.tokentrail.analysis;

import dev.tokentrail.model.Saturating;
import dev.tokentrail.model.TraceId;

import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wasted retries (docs/waste.md). A retry group is the set of LLM calls of one trace that share
 * a parent span and a request hash; without a hash, consecutive sibling calls with the same model
 * and operation where each earlier one ended in error. Attempts are ordered by start; every
 * attempt except the last successful one is wasted. Attempts a client SDK retried inside one call
 * span ({@code tokentrail.retry.attempt} of the call, as the agent extension reports it) are
 * attempts of that call's group too: failed and unbilled, their time unknown.
 */
public final class RetryAnalysis {
  /** One retry group with its numbers and why it is reported. */
  public record RetryGroup(
      long traceHi,
      long traceLo,
      long parentSpanId,
      long firstSpanId,
      String service,
      String model,
      String errorType,
      int attempts,
      int wastedAttempts,
      long wastedTokens,
      double wastedUsd,
      int unbilledRetries,
      long unbilledNanos,
      boolean firstTrySucceeded,
      boolean succeeded,
      double totalUsd,
      String reason) {

    public TraceId traceId() {
      return new TraceId(traceHi, traceLo);
    }

    /** Identifies the group across analyses: trace (hex), parent span and first attempt. */
    public String groupKey() {
      return traceId().hex() + ":" + Long.toHexString(parentSpanId) + ":" + Long.toHexString(firstSpanId);
    }
  }

  /**
   * Retry groups rolled up by service and model ({@code errorType} is {@code *}), or by the error
   * type of their first failed attempt ({@code service} and {@code model} are {@code *}).
   */
  public record Rollup(
      String service,
      String model,
      String errorType,
      int groups,
      int attempts,
      int wastedAttempts,
      long wastedTokens,
      double wastedUsd,
      int unbilledRetries,
      double firstTrySuccessRate,
      double effectiveCostPerSuccess) {}

  /** The analysis result: every group, the rollups, and which calls are final attempts. */
  public record Result(List<RetryGroup> groups, List<Rollup> rollups, boolean[] finalAttempt) {
    /** Groups with at least one wasted attempt, most wasted USD first. */
    public List<RetryGroup> findings() {
      List<RetryGroup> out = new ArrayList<>();
      for (RetryGroup g : groups) {
        if (g.wastedAttempts() > 0) {
          out.add(g);
        }
      }
      out.sort(Comparator.comparingDouble(RetryGroup::wastedUsd).reversed()
          .thenComparing(Comparator.comparingInt(RetryGroup::wastedAttempts).reversed())
          .thenComparingLong(RetryGroup::traceHi).thenComparingLong(RetryGroup::traceLo));
      return out;
    }

    public double wastedUsd() {
      double total = 0;
      for (RetryGroup g : groups) {
        total += g.wastedUsd();
      }
      return total;
    }
  }

  private static final String SUCCEEDED = "succeeded on the first attempt";

  private RetryAnalysis() {}

  public static Result analyze(CallTable t) {
    int n = t.size();
    RowGroups siblings = RowGroups.ordered(t, row -> true,
        t::traceHi, t::traceLo, t::parentId);
    boolean[] finalAttempt = new boolean[n];
    List<RetryGroup> groups = new ArrayList<>(n);
    for (int g = 0; g < siblings.groups(); g++) {
      siblingGroups(t, siblings.rows, siblings.starts[g], siblings.starts[g + 1], groups, finalAttempt);
    }
    return new Result(groups, rollups(groups), finalAttempt);
  }

  /** Splits the calls sharing a parent (in start order) into retry groups. */
  private static void siblingGroups(
      CallTable t, int[] order, int from, int to, List<RetryGroup> out, boolean[] finalAttempt) {
    boolean plain = true;
    for (int k = from; k < to && plain; k++) {
      int row = order[k];
      plain = t.textId(row, Text.REQUEST_HASH) < 0 && !t.isError(row);
    }
    if (plain) {
      // No hashes and no failures: every call is its own group (the common case, no maps).
      for (int k = from; k < to; k++) {
        out.add(single(t, order[k], finalAttempt));
      }
      return;
    }
    Map<Integer, List<Integer>> byHash = new LinkedHashMap<>();
    Map<Long, List<Integer>> open = new HashMap<>();
    List<List<Integer>> unhashed = new ArrayList<>();
    for (int k = from; k < to; k++) {
      int row = order[k];
      int hash = t.textId(row, Text.REQUEST_HASH);
      if (hash >= 0) {
        byHash.computeIfAbsent(hash, h -> new ArrayList<>()).add(row);
        continue;
      }
      long key = ((long) t.textId(row, Text.MODEL) << 32) | (t.textId(row, Text.OPERATION) & 0xffffffffL);
      List<Integer> current = open.get(key);
      if (current != null && t.isError(current.get(current.size() - 1))) {
        current.add(row);
      } else {
        current = new ArrayList<>();
        current.add(row);
        unhashed.add(current);
        open.put(key, current);
      }
    }
    for (List<Integer> attempts : byHash.values()) {
      out.add(group(t, attempts, finalAttempt));
    }
    for (List<Integer> attempts : unhashed) {
      out.add(group(t, attempts, finalAttempt));
    }
  }

  private static RetryGroup group(CallTable t, List<Integer> attempts, boolean[] finalAttempt) {
    if (attempts.size() == 1) {
      return single(t, attempts.get(0), finalAttempt);
    }
    finalAttempt[attempts.get(attempts.size() - 1)] = true;
    int lastSuccess = -1;
    for (int k = attempts.size() - 1; k >= 0; k--) {
      if (!t.isError(attempts.get(k))) {
        lastSuccess = k;
        break;
      }
    }
    int wasted = 0;
    long wastedTokens = 0;
    double wastedUsd = 0;
    int unbilled = 0;
    long unbilledNanos = 0;
    double total = 0;
    String errorType = null;
    for (int k = 0; k < attempts.size(); k++) {
      int row = attempts.get(k);
      total += t.costOrZero(row);
      if (errorType == null && t.isError(row)) {
        errorType = t.text(row, Text.ERROR_TYPE);
      }
      if (k == lastSuccess) {
        continue;
      }
      wasted++;
      if (t.hasUsage(row)) {
        wastedTokens = Saturating.add(wastedTokens, Saturating.add(Math.max(0, t.input(row)), Math.max(0, t.output(row))));
        wastedUsd += t.costOrZero(row);
      } else {
        unbilled++;
        unbilledNanos += Math.max(0, t.end(row) - t.start(row));
      }
    }
    // Attempts the client SDK retried inside a call's span failed unbilled; their time is unknown.
    int sdkRetries = 0;
    for (int row : attempts) {
      sdkRetries += t.sdkRetries(row);
    }
    wasted += sdkRetries;
    unbilled += sdkRetries;
    int first = attempts.get(0);
    boolean firstOk = !t.isError(first) && t.sdkRetries(first) == 0;
    String model = t.text(first, Text.MODEL);
    String service = t.text(first, Text.SERVICE);
    int allAttempts = attempts.size() + sdkRetries;
    String reason = wasted == 0
        ? "succeeded on the first attempt"
        : String.format(java.util.Locale.ROOT,
            "%d attempts of one %s request%s; %d wasted (%d billed for $%.6f, %d unbilled%s)%s",
            allAttempts, model == null ? "LLM" : model,
            errorType == null ? "" : " after " + errorType,
            wasted, wasted - unbilled, wastedUsd, unbilled,
            sdkRetries == 0 ? "" : ", " + sdkRetries + " of them retried inside the client SDK",
            lastSuccess < 0 ? "; no attempt succeeded" : "");
    return new RetryGroup(t.traceHi(first), t.traceLo(first), t.parentId(first), t.spanId(first), service, model, errorType, allAttempts, wasted, wastedTokens,
        wastedUsd, unbilled, unbilledNanos, firstOk, lastSuccess >= 0, total, reason);
  }

  /** The common case, a call that was not retried: no lists, no strings beyond the ids. */
  private static RetryGroup single(CallTable t, int row, boolean[] finalAttempt) {
    finalAttempt[row] = true;
    boolean ok = !t.isError(row);
    double cost = t.costOrZero(row);
    boolean billed = t.hasUsage(row);
    int sdkRetries = t.sdkRetries(row);
    String reason;
    if (sdkRetries > 0) {
      reason = String.format(java.util.Locale.ROOT, "%d attempts of one %s request inside the client SDK; %d retried unbilled%s",
          sdkRetries + 1, t.text(row, Text.MODEL) == null ? "LLM" : t.text(row, Text.MODEL), sdkRetries,
          ok ? "" : ", and the last failed (" + t.text(row, Text.ERROR_TYPE) + ")");
    } else {
      reason = ok ? SUCCEEDED : "1 attempt that failed (" + t.text(row, Text.ERROR_TYPE) + ") and was not retried";
    }
    return new RetryGroup(t.traceHi(row), t.traceLo(row), t.parentId(row), t.spanId(row), t.text(row, Text.SERVICE), t.text(row, Text.MODEL), ok ? null : t.text(row, Text.ERROR_TYPE),
        1 + sdkRetries, (ok ? 0 : 1) + sdkRetries, ok || !billed ? 0 : Math.max(0, t.input(row)) + Math.max(0, t.output(row)), ok || !billed ? 0 : cost,
        (ok || billed ? 0 : 1) + sdkRetries, ok || billed ? 0 : Math.max(0, t.end(row) - t.start(row)), ok && sdkRetries == 0, ok, cost, reason);
  }

  /**
   * Rolls groups up by service and model (so the first-try success rate compares successes with
   * failures), and separately by the error type of their first failed attempt.
   */
  private static List<Rollup> rollups(List<RetryGroup> groups) {
    Map<List<String>, long[]> counts = new LinkedHashMap<>();
    Map<List<String>, double[]> money = new HashMap<>();
    // Groups sharing the (identical, interned) service and model strings hit the same accumulator
    // through a one-entry cache, so a million single-call groups cost no list allocations.
    String lastService = null;
    String lastModel = null;
    List<String> lastKey = null;
    for (RetryGroup g : groups) {
      List<String> key;
      if (lastKey != null && g.service() == lastService && g.model() == lastModel) {
        key = lastKey;
      } else {
        key = java.util.Arrays.asList(nz(g.service()), nz(g.model()), "*");
        lastService = g.service();
        lastModel = g.model();
        lastKey = key;
      }
      add(counts, money, key, g);
      if (g.errorType() != null) {
        add(counts, money, java.util.Arrays.asList("*", "*", g.errorType()), g);
      }
    }
    List<Rollup> out = new ArrayList<>();
    for (Map.Entry<List<String>, long[]> e : counts.entrySet()) {
      long[] c = e.getValue();
      double[] m = money.get(e.getKey());
      int count = (int) c[0];
      out.add(new Rollup(e.getKey().get(0), e.getKey().get(1), e.getKey().get(2), count, (int) c[1], (int) c[2], c[3], m[0],
          (int) c[4], (double) c[5] / count, c[6] == 0 ? Double.NaN : m[1] / c[6]));
    }
    out.sort(Comparator.comparingDouble(Rollup::wastedUsd).reversed().thenComparing(Rollup::service).thenComparing(Rollup::errorType));
    return out;
  }

  private static void add(Map<List<String>, long[]> counts, Map<List<String>, double[]> money, List<String> key, RetryGroup g) {
    long[] c = counts.computeIfAbsent(key, k -> new long[7]);
    double[] m = money.computeIfAbsent(key, k -> new double[2]);
    c[0]++;
    c[1] += g.attempts();
    c[2] += g.wastedAttempts();
    c[3] = Saturating.add(c[3], g.wastedTokens());
    c[4] += g.unbilledRetries();
    c[5] += g.firstTrySucceeded() ? 1 : 0;
    c[6] += g.succeeded() ? 1 : 0;
    m[0] += g.wastedUsd();
    m[1] += g.totalUsd();
  }

  private static String nz(String s) {
    return s == null ? "unknown" : s;
  }
}
