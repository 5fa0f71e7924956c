package dev.tokentrail.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.store.CallTable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The duplicate and shared-prefix definitions on real traces (src/test/resources/traces, README
 * there): the known answers are computed here, straight from the raw rows by a plain reading of
 * docs/waste.md, and compared with the analyses. Calls run on anthropic/fixture-sonnet (input $3.00,
 * cache read $0.30, cache write $3.75 per 1M tokens; Anthropic's built-in cache: 1024 tokens, 5 min).
 */
class RealTracesTest {
  private static final double INPUT = 3.00 / 1e6;
  private static final double READ = 0.30 / 1e6;
  private static final double WRITE = 3.75 / 1e6;
  private static final long LIFETIME_MS = 5 * 60_000L;
  private static final long MIN_TOKENS = 1024;
  private static final long WINDOW_MS = 10 * 60_000L;
  private static final long BLOCK_TOKENS = 512;

  /** One raw row: start (ms), input, output, request identity, prefix identity (null: none). */
  private record Raw(int index, long startMs, long input, long output, String request, String prefix, long prefixTokens) {}

  private static final Pattern MOONCAKE = Pattern.compile(
      "\\{\"timestamp\": (\\d+), \"input_length\": (\\d+), \"output_length\": (\\d+), \"hash_ids\": \\[([0-9, ]*)\\]\\}");

  private static List<String> lines(String resource) throws IOException {
    try (InputStream in = RealTracesTest.class.getResourceAsStream(resource)) {
      assertThat(in).as(resource).isNotNull();
      return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList();
    }
  }

  private static List<Raw> mooncake() throws IOException {
    List<Raw> rows = new ArrayList<>();
    for (String line : lines("/traces/mooncake_conversation_trace_first1200.jsonl")) {
      Matcher m = MOONCAKE.matcher(line);
      assertThat(m.matches()).as(line).isTrue();
      String[] blocks = m.group(4).split(", ");
      String prefix = blocks.length < 2 ? null : String.join(",", List.of(blocks).subList(0, blocks.length - 1));
      rows.add(new Raw(rows.size(), Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
          m.group(4) + ":" + m.group(2), prefix, prefix == null ? -1 : BLOCK_TOKENS * (blocks.length - 1)));
    }
    return rows;
  }

  private static List<Raw> azure() throws IOException {
    DateTimeFormatter format = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSS");
    List<String> lines = lines("/traces/AzureLLMInferenceTrace_code_first1000.csv");
    assertThat(lines.get(0)).isEqualTo("TIMESTAMP,ContextTokens,GeneratedTokens");
    List<Raw> rows = new ArrayList<>();
    long first = -1;
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      long ms = LocalDateTime.parse(f[0], format).toInstant(ZoneOffset.UTC).toEpochMilli();
      first = first < 0 ? ms : first;
      rows.add(new Raw(rows.size(), ms - first, Long.parseLong(f[1]), Long.parseLong(f[2]), "ctx-" + f[1], null, -1));
    }
    return rows;
  }

  /** Each raw row as a call of its own trace (trace n = row n + 1), on fixture-sonnet. */
  private static CallTable table(List<Raw> rows) {
    Calls calls = new Calls();
    for (Raw r : rows) {
      calls.trace(r.index() + 1).call("anthropic", "fixture-sonnet", r.input(), r.output())
          .at(Calls.BASE_MILLIS + r.startMs()).hash(r.request());
      if (r.prefix() != null) {
        calls.prefix(r.prefix(), r.prefixTokens());
      }
    }
    return calls.table();
  }

  private static double cost(Raw r) {
    return r.input() * INPUT + r.output() * 15.00 / 1e6;
  }

  /** By identity, each group in start order; equal starts in row (= trace id) order. */
  private static Map<String, List<Raw>> groups(List<Raw> rows, java.util.function.Function<Raw, String> key) {
    Map<String, List<Raw>> out = new HashMap<>();
    for (Raw r : rows) {
      if (key.apply(r) != null) {
        out.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r);
      }
    }
    out.values().forEach(g -> g.sort(Comparator.comparingLong(Raw::startMs).thenComparingInt(Raw::index)));
    return out;
  }

  /** Rows that repeat an original less than the window after it. */
  private static boolean[] expectedDuplicates(List<Raw> rows) {
    boolean[] duplicate = new boolean[rows.size()];
    for (List<Raw> g : groups(rows, Raw::request).values()) {
      long original = g.get(0).startMs();
      for (Raw r : g.subList(1, g.size())) {
        if (r.startMs() - original <= WINDOW_MS) {
          duplicate[r.index()] = true;
        } else {
          original = r.startMs();
        }
      }
    }
    return duplicate;
  }

  private static DuplicateAnalysis.Result duplicates(CallTable t) {
    return DuplicateAnalysis.analyze(t, RetryAnalysis.analyze(t).finalAttempt(), WINDOW_MS * 1_000_000L);
  }

  @Test
  void mooncakeDuplicatesMatchTheRawRows() throws IOException {
    List<Raw> rows = mooncake();
    boolean[] expected = expectedDuplicates(rows);
    double expectedUsd = 0;
    int count = 0;
    for (Raw r : rows) {
      if (expected[r.index()]) {
        expectedUsd += cost(r);
        count++;
      }
    }
    DuplicateAnalysis.Result result = duplicates(table(rows));
    assertThat(count).as("the slice holds real duplicate requests").isEqualTo(12);
    assertThat(result.duplicate()).containsExactly(expected);
    assertThat(result.findings().stream().mapToInt(DuplicateAnalysis.Finding::duplicates).sum()).isEqualTo(count);
    assertThat(result.wastedUsd()).isCloseTo(expectedUsd, within(1e-9));
  }

  @Test
  void azureDuplicatesOfEqualContextSizeMatchTheRawRows() throws IOException {
    List<Raw> rows = azure();
    boolean[] expected = expectedDuplicates(rows);
    double expectedUsd = 0;
    for (Raw r : rows) {
      expectedUsd += expected[r.index()] ? cost(r) : 0;
    }
    DuplicateAnalysis.Result result = duplicates(table(rows));
    assertThat(result.duplicate()).containsExactly(expected);
    assertThat(result.findings()).hasSizeGreaterThan(10);
    assertThat(result.wastedUsd()).isPositive().isCloseTo(expectedUsd, within(1e-9));
  }

  @Test
  void mooncakeSharedPrefixesMatchTheRawRows() throws IOException {
    List<Raw> rows = mooncake();
    boolean[] duplicate = expectedDuplicates(rows);
    double expectedUsd = 0;
    long expectedTokens = 0;
    int expectedRepeats = 0;
    for (List<Raw> g : groups(rows, Raw::prefix).values()) {
      double runSavings = 0;
      double runPremium = 0;
      int runRepeats = 0;
      for (int i = 0; i < g.size(); i++) {
        Raw r = g.get(i);
        long p = Math.min(r.prefixTokens(), r.input());
        boolean warm = i > 0 && r.startMs() - g.get(i - 1).startMs() <= LIFETIME_MS;
        if (!warm) {
          expectedUsd += runRepeats > 0 ? Math.max(0, runSavings - runPremium) : 0;
          runSavings = 0;
          runRepeats = 0;
          runPremium = p >= MIN_TOKENS ? p * (WRITE - INPUT) : 0;
        } else if (p >= MIN_TOKENS && !duplicate[r.index()]) {
          runSavings += p * (INPUT - READ);
          runRepeats++;
          expectedRepeats++;
          expectedTokens += p;
        }
      }
      expectedUsd += runRepeats > 0 ? Math.max(0, runSavings - runPremium) : 0;
    }
    CallTable t = table(rows);
    RetryAnalysis.Result retries = RetryAnalysis.analyze(t);
    PrefixCacheAnalysis.Result result = PrefixCacheAnalysis.analyze(
        t, retries.finalAttempt(), duplicates(t).duplicate(), Calls.CATALOG);
    assertThat(expectedRepeats).as("the slice holds real shared prefixes").isGreaterThan(20);
    assertThat(result.findings().stream().mapToInt(PrefixCacheAnalysis.Finding::repeats).sum()).isEqualTo(expectedRepeats);
    assertThat(result.findings().stream().mapToLong(PrefixCacheAnalysis.Finding::repeatedTokens).sum()).isEqualTo(expectedTokens);
    assertThat(result.savingsUsd()).isCloseTo(expectedUsd, within(1e-9));
  }
}
