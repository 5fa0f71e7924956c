package dev.tokentrail.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokentrail.benchmarks.lucene.BareLuceneBaseline;
import dev.tokentrail.model.Span;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The side-by-side benchmark's TokenTrail column: the server jar as a child process, the spans over
 * OTLP/gRPC with K exports in flight, the time until the last trace is readable, the reference
 * searches through {@code /api/search}, then a graceful shutdown and the index size. With
 * {@code jfr}, a JFR profile of the server covers the ingest (from the first export until the last
 * trace is searchable) and its summary is printed.
 */
final class TokenTrailContender {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Settings(String java, List<String> jvmArgs, Path serverJar, Path dataDir, int inflight, boolean jfr,
      int warmup, int repetitions, long budgetNanos, Store store) {}

  /** Where the server keeps spans: its row's name, its {@code serve} flags and environment, and its size on disk. */
  record Store(String name, List<String> serveArgs, Map<String, String> env, StoreSize size, IngestReport afterIngest) {
    /** The embedded Lucene store in the data dir. */
    static Store lucene() {
      return new Store("TokenTrail", List.of(), Map.of(),
          dataDir -> BareLuceneBaseline.sizeOf(dataDir.resolve("data").resolve("index")), () -> {});
    }
  }

  /** What the store says of the ingest once its rollups settled, before the searches (printed). */
  interface IngestReport {
    void print() throws IOException, InterruptedException;
  }

  /** Bytes the store holds once the server stopped. */
  interface StoreSize {
    long bytes(Path dataDir) throws IOException, InterruptedException;
  }

  private TokenTrailContender() {}

  static SideBySide.Row run(Settings settings, Iterable<List<SpanData>> batches, List<Span> lastTrace, ReferenceQueries queries,
      long windowStartSeconds, long windowEndSeconds) throws Exception {
    Store store = settings.store();
    ServerProcess server = ServerProcess.start(settings.java(), settings.jvmArgs(), settings.serverJar(), settings.dataDir(),
        store.serveArgs(), store.env());
    try {
      System.out.printf("tokentrail: pid %d, data dir %s, ports grpc=%d query=%d%n", server.pid(), settings.dataDir(), server.grpcPort, server.queryPort);
      String javaBin = settings.java() != null ? settings.java() : ProcessHandle.current().info().command().orElse("java");
      Path jcmd = Path.of(javaBin).resolveSibling("jcmd");
      Path recording = settings.dataDir().resolve("ingest.jfr");
      if (settings.jfr()) {
        jcmd(jcmd, server.pid(), "JFR.start", "name=ingest", "settings=profile");
      }
      String query = "http://127.0.0.1:" + server.queryPort;
      long start = System.nanoTime();
      OtlpExport.Result sent = OtlpExport.send(true, "http://127.0.0.1:" + server.grpcPort, "none", batches, settings.inflight(), start);
      System.out.printf(Locale.ROOT, "tokentrail: %d spans acknowledged (%d failed) in %.2f s%n", sent.acked(), sent.failed(), sent.ackNanos() / 1e9);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      long searchableAt = sent.failed() == 0 ? OtlpExport.awaitSearchable(http, query, lastTrace, Duration.ofSeconds(180)) : -1;
      long searchableNanos = searchableAt < 0 ? -1 : searchableAt - start;
      // Readable by id is not yet found by search where rollups trail the spans (the OpenSearch
      // store): the searches start once no rollup is pending, or every early answer would miss
      // the newest traces.
      long settledAt = awaitRollups(http, query, Duration.ofSeconds(300));
      if (settledAt > 0 && searchableAt > 0) {
        System.out.printf(Locale.ROOT, "tokentrail: rollups settled %.2f s after the last trace was readable%n",
            (settledAt - searchableAt) / 1e9);
      }
      if (settledAt > 0) {
        // The last rollups written become searchable at the trace index's next refresh (1 s by default).
        Thread.sleep(ROLLUP_REFRESH.toMillis());
      }
      store.afterIngest().print();
      if (settings.jfr()) {
        jcmd(jcmd, server.pid(), "JFR.stop", "name=ingest", "filename=" + recording);
        System.out.print(JfrSummary.summarize(recording, 15));
      }
      Map<ReferenceQueries.Kind, ReferenceQueries.Timing> timings =
          ReferenceQueries.time(kind -> search(http, query, queries.traceQl(kind), windowStartSeconds, windowEndSeconds),
              settings.warmup(), settings.repetitions(), settings.budgetNanos());
      int exit = server.stop(Duration.ofSeconds(120));
      server.pump.join(5_000);
      long bytes = store.size().bytes(settings.dataDir());
      System.out.printf(Locale.ROOT, "%s: SIGTERM -> exit %d; store %,d bytes%n", store.name(), exit, bytes);
      String note = sent.failed() > 0 ? sent.failed() + " spans failed" : searchableNanos < 0 ? "last trace never searchable" : "";
      return new SideBySide.Row(store.name(), sent.acked(), sent.ackedPerSecond(),
          searchableNanos > 0 ? sent.acked() / (searchableNanos / 1e9) : Double.NaN, (double) bytes / sent.acked(), timings, note);
    } finally {
      server.stop(Duration.ofSeconds(30));
    }
  }

  /**
   * When the store reports rollups pending ({@code tokentrail_store_opensearch_rollups_pending} on
   * {@code /metrics}), waits until it reports none; the time then, or -1 when the store has no such
   * gauge (the embedded store's rollups trail its spans by at most one refresh).
   */
  /** More than the OpenSearch store's default refresh interval of its trace index. */
  private static final Duration ROLLUP_REFRESH = Duration.ofMillis(1500);

  static long awaitRollups(HttpClient http, String base, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      Double pending = null;
      for (String line : r.body().split("\n")) {
        if (line.startsWith("tokentrail_store_opensearch_rollups_pending")) {
          pending = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      if (pending == null) {
        return -1;
      }
      if (pending == 0) {
        return System.nanoTime();
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("rollups still pending after " + timeout + ": " + pending);
      }
      Thread.sleep(50);
    }
  }

  /** {@code GET /api/search}: the trace ids, newest first, left-padded to 32 hex digits. */
  static List<String> search(HttpClient http, String base, String traceQl, long start, long end) throws IOException, InterruptedException {
    URI uri = URI.create(base + "/api/search?limit=" + ReferenceQueries.LIMIT + "&start=" + start + "&end=" + end
        + "&q=" + URLEncoder.encode(traceQl, StandardCharsets.UTF_8));
    List<String> ids = new ArrayList<>();
    for (JsonNode trace : get(http, uri, Duration.ofSeconds(120), "search " + traceQl).path("traces")) {
      ids.add(ReferenceQueries.fullTraceId(trace.path("traceID").asText()));
    }
    return ids;
  }

  /** The values of a tag ({@code /api/v2/search/tag/<tag>/values}) in the window, as Tempo's API lists them. */
  static List<String> tagValues(HttpClient http, String base, String tag, long start, long end)
      throws IOException, InterruptedException {
    URI uri = URI.create(base + "/api/v2/search/tag/" + URLEncoder.encode(tag, StandardCharsets.UTF_8) + "/values?start="
        + start + "&end=" + end);
    List<String> values = new ArrayList<>();
    for (JsonNode value : get(http, uri, Duration.ofSeconds(300), "tag values of " + tag).path("tagValues")) {
      values.add(value.path("value").asText());
    }
    return values;
  }

  /** The label values of the series of a TraceQL metrics range query, sorted ({@code <nil>} for a missing one). */
  static List<String> metricsSeries(HttpClient http, String base, String traceQl, long start, long end, long stepSeconds)
      throws IOException, InterruptedException {
    URI uri = URI.create(base + "/api/metrics/query_range?start=" + start + "&end=" + end + "&step=" + stepSeconds + "s&q="
        + URLEncoder.encode(traceQl, StandardCharsets.UTF_8));
    List<String> out = new ArrayList<>();
    for (JsonNode series : get(http, uri, Duration.ofSeconds(300), "metrics " + traceQl).path("series")) {
      JsonNode value = series.path("labels").path(0).path("value");
      out.add(value.has("stringValue") ? value.get("stringValue").asText() : "<nil>");
    }
    out.sort(null);
    return out;
  }

  /** The JSON answer of a GET to the server's API; {@code what} names it in the error of a status other than 200. */
  private static JsonNode get(HttpClient http, URI uri, Duration timeout, String what) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("tokentrail " + what + ": HTTP " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  private static void jcmd(Path jcmd, long pid, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + output.strip());
    }
  }
}
