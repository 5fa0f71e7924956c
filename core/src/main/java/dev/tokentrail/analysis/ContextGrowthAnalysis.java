package dev.tokentrail.analysis;

import dev.tokentrail.model.Saturating;
import dev.tokentrail.model.TraceId;

import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.pricing.PriceCatalog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Context growth and cache opportunity (docs/waste.md). Per conversation ({@code
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
      long[] exampleTraces,
      WasteThresholds thresholds) {

    /** Up to five trace ids of the conversation, for links to the trace view. */
    public List<TraceId> exampleTraceIds() {
      return CallOrder.traceIds(exampleTraces);
    }

    /** Why the conversation is (or is not) flagged, in words; built on demand. */
    public String reason() {
      String text = String.format(Locale.ROOT,
          "%d turns; input grew from %d to %d tokens (x%.1f); %d of %d input tokens (%.0f%%) re-sent earlier context%s",
          turns, firstInput, lastInput, growthFactor, resentTokens, inputTokens, resentShare * 100,
          flagged ? "" : String.format(Locale.ROOT, " (below the thresholds: %d turns, x%.1f, %.0f%%)",
              thresholds.contextMinTurns(), thresholds.contextGrowthFactor(), thresholds.contextResentShare() * 100));
      if (cacheOpportunityUsd > 0) {
        text += String.format(Locale.ROOT, "; $%.6f would be saved if re-sent tokens were read from the prompt cache", cacheOpportunityUsd);
      }
      return text;
    }
  }

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

  /** @param finalAttempt the final attempts of retry groups ({@link RetryAnalysis.Result#finalAttempt()}) */
  public static Result analyze(CallTable t, boolean[] finalAttempt, PriceCatalog catalog, WasteThresholds thresholds) {
    return analyze(t, Turns.of(t, finalAttempt), catalog, thresholds);
  }

  static Result analyze(CallTable t, Turns turns, PriceCatalog catalog, WasteThresholds thresholds) {
    CallPrices prices = new CallPrices(t, catalog);
    RowGroups conversations = turns.conversations;
    List<Conversation> out = new ArrayList<>();
    int[] rows = conversations.rows;
    for (int g = 0; g < conversations.groups(); g++) {
      int i = conversations.starts[g];
      int j = conversations.starts[g + 1];
      if (j - i >= 2) {
        out.add(conversation(t, rows, i, j, prices, thresholds));
      }
    }
    return new Result(out);
  }

  private static Conversation conversation(
      CallTable t, int[] turns, int from, int to, CallPrices prices, WasteThresholds thresholds) {
    int n = to - from;
    long sumIn = 0;
    long sumResent = 0;
    long cacheRead = 0;
    double resentUsd = 0;
    double cacheUsd = 0;
    for (int i = 0; i < n; i++) {
      int row = turns[from + i];
      long in = t.input(row);
      sumIn = Saturating.add(sumIn, in);
      if (i == 0) {
        continue;
      }
      int prev = turns[from + i - 1];
      long r = Math.min(in, t.input(prev) + Math.max(0, t.output(prev)));
      sumResent = Saturating.add(sumResent, r);
      long cached = Math.max(0, t.cacheRead(row));
      cacheRead = Saturating.add(cacheRead, cached);
      double inputPrice = prices.inputPerToken(row);
      if (!Double.isNaN(inputPrice)) {
        resentUsd += r * inputPrice;
        double saving = inputPrice - prices.cacheReadPerToken(row);
        cacheUsd += Math.max(0, r - cached) * Math.max(0, saving);
      }
    }
    long first = t.input(turns[from]);
    long last = t.input(turns[to - 1]);
    double g = first > 0 ? (double) last / first : (last > 0 ? Double.POSITIVE_INFINITY : 1);
    double share = sumIn > 0 ? (double) sumResent / sumIn : 0;
    boolean flagged = n >= thresholds.contextMinTurns()
        && (g >= thresholds.contextGrowthFactor() || share >= thresholds.contextResentShare());
    int firstRow = turns[from];
    boolean byId = t.textId(firstRow, Text.CONVERSATION) >= 0;
    return new Conversation(byId ? t.text(firstRow, Text.CONVERSATION) : t.traceId(firstRow).hex(), byId, t.text(firstRow, Text.SERVICE),
        n, first, last, g, sumResent, sumIn, share, resentUsd, cacheUsd, cacheRead, flagged,
        CallOrder.exampleTraces(t, turns, from, to), thresholds);
  }
}
