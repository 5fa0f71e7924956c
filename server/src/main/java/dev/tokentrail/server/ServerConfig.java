package dev.tokentrail.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tokentrail.analysis.BudgetAnalysis;
import dev.tokentrail.analysis.WasteEngine;
import dev.tokentrail.analysis.WasteThresholds;
import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.ValueLimits;
import dev.tokentrail.model.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting of {@code tokentrail serve}, typed and validated at start. Each comes from, in
 * increasing priority: its default, the config file (YAML key), the environment ({@code
 * TOKENTRAIL_...}), the command line flag. {@link #SETTINGS} is the reference table that
 * docs/configuration.md reproduces.
 */
record ServerConfig(
    Path dataDir,
    String bindAddress,
    int otlpGrpcPort,
    int otlpHttpPort,
    int httpPort,
    int maxRequestBytes,
    int maxConcurrentRequests,
    long maxInflightBytes,
    int maxQueuedSpans,
    long maxQueuedBytes,
    Duration retention,
    Duration partitionDuration,
    Duration commitInterval,
    Duration maxFutureSkew,
    Path priceCatalogFile,
    int maxLabelValues,
    int maxSeries,
    AttributionKeys attributionKeys,
    Duration wasteLookback,
    Duration wasteInterval,
    WasteThresholds wasteThresholds,
    Duration wasteDuplicateWindow,
    int analysisMaxCalls,
    List<BudgetAnalysis.Budget> budgets,
    Map<String, Double> outcomeBenchmarks,
    ValueLimits valueLimits,
    int maxIndexedFields,
    int queryRegexWorkLimit,
    int queryMaxLength,
    int queryMaxConditions,
    Duration queryMaxRange,
    int indexThreads,
    SecurityConfig security,
    String storeType,
    OpenSearchSettings openSearch,
    TenantLimitsConfig tenantLimits,
    TlsConfig tls) {

  /** Settings whose value is a map: {@code name=value} pairs in env, a YAML mapping in the file. */
  private static final java.util.Set<String> MAP_KEYS = java.util.Set.of("budgets.team", "budgets.project", "outcomes.benchmark_usd");

  /** One setting: its YAML key, environment variable, flag (may be null), default and meaning. */
  record Setting(String key, String env, String flag, String defaultValue, String description) {}

  static final List<Setting> SETTINGS = settings();

  private static List<Setting> settings() {
    List<Setting> all = new ArrayList<>(List.of(
          new Setting("data_dir", "TOKENTRAIL_DATA_DIR", "--data-dir", "./data", "Directory holding the write-ahead log and the index partitions."),
          new Setting("bind_address", "TOKENTRAIL_BIND_ADDRESS", "--bind-address", "0.0.0.0", "Address every port listens on (127.0.0.1 to stay local)."),
          new Setting("otlp_grpc_port", "TOKENTRAIL_OTLP_GRPC_PORT", "--otlp-grpc-port", "4317", "OTLP/gRPC port; 0 picks a free port."),
          new Setting("otlp_http_port", "TOKENTRAIL_OTLP_HTTP_PORT", "--otlp-http-port", "4318", "OTLP/HTTP port (POST /v1/traces); 0 picks a free port."),
          new Setting("http_port", "TOKENTRAIL_HTTP_PORT", "--http-port", "3200", "Query API, Tempo API, /metrics and /ready; 0 picks a free port."),
          new Setting("ingest.max_request_bytes", "TOKENTRAIL_INGEST_MAX_REQUEST_BYTES", "--max-request-bytes", "16777216", "Largest OTLP request body accepted, before and after gzip decompression (413 past it)."),
          new Setting("ingest.max_concurrent_requests", "TOKENTRAIL_INGEST_MAX_CONCURRENT_REQUESTS", null, "32", "OTLP exports decoded at once; more are told to retry (429 / RESOURCE_EXHAUSTED)."),
          new Setting("ingest.max_inflight_bytes", "TOKENTRAIL_INGEST_MAX_INFLIGHT_BYTES", "--max-inflight-bytes", "auto", "Bytes held by exports being received and decoded, until the store accepts their spans (estimated: body + 8 x its uncompressed size); past it exports are told to retry (429 / RESOURCE_EXHAUSTED), and one that alone exceeds it gets 413. 'auto' is a quarter of the maximum heap."),
          new Setting("store.max_queued_spans", "TOKENTRAIL_STORE_MAX_QUEUED_SPANS", null, "200000", "Spans accepted but not yet durable; past it exports are told to retry."),
          new Setting("store.max_queued_bytes", "TOKENTRAIL_STORE_MAX_QUEUED_BYTES", "--max-queued-bytes", "auto", "Estimated heap the store's write queue may hold (decoded spans, documents, log records not yet indexed), in bytes or with a k/m/g suffix; past it exports are told to retry (429 / RESOURCE_EXHAUSTED). auto: an eighth of the maximum heap, between 16 MiB and 1 GiB."),
          new Setting("store.retention", "TOKENTRAIL_STORE_RETENTION", "--retention", "14d", "How long spans are kept; whole partitions are deleted after it."),
          new Setting("store.partition", "TOKENTRAIL_STORE_PARTITION", null, "1d", "Time span of one index partition (applies to new partitions)."),
          new Setting("store.commit_interval", "TOKENTRAIL_STORE_COMMIT_INTERVAL", null, "10s", "How often indices are committed and the write-ahead log trimmed."),
          new Setting("store.max_future_skew", "TOKENTRAIL_STORE_MAX_FUTURE_SKEW", null, "1h", "Spans starting further in the future (or before retention) are partitioned by receive time."),
          new Setting("pricing.catalog_file", "TOKENTRAIL_PRICING_CATALOG_FILE", "--price-catalog", "", "YAML price file overriding and extending the built-in catalog."),
          new Setting("ingest.max_tokens_per_call", "TOKENTRAIL_INGEST_MAX_TOKENS_PER_CALL", "--max-tokens-per-call", "100000000", "Largest token count (input, output, cache, reasoning, audio) believed of one LLM call; a larger, negative or non-finite one is read as unknown, kept as tokentrail.original.KEY and counted in tokentrail_ingest_attributes_sanitized_total."),
          new Setting("ingest.max_usd_per_call", "TOKENTRAIL_INGEST_MAX_USD_PER_CALL", "--max-usd-per-call", "10000", "Largest client-reported cost in USD believed of one LLM call (llm.cost.*, gen_ai.usage.cost, the agent's own price); beyond it, or negative, the client's cost is unknown."),
          new Setting("metrics.max_label_values", "TOKENTRAIL_METRICS_MAX_LABEL_VALUES", null, "100", "Distinct values kept per metric label; later ones are reported as 'other'."),
          new Setting("metrics.max_series", "TOKENTRAIL_METRICS_MAX_SERIES", "--metrics-max-series", "1000", "Label combinations kept per metric family (the LLM call, cost and token families share theirs; tokens adds up to 5 types each); later ones are added to the family's series labeled 'other' and counted in tokentrail_metrics_folded_total."),
          new Setting("attribution.team", "TOKENTRAIL_ATTRIBUTION_TEAM", null, String.join(",", AttributionKeys.DEFAULT.team()), "Attribute keys naming the team, in priority order (span, then resource, then baggage.KEY)."),
          new Setting("attribution.project", "TOKENTRAIL_ATTRIBUTION_PROJECT", null, String.join(",", AttributionKeys.DEFAULT.project()), "Attribute keys naming the project."),
          new Setting("attribution.cost_center", "TOKENTRAIL_ATTRIBUTION_COST_CENTER", null, String.join(",", AttributionKeys.DEFAULT.costCenter()), "Attribute keys naming the cost center."),
          new Setting("attribution.feature", "TOKENTRAIL_ATTRIBUTION_FEATURE", null, String.join(",", AttributionKeys.DEFAULT.feature()), "Attribute keys naming the feature."),
          new Setting("attribution.user", "TOKENTRAIL_ATTRIBUTION_USER", null, String.join(",", AttributionKeys.DEFAULT.user()), "Attribute keys naming the end user (never a metric label)."),
          new Setting("waste.lookback", "TOKENTRAIL_WASTE_LOOKBACK", null, "24h", "Window the waste metrics job analyzes on each run."),
          new Setting("waste.interval", "TOKENTRAIL_WASTE_INTERVAL", null, "30s", "How often the waste metrics and budget gauges are recomputed (findings reach /metrics within this)."),
          new Setting("waste.context_min_turns", "TOKENTRAIL_WASTE_CONTEXT_MIN_TURNS", null, "3", "Context growth: turns a conversation needs to be flagged."),
          new Setting("waste.context_growth_factor", "TOKENTRAIL_WASTE_CONTEXT_GROWTH_FACTOR", null, "3", "Context growth: flag when last input / first input reaches this."),
          new Setting("waste.context_resent_share", "TOKENTRAIL_WASTE_CONTEXT_RESENT_SHARE", null, "0.5", "Context growth: flag when re-sent tokens reach this share of all input tokens."),
          new Setting("waste.overkill_max_median_output", "TOKENTRAIL_WASTE_OVERKILL_MAX_MEDIAN_OUTPUT", null, "64", "Overkill: a task is simple when its median output tokens are at most this..."),
          new Setting("waste.overkill_max_median_input", "TOKENTRAIL_WASTE_OVERKILL_MAX_MEDIAN_INPUT", null, "2000", "...its median input tokens at most this, and it uses no tools."),
          new Setting("waste.duplicate_window", "TOKENTRAIL_WASTE_DUPLICATE_WINDOW", null, "10m", "Duplicate requests: how long a response cache would keep an answer; the same request billed again by the same service within this of the original is a duplicate."),
          new Setting("analysis.max_calls", "TOKENTRAIL_ANALYSIS_MAX_CALLS", null, "auto", "The most LLM calls one waste, cost, budget or FOCUS analysis reads (its memory grows with them); a wider window is answered 422 and the metrics job skips it (tokentrail_waste_analysis_skipped_total). auto: one per 2 KiB of heap, at least 10,000 (131,072 with -Xmx256m, 1,048,576 with -Xmx2g)."),
          new Setting("budgets.team", "TOKENTRAIL_BUDGETS_TEAM", null, "", "Monthly budgets in USD per team: a YAML mapping, or team=usd pairs separated by commas."),
          new Setting("budgets.project", "TOKENTRAIL_BUDGETS_PROJECT", null, "", "Monthly budgets in USD per project, as for teams."),
          new Setting("store.type", "TOKENTRAIL_STORE_TYPE", "--store-type", "lucene", "Where spans are stored: lucene (embedded, in data_dir) or opensearch (an OpenSearch cluster, store.opensearch.*; TokenTrail processes are then stateless and several may share the cluster)."),
          new Setting("store.opensearch.urls", "TOKENTRAIL_STORE_OPENSEARCH_URLS", "--store-opensearch-urls", "http://localhost:9200", "OpenSearch node URLs, comma-separated (one scheme, http or https); requests are spread over them."),
          new Setting("store.opensearch.username", "TOKENTRAIL_STORE_OPENSEARCH_USERNAME", "--store-opensearch-username", "", "User for HTTP basic authentication (with store.opensearch.password)."),
          new Setting("store.opensearch.password", "TOKENTRAIL_STORE_OPENSEARCH_PASSWORD", null, "", "Password for HTTP basic authentication (environment or config file only, never a flag)."),
          new Setting("store.opensearch.api_key", "TOKENTRAIL_STORE_OPENSEARCH_API_KEY", null, "", "API key, sent as 'Authorization: ApiKey <key>' (instead of a user and password)."),
          new Setting("store.opensearch.ca_file", "TOKENTRAIL_STORE_OPENSEARCH_CA_FILE", "--store-opensearch-ca-file", "", "PEM file of the CA certificates the nodes' TLS certificates are trusted by (https URLs)."),
          new Setting("store.opensearch.index_prefix", "TOKENTRAIL_STORE_OPENSEARCH_INDEX_PREFIX", "--store-opensearch-index-prefix", "tokentrail", "Prefix of the store's index and template names (<prefix>-spans-yyyy.MM.dd, <prefix>-traces)."),
          new Setting("store.opensearch.shards", "TOKENTRAIL_STORE_OPENSEARCH_SHARDS", null, "1", "Primary shards of each new day index."),
          new Setting("store.opensearch.replicas", "TOKENTRAIL_STORE_OPENSEARCH_REPLICAS", null, "1", "Replicas of each new index (0 on a single node)."),
          new Setting("store.opensearch.bulk_size", "TOKENTRAIL_STORE_OPENSEARCH_BULK_SIZE", null, "5000", "Spans per _bulk request: queued batches are written together up to this size; larger batches are split."),
          new Setting("store.opensearch.bulk_concurrency", "TOKENTRAIL_STORE_OPENSEARCH_BULK_CONCURRENCY", null, "4", "_bulk requests to OpenSearch in flight at once, each carrying the batches waiting (up to bulk_size spans); batches wait in a queue (store.max_queued_spans / 1000 batches), past which exports are told to retry."),
          new Setting("store.opensearch.refresh_interval", "TOKENTRAIL_STORE_OPENSEARCH_REFRESH_INTERVAL", null, "1s", "How often newly acknowledged spans become searchable: the pace of the rounds that refresh the span indices and write trace rollups, and the trace index's refresh_interval (set again at each start). Longer leaves OpenSearch more of its time for indexing (fewer refreshes, smaller segments merged less, traces re-read less often) at the cost of freshness."),
          new Setting("store.opensearch.codec", "TOKENTRAIL_STORE_OPENSEARCH_CODEC", null, "default", "Stored-field compression of new span indices (index.codec): default (LZ4) or best_compression (DEFLATE: about half the bytes per span, 380 against 768 over 100,010 spans with mapping version 7, ingest as fast; searches that load whole spans, such as aggregates, take up to twice as long)."),
          new Setting("store.index_threads", "TOKENTRAIL_STORE_INDEX_THREADS", null, "auto", "Threads indexing acknowledged spans concurrently. auto: the available processors."),
          new Setting("store.max_indexed_fields", "TOKENTRAIL_STORE_MAX_INDEXED_FIELDS", "--store-max-indexed-fields", "10000", "Attribute fields (per key and type, span and resource) one partition indexes as their own Lucene fields; later keys are kept in the stored span and searched through the slower catch-all path (tokentrail_store_overflow_attribute_values_total)."),
          new Setting("query.regex_work_limit", "TOKENTRAIL_QUERY_REGEX_WORK_LIMIT", "--query-regex-work-limit", "10000", "Lucene's determinize work limit for TraceQL regexes (=~, !~); more complex patterns are a 400."),
          new Setting("query.max_length", "TOKENTRAIL_QUERY_MAX_LENGTH", "--query-max-length", "16384", "Characters of one TraceQL query; longer is a 400."),
          new Setting("query.max_conditions", "TOKENTRAIL_QUERY_MAX_CONDITIONS", "--query-max-conditions", "256", "Conditions (comparisons) in one TraceQL query; more is a 400."),
          new Setting("query.max_range", "TOKENTRAIL_QUERY_MAX_RANGE", "--query-max-range", "366d", "Longest time range (start to end) one query may cover; longer is a 400."),
          new Setting("outcomes.benchmark_usd", "TOKENTRAIL_OUTCOMES_BENCHMARK_USD", null, "", "What one outcome costs otherwise (a human, an outsourced completion), per outcome name; cost per outcome is compared to it.")));
    all.addAll(SecurityConfig.SETTINGS);
    all.addAll(TenantLimitsConfig.SETTINGS);
    all.addAll(TlsConfig.SETTINGS);
    return List.copyOf(all);
  }

  /**
   * Resolves every setting. {@code flags} holds command line values by flag name; {@code
   * configFile} may be null.
   */
  static ServerConfig resolve(Map<String, String> flags, Map<String, String> env, Path configFile) {
    Map<String, String> fromFile = configFile == null ? Map.of() : readFile(configFile);
    Map<String, String> values = new LinkedHashMap<>();
    List<String> knownKeys = new ArrayList<>();
    for (Setting s : SETTINGS) {
      knownKeys.add(s.key());
      String value = s.defaultValue();
      if (fromFile.containsKey(s.key())) {
        value = fromFile.get(s.key());
      }
      if (env.get(s.env()) != null) {
        value = env.get(s.env());
      }
      if (s.flag() != null && flags.get(s.flag()) != null) {
        value = flags.get(s.flag());
      }
      values.put(s.key(), value);
    }
    for (String key : fromFile.keySet()) {
      if (!knownKeys.contains(key)) {
        throw new IllegalArgumentException(configFile + ": unknown key " + key + " (expected one of: " + String.join(", ", knownKeys) + ")");
      }
    }
    String catalog = values.get("pricing.catalog_file");
    return new ServerConfig(
        Path.of(values.get("data_dir")),
        values.get("bind_address"),
        port(values, "otlp_grpc_port"),
        port(values, "otlp_http_port"),
        port(values, "http_port"),
        positiveInt(values, "ingest.max_request_bytes"),
        positiveInt(values, "ingest.max_concurrent_requests"),
        inflightBytes(values, "ingest.max_inflight_bytes"),
        positiveInt(values, "store.max_queued_spans"),
        queuedBytes(values, "store.max_queued_bytes", Runtime.getRuntime().maxMemory()),
        Durations.parse(values.get("store.retention"), "store.retention"),
        Durations.parse(values.get("store.partition"), "store.partition"),
        Durations.parse(values.get("store.commit_interval"), "store.commit_interval"),
        Durations.parse(values.get("store.max_future_skew"), "store.max_future_skew"),
        catalog == null || catalog.isBlank() ? null : Path.of(catalog),
        positiveInt(values, "metrics.max_label_values"),
        positiveInt(values, "metrics.max_series"),
        new AttributionKeys(
            list(values, "attribution.team"),
            list(values, "attribution.project"),
            list(values, "attribution.cost_center"),
            list(values, "attribution.feature"),
            list(values, "attribution.user")),
        Durations.parse(values.get("waste.lookback"), "waste.lookback"),
        Durations.parse(values.get("waste.interval"), "waste.interval"),
        thresholds(values),
        positiveDuration(values, "waste.duplicate_window"),
        analysisMaxCalls(values, "analysis.max_calls", Runtime.getRuntime().maxMemory()),
        budgets(values),
        amounts(values, "outcomes.benchmark_usd"),
        valueLimits(values),
        positiveInt(values, "store.max_indexed_fields"),
        positiveInt(values, "query.regex_work_limit"),
        positiveInt(values, "query.max_length"),
        positiveInt(values, "query.max_conditions"),
        Durations.parse(values.get("query.max_range"), "query.max_range"),
        indexThreads(values, "store.index_threads"),
        SecurityConfig.of(values, values.get("bind_address")),
        storeType(values),
        "opensearch".equals(storeType(values)) ? OpenSearchSettings.resolve(values) : null,
        TenantLimitsConfig.of(values),
        TlsConfig.of(values));
  }

  private static String storeType(Map<String, String> values) {
    String type = values.get("store.type").trim();
    if (!type.equals("lucene") && !type.equals("opensearch")) {
      throw new IllegalArgumentException("store.type: " + type + " (expected: lucene or opensearch)");
    }
    return type;
  }

  private static int indexThreads(Map<String, String> values, String key) {
    if ("auto".equals(values.get(key).trim())) {
      return Runtime.getRuntime().availableProcessors();
    }
    int n = positiveInt(values, key);
    if (n > 256) {
      throw new IllegalArgumentException(key + ": " + n + " (expected: 1-256, or auto)");
    }
    return n;
  }

  private static ValueLimits valueLimits(Map<String, String> values) {
    String tokensKey = "ingest.max_tokens_per_call";
    String tokensValue = values.get(tokensKey).trim();
    long tokens;
    try {
      tokens = Long.parseLong(tokensValue);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(tokensKey + ": " + tokensValue + " (expected: an integer)");
    }
    if (tokens <= 0 || tokens > ValueLimits.MAX_TOKENS_PER_CALL_LIMIT) {
      throw new IllegalArgumentException(
          tokensKey + ": " + tokens + " (expected: 1 to " + ValueLimits.MAX_TOKENS_PER_CALL_LIMIT + ")");
    }
    String usdKey = "ingest.max_usd_per_call";
    double usd = decimal(values, usdKey);
    if (!(usd > 0) || !(usd <= ValueLimits.MAX_USD_PER_CALL_LIMIT)) {
      throw new IllegalArgumentException(
          usdKey + ": " + values.get(usdKey).trim() + " (expected: > 0 and <= " + (long) ValueLimits.MAX_USD_PER_CALL_LIMIT + ")");
    }
    return new ValueLimits(tokens, usd);
  }

  static Duration positiveDuration(Map<String, String> values, String key) {
    Duration d = Durations.parse(values.get(key), key);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(key + ": " + values.get(key).trim() + " (expected: > 0)");
    }
    return d;
  }

  private static WasteThresholds thresholds(Map<String, String> values) {
    try {
      return new WasteThresholds(
          positiveInt(values, "waste.context_min_turns"),
          decimal(values, "waste.context_growth_factor"),
          decimal(values, "waste.context_resent_share"),
          positiveInt(values, "waste.overkill_max_median_output"),
          positiveInt(values, "waste.overkill_max_median_input"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("waste thresholds: " + e.getMessage(), e);
    }
  }

  private static List<BudgetAnalysis.Budget> budgets(Map<String, String> values) {
    List<BudgetAnalysis.Budget> out = new ArrayList<>();
    amounts(values, "budgets.team").forEach((name, usd) -> out.add(new BudgetAnalysis.Budget("team", name, usd)));
    amounts(values, "budgets.project").forEach((name, usd) -> out.add(new BudgetAnalysis.Budget("project", name, usd)));
    return out;
  }

  private static Map<String, Double> amounts(Map<String, String> values, String key) {
    Map<String, Double> out = new LinkedHashMap<>();
    String raw = values.get(key).trim();
    if (raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(key + ": " + pair.trim() + " (expected: name=usd)");
      }
      String name = pair.substring(0, eq).trim();
      String amount = pair.substring(eq + 1).trim();
      try {
        double usd = Double.parseDouble(amount);
        if (!(usd > 0)) {
          throw new NumberFormatException();
        }
        out.put(name, usd);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + "." + name + ": " + amount + " (expected: a USD amount > 0)");
      }
    }
    return out;
  }

  private static double decimal(Map<String, String> values, String key) {
    String value = values.get(key).trim();
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": " + value + " (expected: a number)");
    }
  }

  private static Map<String, String> readFile(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("config file " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (root != null && !root.isNull()) {
      if (!root.isObject()) {
        throw new IllegalArgumentException("config file " + file + ": expected a YAML mapping");
      }
      flatten("", root, out);
    }
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    node.fields().forEachRemaining(e -> {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      JsonNode value = e.getValue();
      if (value.isObject() && MAP_KEYS.contains(key)) {
        List<String> pairs = new ArrayList<>();
        value.fields().forEachRemaining(f -> pairs.add(f.getKey() + "=" + f.getValue().asText()));
        out.put(key, String.join(",", pairs));
      } else if (value.isObject()) {
        flatten(key, value, out);
      } else if (value.isArray()) {
        List<String> items = new ArrayList<>();
        value.forEach(v -> items.add(v.asText()));
        out.put(key, String.join(",", items));
      } else {
        out.put(key, value.asText());
      }
    });
  }

  /** {@code auto} (sized from the heap), or bytes with an optional k/m/g (binary) suffix. */
  static long queuedBytes(Map<String, String> values, String key, long maxHeapBytes) {
    String value = values.get(key).trim();
    if (value.equalsIgnoreCase("auto")) {
      return dev.tokentrail.store.lucene.LuceneSpanStore.defaultMaxQueuedBytes(maxHeapBytes);
    }
    String digits = value;
    int shift = 0;
    char last = value.isEmpty() ? ' ' : Character.toLowerCase(value.charAt(value.length() - 1));
    if (last == 'k' || last == 'm' || last == 'g') {
      shift = last == 'k' ? 10 : last == 'm' ? 20 : 30;
      digits = value.substring(0, value.length() - 1).trim();
    }
    long n;
    try {
      n = Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": " + value + " (expected: auto, or bytes such as 268435456 or 256m)");
    }
    if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException(key + ": " + value + " (expected: > 0)");
    }
    long bytes = n << shift;
    if (bytes < (1L << 20)) {
      throw new IllegalArgumentException(key + ": " + value + " (expected: >= 1m; a smaller queue refuses ordinary batches)");
    }
    return bytes;
  }

  private static int port(Map<String, String> values, String key) {
    int port = integer(values, key);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(key + ": " + port + " (expected: 0-65535; 0 picks a free port)");
    }
    return port;
  }

  /** A byte count > 0, or {@code auto}: a quarter of the maximum heap. */
  private static long inflightBytes(Map<String, String> values, String key) {
    String value = values.get(key).trim();
    if (value.equalsIgnoreCase("auto")) {
      return dev.tokentrail.ingest.OtlpReceivers.defaultMaxInflightBytes();
    }
    long n;
    try {
      n = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": " + value + " (expected: a number of bytes > 0, or auto)");
    }
    if (n <= 0) {
      throw new IllegalArgumentException(key + ": " + n + " (expected: a number of bytes > 0, or auto)");
    }
    return n;
  }

  static int nonNegativeInt(Map<String, String> values, String key) {
    int n = integer(values, key);
    if (n < 0) {
      throw new IllegalArgumentException(key + ": " + n + " (expected: >= 0)");
    }
    return n;
  }

  static int analysisMaxCalls(Map<String, String> values, String key, long maxHeapBytes) {
    String value = values.get(key).trim();
    if (value.equalsIgnoreCase("auto")) {
      return WasteEngine.defaultMaxCalls(maxHeapBytes);
    }
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new IllegalArgumentException(key + ": " + value + " (expected: auto, or a number of calls > 0)");
  }

  static int positiveInt(Map<String, String> values, String key) {
    int n = integer(values, key);
    if (n <= 0) {
      throw new IllegalArgumentException(key + ": " + n + " (expected: > 0)");
    }
    return n;
  }

  private static int integer(Map<String, String> values, String key) {
    String value = values.get(key).trim();
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": " + value + " (expected: an integer)");
    }
  }

  private static List<String> list(Map<String, String> values, String key) {
    List<String> items = new ArrayList<>();
    for (String item : Arrays.asList(values.get(key).split(","))) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    if (items.isEmpty()) {
      throw new IllegalArgumentException(key + ": empty (expected: at least one attribute key)");
    }
    return items;
  }
}
