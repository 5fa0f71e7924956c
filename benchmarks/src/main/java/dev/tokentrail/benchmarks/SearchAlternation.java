package dev.tokentrail.benchmarks;

import dev.tokentrail.benchmarks.lucene.BareLuceneBaseline;
import dev.tokentrail.benchmarks.opensearch.OpenSearchSpans;
import dev.tokentrail.store.opensearch.testing.OpenSearchNode;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The reference searches against one loaded OpenSearch node, the contenders' requests alternated:
 * OpenSearch's own DSL on its index (answering trace ids only, and again with each trace's first
 * matched spans as Tempo's search answers carry them), and one or more TokenTrail server builds on OpenSearch, all
 * reading the same spans (the first build ingests them; TokenTrail processes are stateless over
 * the cluster, so the others read what it wrote). Each round times every contender once in a
 * rotating order, so a noisy spell on the machine lands on all of them alike; the side-by-side
 * benchmark times each contender's searches in a block of their own, minutes apart.
 */
@Command(name = "search-alternation", mixinStandardHelpOptions = true,
    description = "Reference searches against one loaded OpenSearch node: OpenSearch's own DSL and TokenTrail builds, alternated.")
public final class SearchAlternation implements Callable<Integer> {
  @Option(names = "--server-jar", required = true, split = ",",
      description = "TokenTrail server jars to compare, comma-separated; the first ingests the spans.")
  List<Path> serverJars;

  @Mixin
  WorkloadOptions workload = new WorkloadOptions();

  @Option(names = "--rounds", defaultValue = "60", description = "Timed rounds per search (default ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--warmup", defaultValue = "10", description = "Untimed rounds per search first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Mixin
  NodeOptions nodeOptions = new NodeOptions();

  public static void main(String[] args) {
    System.exit(new CommandLine(new SearchAlternation()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path distribution = nodeOptions.distribution();
    long now = System.currentTimeMillis() * 1_000_000L;
    TraceSource source = workload.source(now);
    ReferenceQueries reference = ReferenceQueries.pick(source.enriched());
    System.out.print(reference.describe(source.enriched()));
    long windowStart = (now - WorkloadOptions.SPREAD_NANOS) / 1_000_000_000L - 60;
    long windowEnd = now / 1_000_000_000L + 3_600;

    Path nodeDir = Files.createTempDirectory("tokentrail-alternation-node-");
    Path work = Files.createTempDirectory("tokentrail-alternation-");
    OpenSearchNode node = nodeOptions.start(distribution, nodeDir);
    List<ServerProcess> servers = new ArrayList<>();
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      OpenSearchSpans os = new OpenSearchSpans(node.httpUrl());
      os.createIndex();
      List<byte[]> bodies = new ArrayList<>();
      OpenSearchSpans.bulkBodies(source.enriched(), 8 << 20, bodies::add);
      OpenSearchSpans.BulkResult bulk = os.bulk(bodies, 4, System.nanoTime());
      os.refresh();
      System.out.printf(Locale.ROOT, "opensearch: %,d docs indexed (%d failed)%n", bulk.acked(), bulk.failed());

      TokenTrailContender.Store store = TokenTrailOnOpenSearch.store(node.httpUrl());
      Map<String, ReferenceQueries.Runner> contenders = new LinkedHashMap<>();
      List<String> bases = new ArrayList<>();
      contenders.put("OpenSearch", kind -> os.search(reference, kind));
      contenders.put("OpenSearch + spansets", kind -> os.searchWithSpansets(reference, kind));
      for (int i = 0; i < serverJars.size(); i++) {
        Path dir = Files.createDirectories(work.resolve("server-" + i));
        ServerProcess server = ServerProcess.start(null, List.of("-Xmx1g"), serverJars.get(i), dir, store.serveArgs(), store.env());
        servers.add(server);
        String base = "http://127.0.0.1:" + server.queryPort;
        if (i == 0) {
          OtlpExport.Result sent = OtlpExport.send(true, "http://127.0.0.1:" + server.grpcPort, "none", source.sdkBatches(512), 4,
              System.nanoTime());
          OtlpExport.awaitSearchable(http, base, source.lastTrace(), Duration.ofSeconds(180));
          TokenTrailContender.awaitRollups(http, base, Duration.ofSeconds(300));
          Thread.sleep(1500); // the last rollups' trace index refresh
          System.out.printf(Locale.ROOT, "tokentrail: %,d spans acknowledged (%d failed) through %s%n", sent.acked(), sent.failed(),
              serverJars.get(i));
        }
        bases.add(base);
        contenders.put("TokenTrail " + (char) ('A' + i) + " (" + serverJars.get(i).toAbsolutePath().getParent().getFileName() + ")",
            kind -> TokenTrailContender.search(http, base, reference.traceQl(kind), windowStart, windowEnd));
      }
      // Let the ingest's merges finish before anything is timed.
      Thread.sleep(5_000);
      int searches = time(reference, contenders);
      int values = timeTagValues(http, os, bases, windowStart, windowEnd);
      return Math.max(searches, values);
    } finally {
      for (ServerProcess s : servers) {
        s.stop(Duration.ofSeconds(30));
      }
      node.close();
      OpenSearchNode.deleteWorkDir(nodeDir);
      BareLuceneBaseline.deleteRecursively(work);
    }
  }

  /**
   * Grafana's value drop-downs and the spend dashboard's cost chart, alternated as the searches are:
   * TokenTrail's tag values of three attributes against a terms aggregation over OpenSearch's own
   * keyword field holding the same attribute (and one numeric attribute OpenSearch's documents keep
   * only in their opaque attributes, TokenTrail alone); the cost of LLM calls per model and minute
   * as TraceQL metrics against a terms and histogram aggregation by hand.
   */
  private int timeTagValues(HttpClient http, OpenSearchSpans os, List<String> bases, long start, long end) throws Exception {
    record Panel(String label, ReferenceQueries.Runner anchor, java.util.function.Function<String, ReferenceQueries.Runner> tokentrail) {}
    List<Panel> panels = new ArrayList<>();
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("resource.service.name", SpanJson.SERVICE);
    tags.put("span.gen_ai.request.model", SpanJson.MODEL);
    tags.put("span.tokentrail.team", SpanJson.TEAM);
    tags.put("span.http.response.status_code", null);
    tags.forEach((tag, field) -> panels.add(new Panel("tag values of `" + tag + "`",
        field == null ? null : kind -> os.values(field, 1000),
        base -> kind -> TokenTrailContender.tagValues(http, base, tag, start, end))));
    String costByModel = "{ span.tokentrail.cost.usd > 0 && resource.service.name =~ \".*\" }"
        + " | sum_over_time(span.tokentrail.cost.usd) by (span.gen_ai.request.model)";
    panels.add(new Panel("`" + costByModel + "`, 60 s steps", kind -> os.costByModel(60_000_000_000L),
        base -> kind -> {
          List<String> series = new ArrayList<>(TokenTrailContender.metricsSeries(http, base, costByModel, start, end, 60));
          series.remove("<nil>"); // spans priced without the attribute: OpenSearch's terms leave them out
          return series;
        }));
    // The same series from spans bucketed in Java: a group of either scope is not aggregated.
    String inJava = costByModel.replace("by (span.", "by (.");
    panels.add(new Panel("the same `by (.gen_ai.request.model)`, bucketed in Java", kind -> os.costByModel(60_000_000_000L),
        base -> kind -> {
          List<String> series = new ArrayList<>(TokenTrailContender.metricsSeries(http, base, inJava, start, end, 60));
          series.remove("<nil>");
          return series;
        }));
    StringBuilder table = new StringBuilder("| panel | OpenSearch by hand |");
    for (int i = 0; i < bases.size(); i++) {
      table.append(" TokenTrail ").append((char) ('A' + i)).append(" |");
    }
    table.append("\n|---|---:|").append("---:|".repeat(bases.size())).append('\n');
    boolean agree = true;
    for (Panel panel : panels) {
      List<ReferenceQueries.Runner> runners = new ArrayList<>();
      runners.add(panel.anchor());
      for (String base : bases) {
        runners.add(panel.tokentrail().apply(base));
      }
      Rounds timed = alternate(runners, null);
      long[][] nanos = timed.nanos();
      List<List<String>> answers = timed.answers();
      table.append("| ").append(panel.label()).append(" (").append(answers.get(1).size()).append(" values) |");
      for (int c = 0; c < runners.size(); c++) {
        if (runners.get(c) == null) {
          table.append(" - |");
          continue;
        }
        table.append(String.format(Locale.ROOT, " %.1f / %.1f |", percentileMs(nanos[c], 0.5), percentileMs(nanos[c], 0.9)));
        if (c > 0 && runners.get(0) != null && !new java.util.HashSet<>(answers.get(c)).equals(new java.util.HashSet<>(answers.get(0)))) {
          agree = false;
          System.out.printf("%s: TokenTrail %s listed %s, OpenSearch %s%n", panel.label(), (char) ('A' + c - 1),
              answers.get(c), answers.get(0));
        }
      }
      table.append('\n');
    }
    System.out.printf("%n%d rounds per panel after %d untimed (p50 / p90 ms):%n%n%s", rounds, warmup, table);
    System.out.println(agree ? "every contender listed the same values" : "VALUES DIFFER (see above)");
    return agree ? 0 : 1;
  }

  private int time(ReferenceQueries reference, Map<String, ReferenceQueries.Runner> contenders) throws Exception {
    List<String> names = new ArrayList<>(contenders.keySet());
    boolean agree = true;
    StringBuilder table = new StringBuilder("| search | " + String.join(" | ", names) + " |\n|---|"
        + "---:|".repeat(names.size()) + "\n");
    StringBuilder ratios = new StringBuilder();
    for (ReferenceQueries.Kind kind : ReferenceQueries.Kind.values()) {
      Rounds timed = alternate(new ArrayList<>(contenders.values()), kind);
      long[][] nanos = timed.nanos();
      List<List<String>> answers = timed.answers();
      table.append("| ").append(kind.label).append(" |");
      double[] p50 = new double[names.size()];
      for (int c = 0; c < names.size(); c++) {
        p50[c] = percentileMs(nanos[c], 0.5);
        table.append(String.format(Locale.ROOT, " %.1f / %.1f |", p50[c], percentileMs(nanos[c], 0.9)));
        if (!answers.get(c).equals(answers.get(0))) {
          agree = false;
          System.out.printf("%s: %s returned other traces than %s%n", kind.label, names.get(c), names.get(0));
        }
      }
      table.append('\n');
      ratios.append(kind.label).append(": p50 ÷ OpenSearch (÷ OpenSearch + spansets)");
      for (int c = 2; c < names.size(); c++) {
        ratios.append(String.format(Locale.ROOT, "  %s %.2f (%.2f)", (char) ('A' + c - 2), p50[c] / p50[0], p50[c] / p50[1]));
      }
      ratios.append('\n');
    }
    System.out.printf("%n%d rounds per search after %d untimed, each round every contender once (p50 / p90 ms):%n%n%s%n%s",
        rounds, warmup, table, ratios);
    System.out.println(agree ? "every contender returned the same traces for every search" : "ANSWERS DIFFER (see above)");
    return agree ? 0 : 1;
  }

  /** Each runner's time per timed round (ns) and its last answer. */
  private record Rounds(long[][] nanos, List<List<String>> answers) {}

  /**
   * {@link #warmup} untimed then {@link #rounds} timed rounds, each running every runner once (a
   * null one is skipped), each runner first in turn.
   */
  private Rounds alternate(List<ReferenceQueries.Runner> runners, ReferenceQueries.Kind kind) throws Exception {
    long[][] nanos = new long[runners.size()][rounds];
    List<List<String>> answers = new ArrayList<>();
    runners.forEach(r -> answers.add(List.of()));
    for (int round = -warmup; round < rounds; round++) {
      for (int k = 0; k < runners.size(); k++) {
        int c = Math.floorMod(round + k, runners.size());
        if (runners.get(c) == null) {
          continue;
        }
        long t0 = System.nanoTime();
        List<String> answer = runners.get(c).run(kind);
        if (round >= 0) {
          nanos[c][round] = System.nanoTime() - t0;
        }
        answers.set(c, answer);
      }
    }
    return new Rounds(nanos, answers);
  }

  /** The {@code q} quantile of {@code nanos} (nearest rank), in milliseconds. */
  private static double percentileMs(long[] nanos, double q) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1))] / 1e6;
  }
}
