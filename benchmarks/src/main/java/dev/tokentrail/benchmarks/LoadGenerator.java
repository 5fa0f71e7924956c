package dev.tokentrail.benchmarks;

import dev.tokentrail.model.Span;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.benchmarks.lucene.BareLuceneBaseline;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Whole-system throughput over loopback: starts the real server jar on free ports with a fresh
 * data directory (or targets a running one), sends a fixed number of generated spans through the
 * OTel Java SDK's own OTLP exporter, and reports spans/s acknowledged, spans/s until the last
 * trace is searchable through the query API, and index bytes per span after a graceful SIGTERM
 * shutdown. Then indexes the same spans with {@link BareLuceneBaseline} and prints the ratios.
 * Every wait is bounded; the run stops by itself.
 */
@Command(
    name = "load-generator",
    mixinStandardHelpOptions = true,
    description = "Sends OTLP load to a TokenTrail server over loopback and reports throughput and bytes per span.")
public final class LoadGenerator implements Callable<Integer> {
  @Mixin
  ServerOptions serverOptions = new ServerOptions();

  @Option(names = "--otlp-endpoint",
      description = "Target a running server instead: its OTLP base URL, e.g. http://127.0.0.1:4317 (gRPC) or http://127.0.0.1:4318 (HTTP).")
  String otlpEndpoint;

  @Option(names = "--query-url", description = "With --otlp-endpoint: the query API base URL, e.g. http://127.0.0.1:3200.")
  String queryUrl;

  @Option(names = "--protocol", defaultValue = "grpc", description = "grpc or http/protobuf (default ${DEFAULT-VALUE}).")
  String protocol;

  @Option(names = "--compression", defaultValue = "none", description = "none or gzip (default ${DEFAULT-VALUE}).")
  String compression;

  @Option(names = "--spans", defaultValue = "200000", description = "Spans to send, in whole traces of 5-50 (default ${DEFAULT-VALUE}).")
  int spans;

  @Option(names = "--batch-size", defaultValue = "512", description = "Spans per export call, as BatchSpanProcessor's default (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--concurrency", defaultValue = "4",
      description = "Exporters, each with one export call in flight as a BatchSpanProcessor has (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--seed", defaultValue = "1", description = "Workload seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--token-trace", defaultValue = TokenCounts.DEFAULT_FILE,
      description = "Token counts: Azure CSV or Mooncake JSONL (default ${DEFAULT-VALUE}).")
  String tokenTrace;

  @Option(names = "--no-baseline", description = "Skip indexing the same spans with a bare Lucene loop afterwards (and the ratios).")
  boolean noBaseline;

  @Option(names = "--searchable-timeout", defaultValue = "PT120S", description = "Longest wait for the last trace to be searchable (default ${DEFAULT-VALUE}).")
  Duration searchableTimeout;

  @Option(names = "--keep-data", description = "Keep the temporary data directory (default: deleted).")
  boolean keepData;

  public static void main(String[] args) {
    System.exit(new CommandLine(new LoadGenerator()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (spans <= 0 || batchSize <= 0 || concurrency <= 0) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--spans, --batch-size, --concurrency: expected > 0");
    }
    boolean grpc = switch (protocol.toLowerCase(Locale.ROOT)) {
      case "grpc" -> true;
      case "http", "http/protobuf" -> false;
      default -> throw new CommandLine.ParameterException(new CommandLine(this), "--protocol: " + protocol + " (expected: grpc or http/protobuf)");
    };

    // 1. The workload, generated before the clock starts.
    PriceCatalog catalog = PriceCatalog.builtIn();
    Workload workload = new Workload(TokenCounts.load(tokenTrace), catalog, seed);
    long now = System.currentTimeMillis() * 1_000_000L;
    List<List<Span>> traces = workload.traces(spans, now - 1_800_000_000_000L, 1_800_000_000_000L);
    List<Span> all = new ArrayList<>();
    for (List<Span> t : traces) {
      all.addAll(t);
    }
    List<List<SpanData>> batches = SdkSpanData.batches(all, batchSize);
    // As ingest will store them: for the LLM share here and the bare baseline later.
    List<Span> enriched = BareLuceneBaseline.enrich(all, catalog);
    long llm = enriched.stream().filter(sp -> sp.attributes().containsKey("tokentrail.llm_call")).count();
    System.out.printf(Locale.ROOT, "workload: %d spans in %d traces, ~%.0f%% LLM calls, tokens from %s, %d batches of <= %d, %d in flight, %s%n",
        all.size(), traces.size(), 100.0 * llm / all.size(), workload.tokenSource(), batches.size(), batchSize, concurrency,
        grpc ? "OTLP/gRPC" : "OTLP/HTTP protobuf");

    // 2. The server.
    Path dataDir = null;
    ServerProcess server = null;
    String endpoint = otlpEndpoint;
    String query = queryUrl;
    if (endpoint == null) {
      dataDir = Files.createTempDirectory("tokentrail-load-");
      server = ServerProcess.start(serverOptions.java, serverOptions.jvmArgs, serverOptions.serverJar, dataDir);
      endpoint = "http://127.0.0.1:" + (grpc ? server.grpcPort : server.httpOtlpPort);
      query = "http://127.0.0.1:" + server.queryPort;
      System.out.printf("server: pid %d, data dir %s, ports grpc=%d http=%d query=%d%n",
          server.pid(), dataDir, server.grpcPort, server.httpOtlpPort, server.queryPort);
    }
    try {
      Result ours = run(grpc, endpoint, query, batches, traces.get(traces.size() - 1));
      long indexBytes = -1;
      if (server != null) {
        Duration cpu = server.process.info().totalCpuDuration().orElse(Duration.ZERO);
        long stopStart = System.nanoTime();
        int exit = server.stop(Duration.ofSeconds(120));
        server.pump.join(5_000);
        System.out.printf(Locale.ROOT, "server: SIGTERM -> exit %d in %.2f s; server CPU %.1f s (%.0f µs CPU per span, all threads)%n",
            exit, (System.nanoTime() - stopStart) / 1e9, cpu.toMillis() / 1e3, cpu.toNanos() / 1e3 / ours.acked);
        indexBytes = BareLuceneBaseline.sizeOf(dataDir.resolve("data").resolve("index"));
        long walBytes = BareLuceneBaseline.sizeOf(dataDir.resolve("data").resolve("wal"));
        System.out.printf(Locale.ROOT, "disk: index %,d bytes = %.1f bytes/span; wal after shutdown %,d bytes%n",
            indexBytes, (double) indexBytes / ours.acked, walBytes);
      }
      if (!noBaseline) {
        Path bareDir = Files.createTempDirectory("tokentrail-bare-");
        try {
          BareLuceneBaseline.Result bare = BareLuceneBaseline.index(enriched, bareDir);
          System.out.printf(Locale.ROOT, "bare lucene: %d docs in %.2f s = %.0f docs/s, %.1f bytes/doc%n",
              bare.docs(), bare.nanos() / 1e9, bare.docsPerSecond(), bare.bytesPerDoc());
          System.out.printf(Locale.ROOT, "ratio ours/bare: acknowledged throughput %.2f, searchable throughput %.2f",
              ours.ackedPerSecond() / bare.docsPerSecond(), ours.searchablePerSecond() / bare.docsPerSecond());
          if (indexBytes > 0) {
            System.out.printf(Locale.ROOT, ", bytes/span %.2f", ((double) indexBytes / ours.acked) / bare.bytesPerDoc());
          }
          System.out.println();
        } finally {
          BareLuceneBaseline.deleteRecursively(bareDir);
        }
      }
      return ours.failed == 0 && ours.searchableNanos > 0 ? 0 : 1;
    } finally {
      if (server != null) {
        server.stop(Duration.ofSeconds(30));
      }
      if (dataDir != null && !keepData) {
        BareLuceneBaseline.deleteRecursively(dataDir);
      }
    }
  }

  record Result(long acked, long failed, long ackNanos, long searchableNanos) {
    double ackedPerSecond() {
      return acked / (ackNanos / 1e9);
    }

    double searchablePerSecond() {
      return searchableNanos > 0 ? acked / (searchableNanos / 1e9) : 0;
    }
  }

  private Result run(boolean grpc, String endpoint, String queryBase, List<List<SpanData>> batches, List<Span> lastTrace)
      throws Exception {
    long start = System.nanoTime();
    OtlpExport.Result sent = OtlpExport.send(grpc, endpoint, compression, batches, concurrency, start);
    long ackNanos = sent.ackNanos();
    System.out.printf(Locale.ROOT, "acknowledged: %d spans (%d failed) in %.2f s = %.0f spans/s%n",
        sent.acked(), sent.failed(), ackNanos / 1e9, sent.ackedPerSecond());

    long searchableNanos = -1;
    if (queryBase != null && sent.failed() == 0) {
      String traceId = lastTrace.get(0).traceId().hex();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      long at = OtlpExport.awaitSearchable(http, queryBase, lastTrace, searchableTimeout);
      if (at < 0) {
        System.out.printf("searchable: last trace %s not complete after %s%n", traceId, searchableTimeout);
      } else {
        searchableNanos = at - start;
        System.out.printf(Locale.ROOT, "searchable: last trace (%d spans) complete after %.2f s (%.0f ms after the last ack) = %.0f spans/s acknowledged-and-searchable%n",
            lastTrace.size(), searchableNanos / 1e9, (searchableNanos - ackNanos) / 1e6, sent.acked() / (searchableNanos / 1e9));
        long t0 = System.nanoTime();
        for (int i = 0; i < 5; i++) {
          OtlpExport.spanCount(http, queryBase, traceId);
        }
        System.out.printf(Locale.ROOT, "query: /api/traces/{id} warm latency %.1f ms (mean of 5)%n", (System.nanoTime() - t0) / 5e6);
      }
    }
    return new Result(sent.acked(), sent.failed(), ackNanos, searchableNanos);
  }
}
