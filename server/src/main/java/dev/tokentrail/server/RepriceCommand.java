package dev.tokentrail.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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

  @Option(names = "--endpoint", defaultValue = "${env:TOKENTRAIL_ENDPOINT:-http://localhost:3200}",
      description = "Query API address (default ${DEFAULT-VALUE}, env TOKENTRAIL_ENDPOINT).")
  String endpoint;

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
    String base = endpoint.replaceAll("/+$", "");
    URI uri;
    try {
      uri = URI.create(base + "/api/v1/reprice?since=" + URLEncoder.encode(since, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      err.println("tokentrail reprice: --endpoint: " + endpoint + " is not a URL (" + e.getMessage() + ")");
      return 2;
    }
    HttpResponse<String> response;
    try {
      // No request timeout: a month of calls can take minutes, and the server ends the run itself.
      response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
          .send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      err.println("tokentrail reprice: cannot connect to " + endpoint + " (connection refused); is 'tokentrail serve' running there?");
      return 1;
    } catch (IOException e) {
      err.println("tokentrail reprice: cannot reach " + endpoint + " (" + describe(e) + "); is 'tokentrail serve' running there?");
      return 1;
    }
    if (response.statusCode() != 200) {
      err.println("tokentrail reprice: " + response.statusCode() + ": " + errorOf(response.body()));
      return response.statusCode() == 400 ? 2 : 1;
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

  private static String errorOf(String body) {
    try {
      JsonNode node = new ObjectMapper().readTree(body);
      if (node != null && node.hasNonNull("error")) {
        return node.get("error").asText();
      }
    } catch (IOException ignored) {
      // Not JSON: print it as it came.
    }
    return body;
  }

  private static String describe(IOException e) {
    String message = e.getMessage();
    Throwable cause = e.getCause();
    if ((message == null || message.isBlank()) && cause != null) {
      message = cause.toString();
    }
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
