package dev.tokentrail.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tokentrail.analysis.BudgetAnalysis;
import dev.tokentrail.security.TenantLimits;
import dev.tokentrail.store.Tenants;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-tenant limits ({@code limits.*}) and the per-tenant file that overrides them and the budgets
 * for some tenants ({@code limits.per_tenant_file}), as Tempo's per-tenant overrides do:
 *
 * <pre>
 * payments:
 *   ingest_spans_per_second: 2000
 *   ingest_bytes_per_second: 4000000
 *   max_concurrent_queries: 4
 *   max_inflight_bytes: 67108864
 *   budgets:
 *     team: {checkout: 500}
 *     project: {assistant: 1200}
 * </pre>
 *
 * A tenant's entry replaces the defaults key by key; its {@code budgets} replace the server-wide
 * budgets for that tenant. The file is read at start.
 *
 * @param limits every tenant's limits
 * @param budgets budgets of the tenants the file names budgets for; others use the server-wide ones
 */
record TenantLimitsConfig(TenantLimits.PerTenant limits, Map<String, List<BudgetAnalysis.Budget>> budgets) {
  private static final Set<String> TENANT_KEYS =
      Set.of("ingest_spans_per_second", "ingest_bytes_per_second", "max_concurrent_queries", "max_inflight_bytes", "budgets");

  static final List<ServerConfig.Setting> SETTINGS = List.of(
      new ServerConfig.Setting("limits.ingest_spans_per_second", "TOKENTRAIL_LIMITS_INGEST_SPANS_PER_SECOND",
          "--limits-ingest-spans-per-second", "0",
          "Spans each tenant may send per second on average (token bucket of one second; one export may overdraw it, then the tenant waits). Over it exports get 429 with Retry-After / RESOURCE_EXHAUSTED with RetryInfo. 0: no limit."),
      new ServerConfig.Setting("limits.ingest_bytes_per_second", "TOKENTRAIL_LIMITS_INGEST_BYTES_PER_SECOND",
          "--limits-ingest-bytes-per-second", "0",
          "Uncompressed OTLP bytes each tenant may send per second, as for spans. 0: no limit."),
      new ServerConfig.Setting("limits.max_concurrent_queries", "TOKENTRAIL_LIMITS_MAX_CONCURRENT_QUERIES",
          "--limits-max-concurrent-queries", "0",
          "Query requests of one tenant served at once (/metrics and /ready not counted); more get 429 with Retry-After. 0: no limit."),
      new ServerConfig.Setting("limits.max_inflight_bytes", "TOKENTRAIL_LIMITS_MAX_INFLIGHT_BYTES",
          "--limits-max-inflight-bytes", "0",
          "Each tenant's share of ingest.max_inflight_bytes: bytes its exports may hold while received and decoded; past it its exports get 429 / RESOURCE_EXHAUSTED (413 for one export larger than the share) while other tenants keep theirs. 0: no share, only the server-wide budget."),
      new ServerConfig.Setting("limits.per_tenant_file", "TOKENTRAIL_LIMITS_PER_TENANT_FILE", "--limits-per-tenant-file", "",
          "YAML file of per-tenant overrides: tenant -> {ingest_spans_per_second, ingest_bytes_per_second, max_concurrent_queries, max_inflight_bytes, budgets: {team: {name: usd}, project: {...}}}. Read at start."));

  static TenantLimitsConfig of(Map<String, String> values) {
    TenantLimits defaults = new TenantLimits(
        number(values.get("limits.ingest_spans_per_second"), "limits.ingest_spans_per_second"),
        number(values.get("limits.ingest_bytes_per_second"), "limits.ingest_bytes_per_second"),
        (int) whole(values.get("limits.max_concurrent_queries"), "limits.max_concurrent_queries"),
        longWhole(values.get("limits.max_inflight_bytes"), "limits.max_inflight_bytes"));
    String file = values.get("limits.per_tenant_file").trim();
    if (file.isEmpty()) {
      return new TenantLimitsConfig(TenantLimits.PerTenant.of(defaults), Map.of());
    }
    return read(Path.of(file), defaults);
  }

  static TenantLimitsConfig read(Path file, TenantLimits defaults) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("limits.per_tenant_file " + file + ": " + e.getMessage(), e);
    }
    Map<String, TenantLimits> overrides = new LinkedHashMap<>();
    Map<String, List<BudgetAnalysis.Budget>> budgets = new LinkedHashMap<>();
    if (root == null || root.isNull() || root.isMissingNode()) {
      return new TenantLimitsConfig(TenantLimits.PerTenant.of(defaults), Map.of());
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("limits.per_tenant_file " + file + ": expected a mapping of tenant ids");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String tenant = entry.getKey();
      String where = "limits.per_tenant_file " + file + ": " + tenant;
      try {
        Tenants.check(tenant);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
      JsonNode t = entry.getValue();
      if (!t.isObject()) {
        throw new IllegalArgumentException(where + ": expected a mapping of " + TENANT_KEYS);
      }
      t.fieldNames().forEachRemaining(k -> {
        if (!TENANT_KEYS.contains(k)) {
          throw new IllegalArgumentException(where + ": unknown key " + k + " (expected one of: " + TENANT_KEYS + ")");
        }
      });
      try {
        overrides.put(tenant, new TenantLimits(
            t.has("ingest_spans_per_second") ? number(t.get("ingest_spans_per_second").asText(), "ingest_spans_per_second")
                : defaults.ingestSpansPerSecond(),
            t.has("ingest_bytes_per_second") ? number(t.get("ingest_bytes_per_second").asText(), "ingest_bytes_per_second")
                : defaults.ingestBytesPerSecond(),
            t.has("max_concurrent_queries") ? (int) whole(t.get("max_concurrent_queries").asText(), "max_concurrent_queries")
                : defaults.maxConcurrentQueries(),
            t.has("max_inflight_bytes") ? longWhole(t.get("max_inflight_bytes").asText(), "max_inflight_bytes")
                : defaults.maxInflightBytes()));
        if (t.has("budgets")) {
          budgets.put(tenant, budgetsOf(t.get("budgets")));
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
    }
    return new TenantLimitsConfig(new TenantLimits.PerTenant(defaults, overrides), Map.copyOf(budgets));
  }

  private static List<BudgetAnalysis.Budget> budgetsOf(JsonNode node) {
    if (!node.isObject()) {
      throw new IllegalArgumentException("budgets: expected {team: {name: usd}, project: {name: usd}}");
    }
    List<BudgetAnalysis.Budget> out = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> scope = it.next();
      if (!scope.getKey().equals("team") && !scope.getKey().equals("project")) {
        throw new IllegalArgumentException("budgets." + scope.getKey() + ": unknown scope (expected: team or project)");
      }
      if (!scope.getValue().isObject()) {
        throw new IllegalArgumentException("budgets." + scope.getKey() + ": expected a mapping of name: usd");
      }
      for (Iterator<Map.Entry<String, JsonNode>> names = scope.getValue().fields(); names.hasNext(); ) {
        Map.Entry<String, JsonNode> budget = names.next();
        String key = "budgets." + scope.getKey() + "." + budget.getKey();
        double usd = number(budget.getValue().asText(), key);
        if (usd == 0) {
          throw new IllegalArgumentException(key + ": 0 (expected: a USD amount > 0)");
        }
        out.add(new BudgetAnalysis.Budget(scope.getKey(), budget.getKey(), usd));
      }
    }
    return List.copyOf(out);
  }

  private static double number(String raw, String key) {
    String v = raw == null ? "" : raw.trim();
    try {
      double d = Double.parseDouble(v);
      if (d >= 0 && !Double.isInfinite(d)) {
        return d;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new IllegalArgumentException(key + ": " + v + " (expected: a number >= 0; 0 for no limit)");
  }

  private static long longWhole(String raw, String key) {
    String v = raw == null ? "" : raw.trim();
    try {
      long n = Long.parseLong(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new IllegalArgumentException(key + ": " + v + " (expected: a number of bytes >= 0; 0 for no limit)");
  }

  private static long whole(String raw, String key) {
    String v = raw == null ? "" : raw.trim();
    try {
      int n = Integer.parseInt(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new IllegalArgumentException(key + ": " + v + " (expected: an integer >= 0; 0 for no limit)");
  }
}
