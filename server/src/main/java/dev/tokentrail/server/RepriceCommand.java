package dev.tokentrail.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokentrail.model.Durations;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tokentrail reprice}: asks a running server to re-read its price catalog file and price the
 * stored calls of a window again (POST /api/v1/reprice), then prints what changed.
 */
@Command(
    name = "reprice",
    mixinStandardHelpOptions = true,
    description = {
        "Re-prices the stored LLM calls of a running TokenTrail server after a price catalog update (POST /api/v1/reprice).",
        "The server first re-reads its catalog file (--price-catalog / pricing.catalog_file), so edit the file, then run this."})
final class RepriceCommand implements Callable<Integer> {
  @Option(names = "--since", defaultValue = "30d",
      description = "How far back to reprice, e.g. 24h, 7d, 30d (default ${DEFAULT-VALUE}).")
  String since;

  @Mixin QueryApiClient api = new QueryApiClient();

  PrintStream out = System.out;
  PrintStream err = System.err;

  @Override
  public Integer call() throws Exception {
    try {
      Durations.parse(since, "--since");
    } catch (IllegalArgumentException e) {
      err.println("tokentrail reprice: " + e.getMessage());
      return 2;
    }
    QueryApiClient.Response response;
    try {
      // No request timeout: a month of calls can take minutes, and the server ends the run itself.
      response = api.post("/api/v1/reprice?since=" + URLEncoder.encode(since, StandardCharsets.UTF_8), null);
    } catch (QueryApiClient.BadEndpoint e) {
      err.println("tokentrail reprice: " + e.getMessage());
      return 2;
    } catch (QueryApiClient.Unreachable e) {
      err.println("tokentrail reprice: " + e.getMessage());
      return 1;
    }
    if (response.status() != 200) {
      err.println("tokentrail reprice: " + response.status() + ": " + response.error());
      return response.status() == 400 ? 2 : 1;
    }
    print(new ObjectMapper().readTree(response.body()));
    return 0;
  }

  void print(JsonNode r) {
    List<String> old = new ArrayList<>();
    r.path("oldVersions").forEach(v -> old.add(v.asText()));
    out.printf(Locale.ROOT, "catalog:    %s%s%n", r.path("newVersion").asText(),
        r.path("catalogReloaded").asBoolean() ? " (catalog file re-read)" : "");
    out.printf(Locale.ROOT, "examined:   %d calls%n", r.path("examined").asLong());
    out.printf(Locale.ROOT, "repriced:   %d%n", r.path("repriced").asLong());
    out.printf(Locale.ROOT, "unchanged:  %d%n", r.path("unchanged").asLong());
    out.printf(Locale.ROOT, "unpriced:   %d (model unknown to the catalog)%n", r.path("unpriced").asLong());
    out.printf(Locale.ROOT, "old prices: %s%n", old.isEmpty() ? "(none)" : String.join(", ", old));
    out.printf(Locale.ROOT, "total USD:  %.6f before, %.6f after%n", r.path("usdBefore").asDouble(), r.path("usdAfter").asDouble());
  }
}
