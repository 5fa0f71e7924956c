package dev.tokentrail.analysis;

import dev.tokentrail.analysis.CallTable.Text;
import dev.tokentrail.pricing.PriceCatalog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Context growth and cache opportunity (DESIGN section 5). Per conversation ({@code
 * gen_ai.conversation.id}, else the trace) the turns are the calls that reported input tokens,
 * final attempts of their retry groups only, by start. For turn i >= 2 the re-sent tokens are
 * r_i = min(in_i, in_{i-1} + out_{i-1}); the growth factor is g = in_n / in_1.
 */
public final class ContextGrowthAnalysis {
  /** One conversation's numbers, whether flagged, and why. */
  public record Conversation(
      String conversation,
      boolean fromConversationId,
      String service,
      int turns,
      long firstInput,
      long lastInput,
      double growthFactor,
      long resentTokens,
      long inputTokens,
      double resentShare,
      double resentUsd,
      double cacheOpportunityUsd,
      long cacheReadTokens,
      boolean flagged,
      List<String> exampleTraceIds,
      String reason) {}

  /** All conversations of two or more turns. */
  public record Result(List<Conversation> conversations) {
    /** Flagged conversations, most re-sent USD first. */
    public List<Conversation> growthFindings() {
      List<Conversation> out = new ArrayList<>();
      for (Conversation c : conversations) {
        if (c.flagged()) {
          out.add(c);
        }
      }
      out.sort(Comparator.comparingDouble(Conversation::resentUsd).reversed().thenComparing(Conversation::conversation));
      return out;
    }

    /** Conversations with a cache opportunity, largest first. */
    public List<Conversation> cacheFindings() {
      List<Conversation> out = new ArrayList<>();
      for (Conversation c : conversations) {
        if (c.cacheOpportunityUsd() > 0) {
          out.add(c);
        }
      }
      out.sort(Comparator.comparingDouble(Conversation::cacheOpportunityUsd).reversed().thenComparing(Conversation::conversation));
      return out;
    }

    public double resentUsdOfFlagged() {
      return growthFindings().stream().mapToDouble(Conversation::resentUsd).sum();
    }

    public double cacheOpportunityUsd() {
      return conversations.stream().mapToDouble(Conversation::cacheOpportunityUsd).sum();
    }
  }

  private ContextGrowthAnalysis() {}

  public static Result analyze(CallTable t, boolean[] finalAttempt, PriceCatalog catalog, WasteThresholds thresholds) {
    CallPrices prices = new CallPrices(t, catalog);
    // Turns grouped by conversation id, else by trace, then by start: one primitive sort.
    int[] turns = RowSort.sorted(t.size(), row -> finalAttempt[row] && t.input(row) >= 0, (a, b) -> {
      int ca = t.textId(a, Text.CONVERSATION);
      int cb = t.textId(b, Text.CONVERSATION);
      int c = Integer.compare(ca, cb);
      if (c == 0 && ca < 0) {
        c = Long.compare(t.traceHi(a), t.traceHi(b));
        if (c == 0) {
          c = Long.compare(t.traceLo(a), t.traceLo(b));
        }
      }
      if (c == 0) {
        c = Long.compare(t.start(a), t.start(b));
      }
      return c != 0 ? c : Long.compare(t.spanId(a), t.spanId(b));
    });
    List<Conversation> out = new ArrayList<>();
    int i = 0;
    while (i < turns.length) {
      int j = i + 1;
      while (j < turns.length && sameConversation(t, turns[i], turns[j])) {
        j++;
      }
      if (j - i >= 2) {
        List<Integer> conversation = new ArrayList<>(j - i);
        for (int k = i; k < j; k++) {
          conversation.add(turns[k]);
        }
        int first = turns[i];
        String key = t.textId(first, Text.CONVERSATION) >= 0 ? "c:" + t.text(first, Text.CONVERSATION) : "t:" + t.traceId(first);
        out.add(conversation(t, key, conversation, prices, thresholds));
      }
      i = j;
    }
    return new Result(out);
  }

  private static boolean sameConversation(CallTable t, int a, int b) {
    int ca = t.textId(a, Text.CONVERSATION);
    if (ca != t.textId(b, Text.CONVERSATION)) {
      return false;
    }
    return ca >= 0 || (t.traceHi(a) == t.traceHi(b) && t.traceLo(a) == t.traceLo(b));
  }

  private static Conversation conversation(
      CallTable t, String key, List<Integer> turns, CallPrices prices, WasteThresholds thresholds) {
    int n = turns.size();
    long sumIn = 0;
    long sumResent = 0;
    long cacheRead = 0;
    double resentUsd = 0;
    double cacheUsd = 0;
    Set<String> traces = new LinkedHashSet<>();
    for (int i = 0; i < n; i++) {
      int row = turns.get(i);
      long in = t.input(row);
      sumIn += in;
      if (traces.size() < 5) {
        traces.add(t.traceId(row));
      }
      if (i == 0) {
        continue;
      }
      int prev = turns.get(i - 1);
      long r = Math.min(in, t.input(prev) + Math.max(0, t.output(prev)));
      sumResent += r;
      long cached = Math.max(0, t.cacheRead(row));
      cacheRead += cached;
      double inputPrice = prices.inputPerToken(row);
      if (!Double.isNaN(inputPrice)) {
        resentUsd += r * inputPrice;
        double saving = inputPrice - prices.cacheReadPerToken(row);
        cacheUsd += Math.max(0, r - cached) * Math.max(0, saving);
      }
    }
    long first = t.input(turns.get(0));
    long last = t.input(turns.get(n - 1));
    double g = first > 0 ? (double) last / first : (last > 0 ? Double.POSITIVE_INFINITY : 1);
    double share = sumIn > 0 ? (double) sumResent / sumIn : 0;
    boolean flagged = n >= thresholds.contextMinTurns()
        && (g >= thresholds.contextGrowthFactor() || share >= thresholds.contextResentShare());
    String reason = String.format(Locale.ROOT,
        "%d turns; input grew from %d to %d tokens (x%.1f); %d of %d input tokens (%.0f%%) re-sent earlier context%s",
        n, first, last, g, sumResent, sumIn, share * 100,
        flagged ? "" : String.format(Locale.ROOT, " (below the thresholds: %d turns, x%.1f, %.0f%%)",
            thresholds.contextMinTurns(), thresholds.contextGrowthFactor(), thresholds.contextResentShare() * 100));
    if (cacheUsd > 0) {
      reason += String.format(Locale.ROOT, "; $%.6f would be saved if re-sent tokens were read from the prompt cache", cacheUsd);
    }
    return new Conversation(key.substring(2), key.startsWith("c:"), t.text(turns.get(0), Text.SERVICE), n, first, last, g,
        sumResent, sumIn, share, resentUsd, cacheUsd, cacheRead, flagged, List.copyOf(traces), reason);
  }
}
