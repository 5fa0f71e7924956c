package dev.tokentrail.server;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code tokentrail} command line. */
@Command(
    name = "tokentrail",
    mixinStandardHelpOptions = true,
    versionProvider = TokenTrailCommand.Version.class,
    description = "LLM token-cost observability: OTLP ingest, span store and query API in one process.",
    subcommands = {TokenTrailCommand.Serve.class, TopCommand.class, PricesCommand.class, RepriceCommand.class, AgentFlagsCommand.class, DemoCommand.class, ExportCommand.class})
public final class TokenTrailCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new TokenTrailCommand()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = TokenTrailCommand.class.getPackage().getImplementationVersion();
      return new String[] {"tokentrail " + (v == null ? "dev" : v)};
    }
  }

  /** {@code tokentrail serve}: ingest, store and query in one process until SIGTERM. */
  @Command(
      name = "serve",
      mixinStandardHelpOptions = true,
      description = {
        "Runs OTLP ingest (gRPC and HTTP), the embedded store and the query API.",
        "Every option also has an environment variable and a config file key (docs/configuration.md)."
      })
  static final class Serve implements Callable<Integer> {
    @Option(names = "--config", description = "YAML config file (env TOKENTRAIL_CONFIG).")
    Path config;

    @Option(names = "--data-dir", description = "Data directory (default ./data).")
    String dataDir;

    @Option(names = "--bind-address", description = "Address to listen on (default 0.0.0.0).")
    String bindAddress;

    @Option(names = "--otlp-grpc-port", description = "OTLP/gRPC port (default 4317, 0 = any free port).")
    String otlpGrpcPort;

    @Option(names = "--otlp-http-port", description = "OTLP/HTTP port (default 4318, 0 = any free port).")
    String otlpHttpPort;

    @Option(names = "--http-port", description = "Query API port (default 3200, 0 = any free port).")
    String httpPort;

    @Option(names = "--retention", description = "How long spans are kept, e.g. 14d.")
    String retention;

    @Option(names = "--price-catalog", description = "Price catalog file overriding the built-in one.")
    String priceCatalog;

    @Option(names = "--max-request-bytes", description = "Largest OTLP request body (default 16 MiB).")
    String maxRequestBytes;

    @Option(names = "--max-inflight-bytes", description = "Bytes of exports being decoded and awaiting the store (default auto: a quarter of the heap).")
    String maxInflightBytes;

    @Option(names = "--max-queued-bytes", description = "Heap the store's write queue may hold, e.g. 256m (default auto: heap / 8).")
    String maxQueuedBytes;

    @Option(names = "--metrics-max-series", description = "Label combinations kept per metric family (default 1000).")
    String metricsMaxSeries;

    @Option(names = "--max-tokens-per-call", description = "Largest token count believed of one LLM call (default 100000000).")
    String maxTokensPerCall;

    @Option(names = "--max-usd-per-call", description = "Largest client-reported cost in USD believed of one LLM call (default 10000).")
    String maxUsdPerCall;

    @Option(names = "--store-max-indexed-fields", description = "Attribute fields indexed per partition (default 10000).")
    String storeMaxIndexedFields;

    @Option(names = "--query-regex-work-limit", description = "Determinize work limit of TraceQL regexes (default 10000).")
    String queryRegexWorkLimit;

    @Option(names = "--query-max-length", description = "Characters of one TraceQL query (default 16384).")
    String queryMaxLength;

    @Option(names = "--query-max-conditions", description = "Conditions in one TraceQL query (default 256).")
    String queryMaxConditions;

    @Option(names = "--auth-tokens-file", description = "Bearer tokens file: '<token or sha256:hex> <tenant> <roles>' a line (default: none, the server is open).")
    String authTokensFile;

    @Option(names = "--allowed-hosts", description = "Host names the query port answers to (default auto; * for any).")
    String allowedHosts;

    @Option(names = "--query-max-range", description = "Longest time range of one query (default 366d).")
    String queryMaxRange;

    @Option(names = "--store-type", description = "lucene (embedded, default) or opensearch.")
    String storeType;

    @Option(names = "--store-opensearch-urls", description = "OpenSearch node URLs, comma-separated (default http://localhost:9200).")
    String storeOpenSearchUrls;

    @Option(names = "--store-opensearch-username", description = "OpenSearch user (password: TOKENTRAIL_STORE_OPENSEARCH_PASSWORD).")
    String storeOpenSearchUsername;

    @Option(names = "--store-opensearch-ca-file", description = "PEM CA certificates for https OpenSearch URLs.")
    String storeOpenSearchCaFile;

    @Option(names = "--store-opensearch-index-prefix", description = "Prefix of the store's OpenSearch indices (default tokentrail).")
    String storeOpenSearchIndexPrefix;

    @Override
    public Integer call() throws Exception {
      Map<String, String> flags = new LinkedHashMap<>();
      flags.put("--store-max-indexed-fields", storeMaxIndexedFields);
      flags.put("--query-regex-work-limit", queryRegexWorkLimit);
      flags.put("--query-max-length", queryMaxLength);
      flags.put("--query-max-conditions", queryMaxConditions);
      flags.put("--query-max-range", queryMaxRange);
      flags.put("--store-type", storeType);
      flags.put("--store-opensearch-urls", storeOpenSearchUrls);
      flags.put("--store-opensearch-username", storeOpenSearchUsername);
      flags.put("--store-opensearch-ca-file", storeOpenSearchCaFile);
      flags.put("--store-opensearch-index-prefix", storeOpenSearchIndexPrefix);
      flags.put("--data-dir", dataDir);
      flags.put("--auth-tokens-file", authTokensFile);
      flags.put("--allowed-hosts", allowedHosts);
      flags.put("--bind-address", bindAddress);
      flags.put("--otlp-grpc-port", otlpGrpcPort);
      flags.put("--otlp-http-port", otlpHttpPort);
      flags.put("--http-port", httpPort);
      flags.put("--retention", retention);
      flags.put("--price-catalog", priceCatalog);
      flags.put("--max-request-bytes", maxRequestBytes);
      flags.put("--max-inflight-bytes", maxInflightBytes);
      flags.put("--metrics-max-series", metricsMaxSeries);
      flags.put("--max-tokens-per-call", maxTokensPerCall);
      flags.put("--max-usd-per-call", maxUsdPerCall);
      flags.put("--max-queued-bytes", maxQueuedBytes);
      Path configFile = config;
      if (configFile == null && System.getenv("TOKENTRAIL_CONFIG") != null) {
        configFile = Path.of(System.getenv("TOKENTRAIL_CONFIG"));
      }
      ServerConfig resolved;
      try {
        resolved = ServerConfig.resolve(flags, System.getenv(), configFile);
      } catch (IllegalArgumentException e) {
        System.err.println("tokentrail serve: invalid configuration: " + e.getMessage());
        return 2;
      }
      // An OutOfMemoryError (or another VirtualMachineError) anywhere leaves the process in an
      // unknown state: log once and halt, so that a supervisor restarts it and the restart replays
      // the write-ahead log.
      FatalErrors.installUncaughtHandler(FatalErrors.HALT);
      CountDownLatch stop = new CountDownLatch(1);
      // SIGTERM and SIGINT start a graceful shutdown that exits 0 once everything is committed.
      for (String signal : new String[] {"TERM", "INT"}) {
        sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stop.countDown());
      }
      TokenTrailServer server;
      try {
        server = TokenTrailServer.start(resolved, FatalErrors.HALT);
      } catch (RuntimeException e) {
        System.err.println("tokentrail serve: cannot start: " + e.getMessage());
        return 1;
      }
      System.out.println("listening otlp-grpc=" + server.otlpGrpcPort());
      System.out.println("listening otlp-http=" + server.otlpHttpPort());
      System.out.println("listening http=" + server.httpPort());
      System.out.println("ready");
      System.out.flush();
      stop.await();
      server.close();
      return 0;
    }
  }
}
