package dev.tokentrail.analysis;

import dev.tokentrail.model.Saturating;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.pricing.CatalogModel;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.pricing.PromptCache;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Shared-prefix cache opportunity (docs/waste.md): calls of any conversation or trace that send a
 * prefix ({@code tokentrail.prefix.hash}, {@code tokentrail.prefix.tokens}) the provider would still
 * hold in its prompt cache, yet were billed for it as uncached input.
 *
 * <p>Candidates are the turns of context growth (final attempts that reported input tokens) with a
 * prefix hash, a prefix size and a catalog model whose provider has a prompt cache in the catalog.
 * Per (prefix hash, provider, model), in {@link CallOrder}: a call is <em>warm</em> when the
 * previous candidate started at most the cache lifetime before it (each call that sends the prefix
 * refreshes the entry). A warm call whose prefix p = min(prefix tokens, input) reaches the
 * provider's minimum is a <em>repeat</em> when it is the first turn of its conversation and not a
 * duplicate request (later turns are the cache kind's, duplicates the duplicate kind's: no USD is
 * counted twice). Its saving = (p − cache-read tokens)⁺ × (input price − cache-read price). A cold
 * call starts a <em>run</em>; where the model has a cache-write price, the run's first call would
 * have paid (p − cache read − cache write)⁺ × (write price − input price)⁺ more. A run's savings
 * are its repeats' savings minus that premium, at least 0.
 */
public final class PrefixCacheAnalysis {
  /** One shared prefix with its repeats. */
  public record Finding(
      String prefixHash,
      String provider,
      String model,
      String service,
      int calls,
      int repeats,
      long prefixTokens,
      long repeatedTokens,
      double grossSavingsUsd,
      double writePremiumUsd,
      double savingsUsd,
      long minTokens,
      long lifetimeNanos,
      long[] exampleTraces) {

    /** Up to five traces of repeats. */
    public List<TraceId> exampleTraceIds() {
      return CallOrder.traceIds(exampleTraces);
    }

    public String reason() {
      return String.format(Locale.ROOT,
          "%d of %d calls sent this %d-token prefix within %d s of an earlier call yet paid it as uncached input "
              + "(%d tokens); reading it from %s's prompt cache would save $%.6f%s",
          repeats, calls, prefixTokens, lifetimeNanos / 1_000_000_000L, repeatedTokens, provider, savingsUsd,
          writePremiumUsd > 0 ? String.format(Locale.ROOT, " after $%.6f of cache-write premium", writePremiumUsd) : "");
    }
  }

  /** The findings, most USD first. */
  public record Result(List<Finding> findings) {
    public double savingsUsd() {
      double total = 0;
      for (Finding f : findings) {
        total += f.savingsUsd();
      }
      return total;
    }
  }

  private PrefixCacheAnalysis() {}

  /**
   * @param finalAttempt final attempts of retry groups ({@link RetryAnalysis.Result#finalAttempt()})
   * @param duplicate duplicate requests ({@link DuplicateAnalysis.Result#duplicate()})
   */
  public static Result analyze(CallTable t, boolean[] finalAttempt, boolean[] duplicate, PriceCatalog catalog) {
    return analyze(t, finalAttempt, Turns.of(t, finalAttempt), duplicate, catalog);
  }

  /** As {@link #analyze(CallTable, boolean[], boolean[], PriceCatalog)}, with the turns context growth grouped. */
  static Result analyze(CallTable t, boolean[] finalAttempt, Turns turns, boolean[] duplicate, PriceCatalog catalog) {
    boolean[] firstTurn = turns.firstOfConversation();
    CallPrices prices = new CallPrices(t, catalog);
    RowGroups groups = RowGroups.ordered(t,
        row -> finalAttempt[row] && t.input(row) >= 0 && t.prefixTokens(row) > 0 && t.textId(row, Text.PREFIX_HASH) >= 0,
        row -> t.textId(row, Text.PREFIX_HASH), row -> t.textId(row, Text.PROVIDER), row -> t.textId(row, Text.MODEL));
    List<Finding> findings = new ArrayList<>();
    int[] repeatRows = new int[16];
    for (int g = 0; g < groups.groups(); g++) {
      int from = groups.starts[g];
      int to = groups.starts[g + 1];
      if (to - from < 2) {
        continue;
      }
      int first = groups.rows[from];
      CatalogModel model = prices.model(first);
      PromptCache cache = model == null ? null : catalog.promptCache(model);
      if (cache == null) {
        continue;
      }
      long lifetime = cache.lifetimeNanos();
      int repeats = 0;
      long repeatedTokens = 0;
      double gross = 0;
      double premiums = 0;
      double net = 0;
      double runSavings = 0;
      double runPremium = 0;
      int runRepeats = 0;
      for (int k = from; k < to; k++) {
        int row = groups.rows[k];
        long p = Math.min(t.prefixTokens(row), t.input(row));
        boolean warm = k > from && t.start(row) - t.start(groups.rows[k - 1]) <= lifetime;
        if (!warm) {
          if (runRepeats > 0) {
            premiums += runPremium;
            net += Math.max(0, runSavings - runPremium);
          }
          runSavings = 0;
          runRepeats = 0;
          runPremium = writePremium(t, prices, row, p, cache);
          continue;
        }
        if (p < cache.minTokens() || !firstTurn[row] || duplicate[row]) {
          continue;
        }
        long uncached = Math.max(0, p - Math.max(0, t.cacheRead(row)));
        double input = prices.inputPerToken(row);
        double saving = uncached * Math.max(0, input - prices.cacheReadPerToken(row));
        if (uncached == 0 || !(saving > 0)) {
          continue;
        }
        runSavings += saving;
        runRepeats++;
        gross += saving;
        repeatedTokens = Saturating.add(repeatedTokens, uncached);
        if (repeats == repeatRows.length) {
          repeatRows = java.util.Arrays.copyOf(repeatRows, repeats * 2);
        }
        repeatRows[repeats++] = row;
      }
      if (runRepeats > 0) {
        premiums += runPremium;
        net += Math.max(0, runSavings - runPremium);
      }
      if (repeats > 0 && net > 0) {
        findings.add(new Finding(t.text(first, Text.PREFIX_HASH), t.text(first, Text.PROVIDER), t.text(first, Text.MODEL),
            t.text(first, Text.SERVICE), to - from, repeats, Math.min(t.prefixTokens(first), t.input(first)),
            repeatedTokens, gross, premiums, net, cache.minTokens(), lifetime, CallOrder.exampleTraces(t, repeatRows, 0, repeats)));
      }
    }
    findings.sort(Comparator.comparingDouble(Finding::savingsUsd).reversed()
        .thenComparing(Finding::prefixHash).thenComparing(f -> String.valueOf(f.model())));
    return new Result(findings);
  }

  /**
   * What writing the prefix to the cache would have cost the run's first call beyond what it paid:
   * its prefix tokens not already read or written from the cache, at the write price minus the
   * input price; 0 where the provider bills writes as input or the prefix is below the minimum.
   */
  private static double writePremium(CallTable t, CallPrices prices, int row, long p, PromptCache cache) {
    if (p < cache.minTokens()) {
      return 0;
    }
    double write = prices.cacheWritePerToken(row);
    double input = prices.inputPerToken(row);
    if (Double.isNaN(write) || Double.isNaN(input) || write <= input) {
      return 0;
    }
    long unwritten = Math.max(0, p - Math.max(0, t.cacheRead(row)) - Math.max(0, t.cacheWrite(row)));
    return unwritten * (write - input);
  }
}
