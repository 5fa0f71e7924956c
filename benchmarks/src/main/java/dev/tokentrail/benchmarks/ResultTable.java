package dev.tokentrail.benchmarks;

import java.util.List;
import java.util.Locale;

/** The side-by-side benchmark's output: one Markdown table, the ratios, and the same-traces check. */
final class ResultTable {
  private ResultTable() {}

  static String render(List<SideBySide.Row> rows) {
    StringBuilder out = new StringBuilder("| contender | spans | ack spans/s | searchable spans/s | bytes/span |");
    StringBuilder rule = new StringBuilder("|---|---:|---:|---:|---:|");
    for (ReferenceQueries.Kind k : ReferenceQueries.Kind.values()) {
      out.append(" q").append(k.ordinal() + 1).append(' ').append(k.label).append(" p50 / p99 ms |");
      rule.append("---:|");
    }
    out.append('\n').append(rule).append('\n');
    for (SideBySide.Row r : rows) {
      out.append(String.format(Locale.ROOT, "| %s%s | %,d | %,.0f | %,.0f | %.1f |", r.name(), r.note().isEmpty() ? "" : " (" + r.note() + ")",
          r.spans(), r.ackedPerSecond(), r.searchablePerSecond(), r.bytesPerSpan()));
      for (ReferenceQueries.Kind k : ReferenceQueries.Kind.values()) {
        ReferenceQueries.Timing t = r.timings().get(k);
        out.append(String.format(Locale.ROOT, " %s / %s |", millis(t.p50Millis()), millis(t.p99Millis())));
      }
      out.append('\n');
    }
    SideBySide.Row ours = rows.stream().filter(r -> r.name().equals("TokenTrail")).findFirst().orElse(null);
    if (ours != null) {
      for (SideBySide.Row other : rows) {
        if (other == ours) {
          continue;
        }
        out.append(String.format(Locale.ROOT, "%nTokenTrail ÷ %s: ack %.2f, searchable %.2f, bytes/span %.2f",
            other.name(), ours.ackedPerSecond() / other.ackedPerSecond(), ours.searchablePerSecond() / other.searchablePerSecond(),
            ours.bytesPerSpan() / other.bytesPerSpan()));
        for (ReferenceQueries.Kind k : ReferenceQueries.Kind.values()) {
          out.append(String.format(Locale.ROOT, ", q%d p50 %.2f", k.ordinal() + 1,
              ours.timings().get(k).p50Millis() / other.timings().get(k).p50Millis()));
        }
      }
      out.append('\n');
    }
    SideBySide.Row onOpenSearch = byName(rows, "TokenTrail+OpenSearch");
    SideBySide.Row openSearch = byName(rows, "OpenSearch");
    if (onOpenSearch != null && openSearch != null) {
      out.append(String.format(Locale.ROOT, "TokenTrail+OpenSearch ÷ OpenSearch: ack %.2f, searchable %.2f, bytes/span %.2f",
          onOpenSearch.ackedPerSecond() / openSearch.ackedPerSecond(),
          onOpenSearch.searchablePerSecond() / openSearch.searchablePerSecond(),
          onOpenSearch.bytesPerSpan() / openSearch.bytesPerSpan()));
      for (ReferenceQueries.Kind k : ReferenceQueries.Kind.values()) {
        out.append(String.format(Locale.ROOT, ", q%d p50 %.2f p99 %.2f", k.ordinal() + 1,
            onOpenSearch.timings().get(k).p50Millis() / openSearch.timings().get(k).p50Millis(),
            onOpenSearch.timings().get(k).p99Millis() / openSearch.timings().get(k).p99Millis()));
      }
      out.append('\n');
    }
    out.append(String.format("(timed runs per search: %s)%n", String.join(", ", rows.stream().map(r -> r.name() + " "
        + r.timings().values().stream().map(t -> Integer.toString(t.nanos().length)).toList()).toList())));
    return out.toString();
  }

  private static SideBySide.Row byName(List<SideBySide.Row> rows, String name) {
    return rows.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
  }

  private static String millis(double ms) {
    return ms < 10 ? String.format(Locale.ROOT, "%.2f", ms) : String.format(Locale.ROOT, "%.0f", ms);
  }

  /** Prints, per search, whether every contender returned the same trace ids in the same order; true when all agree. */
  static boolean checkSameTraces(List<SideBySide.Row> rows) {
    if (rows.size() < 2) {
      return true;
    }
    boolean all = true;
    for (ReferenceQueries.Kind k : ReferenceQueries.Kind.values()) {
      List<String> first = rows.get(0).timings().get(k).traceIds();
      boolean same = true;
      for (SideBySide.Row r : rows.subList(1, rows.size())) {
        List<String> ids = r.timings().get(k).traceIds();
        if (!ids.equals(first)) {
          same = false;
          int at = 0;
          while (at < Math.min(first.size(), ids.size()) && first.get(at).equals(ids.get(at))) {
            at++;
          }
          System.out.printf("WARNING q%d %s: %s returned %d traces, %s %d; they differ from position %d: %s vs %s%n", k.ordinal() + 1, k.label,
              rows.get(0).name(), first.size(), r.name(), ids.size(), at + 1, first.subList(at, first.size()), ids.subList(at, ids.size()));
        }
      }
      if (same) {
        System.out.printf("q%d %s: all contenders returned the same %d traces in the same order%n", k.ordinal() + 1, k.label, first.size());
      }
      all &= same;
    }
    return all;
  }
}
