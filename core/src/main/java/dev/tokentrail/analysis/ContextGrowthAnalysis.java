package dev.tokentrail.analysis;

import dev.tokentrail.analysis.CallTable.Text;
import dev.tokentrail.pricing.PriceCatalog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
    Map<String, List<Integer>> byConversation = new LinkedHashMap<>();
    for (int row = 0; row < t.size(); row++) {
      if (!finalAttempt[row] || t.input(row) < 0) {
        continue;
      }
      String conversation = t.text(row, Text.CONVERSATION);
      String key = conversation != null ? "c:" + conversation : "t:" + t.traceId(row);
      byConversation.computeIfAbsent(key, k -> new ArrayList<>()).add(row);
    }
    List<Conversation> out = new ArrayList<>();
    for (Map.Entry<String, List<Integer>> e : byConversation.entrySet()) {
      List<Integer> turns = e.getValue();
      if (turns.size() < 2) {
        continue;
      }
      turns.sort(Comparator.<Integer>comparingLong(t::start).thenComparingLong(t::spanId));
      out.add(conversation(t, e.getKey(), turns, prices, thresholds));
    }
    return new Result(out);
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
