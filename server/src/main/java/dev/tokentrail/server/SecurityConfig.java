package dev.tokentrail.server;

import dev.tokentrail.model.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The security settings of {@code tokentrail serve} ({@code auth.*}, {@code allowed_hosts}):
 * who may call the ports, for which tenant, and under which host names.
 *
 * @param tokensFile the tokens file, or null to run without tokens
 * @param multitenancy whether {@code X-Scope-OrgID} names the tenant (implied by a tokens file)
 * @param protectMetrics whether {@code /metrics} and {@code /ready} need a query token too
 * @param reloadInterval how often the tokens file is checked for changes
 * @param allowedHosts host names the query port answers to besides IP literals; null for every
 *     name ({@code *}), and by default ({@code auto}) loopback and the bind address on an open server
 * @param dropAttributes attribute key patterns removed at ingest ({@code ingest.drop_attributes})
 */
record SecurityConfig(
    Path tokensFile,
    boolean multitenancy,
    boolean protectMetrics,
    Duration reloadInterval,
    List<String> allowedHosts,
    List<String> dropAttributes) {

  static final List<ServerConfig.Setting> SETTINGS = List.of(
      new ServerConfig.Setting("auth.tokens_file", "TOKENTRAIL_AUTH_TOKENS_FILE", "--auth-tokens-file", "",
          "Bearer tokens, one a line: '<token or sha256:hex> <tenant> <roles>' (roles: ingest, query, admin). Every port then needs a token (401 / UNAUTHENTICATED without, 403 / PERMISSION_DENIED without the role) and the token's tenant scopes all it writes and reads. Reloaded when it changes. Empty: the server is open (and says so at start)."),
      new ServerConfig.Setting("auth.multitenancy", "TOKENTRAIL_AUTH_MULTITENANCY", null, "false",
          "Without a tokens file: X-Scope-OrgID names each request's tenant and is required (401 without), as in Tempo; for servers behind an authenticating proxy. With a tokens file an X-Scope-OrgID must name the token's tenant (403 otherwise)."),
      new ServerConfig.Setting("auth.protect_metrics", "TOKENTRAIL_AUTH_PROTECT_METRICS", null, "false",
          "Whether /metrics and /ready need a query token too. Open, /metrics shows anonymous callers of an authenticated server only series without a tenant label."),
      new ServerConfig.Setting("auth.reload_interval", "TOKENTRAIL_AUTH_RELOAD_INTERVAL", null, "5s",
          "How often the tokens file is checked for changes; a changed file that does not parse keeps the previous tokens (logged)."),
      new ServerConfig.Setting("allowed_hosts", "TOKENTRAIL_ALLOWED_HOSTS", "--allowed-hosts", "auto",
          "Host names the query port answers to (Host header; 421 otherwise, against DNS rebinding); IP literals are always accepted. auto: localhost, the machine's name, host.docker.internal and the bind address, checked only while the server is open (no tokens, no multitenancy). *: any name."),
      new ServerConfig.Setting("ingest.drop_attributes", "TOKENTRAIL_INGEST_DROP_ATTRIBUTES", "--ingest-drop-attributes", "",
          "Attribute keys removed from every span, resource, event and link at ingest, before anything reads or stores them (for personal data): a comma list in which * matches any characters, e.g. user.email,enduser.*,gen_ai.prompt*. Counted in tokentrail_ingest_attributes_dropped_total{tenant,scope}."));

  static SecurityConfig of(Map<String, String> values, String bindAddress) {
    String tokens = values.get("auth.tokens_file").trim();
    String hosts = values.get("allowed_hosts").trim();
    List<String> allowed;
    if (hosts.equals("*")) {
      allowed = null;
    } else if (hosts.equalsIgnoreCase("auto")) {
      allowed = List.of();
    } else {
      allowed = new ArrayList<>();
      for (String h : hosts.split(",")) {
        if (!h.isBlank()) {
          allowed.add(h.trim());
        }
      }
      if (allowed.isEmpty()) {
        throw new IllegalArgumentException("allowed_hosts: empty (expected: auto, * or a comma list of host names)");
      }
    }
    Duration reload = Durations.parse(values.get("auth.reload_interval"), "auth.reload_interval");
    if (reload.isZero() || reload.isNegative()) {
      throw new IllegalArgumentException("auth.reload_interval: " + values.get("auth.reload_interval") + " (expected: > 0)");
    }
    return new SecurityConfig(
        tokens.isEmpty() ? null : Path.of(tokens),
        bool(values, "auth.multitenancy"),
        bool(values, "auth.protect_metrics"),
        reload,
        allowed,
        patterns(values.get("ingest.drop_attributes")));
  }

  private static List<String> patterns(String raw) {
    List<String> out = new ArrayList<>();
    for (String p : raw.split(",")) {
      if (!p.isBlank()) {
        out.add(p.trim());
      }
    }
    dev.tokentrail.ingest.DroppedAttributes.of(out); // refuses patterns that would drop everything, at start
    return List.copyOf(out);
  }

  /** Whether the host check applies by default: only an open server is worth a rebinding page's while. */
  boolean autoHosts() {
    return allowedHosts != null && allowedHosts.isEmpty();
  }

  private static boolean bool(Map<String, String> values, String key) {
    String v = values.get(key).trim();
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException(key + ": " + v + " (expected: true or false)");
  }
}
