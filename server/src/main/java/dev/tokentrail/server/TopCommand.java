package dev.tokentrail.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokentrail.model.Durations;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tokentrail top}: the costliest traces of a running server, as a table. */
@Command(
    name = "top",
    mixinStandardHelpOptions = true,
    description = "Prints the costliest traces of a running TokenTrail server (GET /api/v1/traces/top).")
final class TopCommand implements Callable<Integer> {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  @Option(names = "--since", defaultValue = "24h", description = "How far back to look, e.g. 30m, 24h, 7d (default ${DEFAULT-VALUE}).")
  String since;

  @Option(names = "--by", defaultValue = "cost", description = "Rank by cost, tokens or llm_calls (default ${DEFAULT-VALUE}).")
  String by;

  @Option(names = "--query", description = "A TraceQL query narrowing the traces, e.g. '{ resource.service.name = \"support-bot\" }'.")
  String query;

  @Option(names = "--limit", defaultValue = "20", description = "Rows (default ${DEFAULT-VALUE}).")
  int limit;

  @Mixin QueryApiClient api = new QueryApiClient();

  PrintStream out = System.out;
  PrintStream err = System.err;

  @Override
  public Integer call() throws Exception {
    Duration window;
    try {
      window = Durations.parse(since, "--since");
    } catch (IllegalArgumentException e) {
      err.println("tokentrail top: " + e.getMessage());
      return 2;
    }
    long to = System.currentTimeMillis();
    long from = to - window.toMillis();
    QueryApiClient.Response response;
    try {
      response = api.get("/api/v1/traces/top?by=" + enc(by) + "&from=" + from + "&to=" + to
          + "&limit=" + limit + (query == null ? "" : "&q=" + enc(query)), Duration.ofSeconds(60));
    } catch (QueryApiClient.BadEndpoint e) {
      err.println("tokentrail top: " + e.getMessage());
      return 2;
    } catch (QueryApiClient.Unreachable e) {
      err.println("tokentrail top: " + e.getMessage());
      return 1;
    }
    if (response.status() != 200) {
      err.println("tokentrail top: " + response.status() + ": " + response.error());
      return response.status() == 400 ? 2 : 1;
    }
    JsonNode rows = new ObjectMapper().readTree(response.body());
    print(rows);
    return 0;
  }

  void print(JsonNode rows) {
    String format = "%-32s  %-19s  %9s  %10s  %9s  %5s  %-18s  %-24s  %-14s  %s%n";
    out.printf(format, "TRACE ID", "START (UTC)", "COST USD", "TOKENS", "DURATION", "CALLS", "ROOT SERVICE", "ROOT NAME", "TEAM", "MODELS");
    for (JsonNode row : rows) {
      out.printf(Locale.ROOT, format,
          row.get("traceId").asText(),
          TIME.format(Instant.ofEpochMilli(row.get("startMs").asLong())),
          String.format(Locale.ROOT, "%.4f", row.get("costUsd").asDouble()),
          row.get("totalTokens").asText(),
          row.get("durationMs").asText() + "ms",
          row.get("llmCalls").asText(),
          cut(row.get("rootService").asText(), 18),
          cut(row.get("rootName").asText(), 24),
          cut(row.get("team").asText(), 14),
          row.get("models").asText());
    }
    if (rows.isEmpty()) {
      out.println("(no traces in the window)");
    }
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
