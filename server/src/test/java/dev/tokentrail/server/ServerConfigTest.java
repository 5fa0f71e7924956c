package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
  @TempDir Path dir;

  @Test
  void defaultsMatchTheDesign() {
    ServerConfig config = ServerConfig.resolve(Map.of(), Map.of(), null);
    assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(config.otlpGrpcPort()).isEqualTo(4317);
    assertThat(config.otlpHttpPort()).isEqualTo(4318);
    assertThat(config.httpPort()).isEqualTo(3200);
    assertThat(config.retention()).isEqualTo(Duration.ofDays(14));
    assertThat(config.priceCatalogFile()).isNull();
    assertThat(config.attributionKeys().team()).contains("team");
  }

  @Test
  void flagsBeatEnvironmentWhichBeatsTheConfigFile() throws Exception {
    Path file = dir.resolve("tokentrail.yaml");
    Files.writeString(file, """
        data_dir: /from-file
        http_port: 1111
        otlp_http_port: 2222
        store:
          retention: 30d
        attribution:
          team: [squad, team]
        """);
    Map<String, String> env = Map.of("TOKENTRAIL_HTTP_PORT", "3333", "TOKENTRAIL_OTLP_HTTP_PORT", "4444");
    Map<String, String> flags = new HashMap<>();
    flags.put("--http-port", "5555");
    ServerConfig config = ServerConfig.resolve(flags, env, file);
    assertThat(config.dataDir()).isEqualTo(Path.of("/from-file"));
    assertThat(config.httpPort()).isEqualTo(5555);
    assertThat(config.otlpHttpPort()).isEqualTo(4444);
    assertThat(config.retention()).isEqualTo(Duration.ofDays(30));
    assertThat(config.attributionKeys().team()).containsExactly("squad", "team");
  }

  @Test
  void badValuesAreRejectedWithTheirKey() throws Exception {
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("--http-port", "70000"), Map.of(), null))
        .hasMessage("http_port: 70000 (expected: 0-65535; 0 picks a free port)");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of("TOKENTRAIL_STORE_RETENTION", "2 weeks"), null))
        .hasMessageStartingWith("store.retention: 2 weeks");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("--otlp-grpc-port", "abc"), Map.of(), null))
        .hasMessage("otlp_grpc_port: abc (expected: an integer)");
    Path file = dir.resolve("typo.yaml");
    Files.writeString(file, "http_prot: 3200\n");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of(), file))
        .hasMessageContaining("unknown key http_prot");
  }

  @Test
  void everySettingHasAnEnvironmentVariableNamedAfterItsKey() {
    for (ServerConfig.Setting s : ServerConfig.SETTINGS) {
      assertThat(s.env()).isEqualTo("TOKENTRAIL_" + s.key().toUpperCase().replace('.', '_'));
    }
  }

  @Test
  void theConfigurationReferenceDocumentsEverySetting() throws Exception {
    String doc = Files.readString(Path.of("../docs/configuration.md"));
    for (ServerConfig.Setting s : ServerConfig.SETTINGS) {
      assertThat(doc).as("docs/configuration.md").contains("`" + s.key() + "`", "`" + s.env() + "`");
      if (s.flag() != null) {
        assertThat(doc).contains("`" + s.flag() + "`");
      }
    }
  }

  @Test
  void budgetsAndOutcomeBenchmarksComeFromMappingsOrPairs() throws Exception {
    Path file = dir.resolve("budgets.yaml");
    Files.writeString(file, """
        budgets:
          team: {search: 5000, support: 1200.5}
        outcomes:
          benchmark_usd: {ticket_resolved: 4}
        """);
    ServerConfig config = ServerConfig.resolve(Map.of(), Map.of("TOKENTRAIL_BUDGETS_PROJECT", "checkout=300"), file);
    assertThat(config.budgets()).extracting(b -> b.scope() + "/" + b.name() + "=" + b.monthlyUsd())
        .containsExactly("team/search=5000.0", "team/support=1200.5", "project/checkout=300.0");
    assertThat(config.outcomeBenchmarks()).containsEntry("ticket_resolved", 4.0);
  }

  @Test
  void invalidBudgetsAndThresholdsNameTheKey() {
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of("TOKENTRAIL_BUDGETS_TEAM", "search=lots"), null))
        .hasMessage("budgets.team.search: lots (expected: a USD amount > 0)");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of("TOKENTRAIL_BUDGETS_TEAM", "search"), null))
        .hasMessage("budgets.team: search (expected: name=usd)");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of("TOKENTRAIL_WASTE_CONTEXT_RESENT_SHARE", "2"), null))
        .hasMessageContaining("contextResentShare: 2.0");
  }

  @Test
  void theStoreQueueByteBudgetDefaultsToAnEighthOfTheHeapAndTakesSuffixes() {
    assertThat(ServerConfig.queuedBytes(Map.of("k", "auto"), "k", 512L << 20)).isEqualTo(64L << 20);
    assertThat(ServerConfig.queuedBytes(Map.of("k", "auto"), "k", 64L << 20)).isEqualTo(16L << 20);
    assertThat(ServerConfig.queuedBytes(Map.of("k", "auto"), "k", 64L << 30)).isEqualTo(1L << 30);
    assertThat(ServerConfig.resolve(Map.of("--max-queued-bytes", "256m"), Map.of(), null).maxQueuedBytes()).isEqualTo(256L << 20);
    assertThat(ServerConfig.resolve(Map.of(), Map.of("TOKENTRAIL_STORE_MAX_QUEUED_BYTES", "3145728"), null).maxQueuedBytes()).isEqualTo(3L << 20);
    assertThat(ServerConfig.resolve(Map.of(), Map.of(), null).maxQueuedBytes())
        .isEqualTo(dev.tokentrail.store.lucene.LuceneSpanStore.defaultMaxQueuedBytes(Runtime.getRuntime().maxMemory()));
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("--max-queued-bytes", "0"), Map.of(), null))
        .hasMessage("store.max_queued_bytes: 0 (expected: > 0)");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("--max-queued-bytes", "lots"), Map.of(), null))
        .hasMessage("store.max_queued_bytes: lots (expected: auto, or bytes such as 268435456 or 256m)");
  }

  @Test
  void theCallsOneAnalysisReadsDefaultToOnePer2KiBOfHeapOrANumber() {
    assertThat(ServerConfig.resolve(Map.of(), Map.of(), null).analysisMaxCalls())
        .isEqualTo(dev.tokentrail.analysis.WasteEngine.defaultMaxCalls(Runtime.getRuntime().maxMemory()));
    assertThat(ServerConfig.analysisMaxCalls(Map.of("k", " AUTO "), "k", 256L << 20)).isEqualTo(131_072);
    assertThat(ServerConfig.resolve(Map.of(), Map.of("TOKENTRAIL_ANALYSIS_MAX_CALLS", "5000000"), null).analysisMaxCalls())
        .isEqualTo(5_000_000);
    for (String bad : new String[] {"0", "-3", "lots", "9999999999"}) {
      assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of("TOKENTRAIL_ANALYSIS_MAX_CALLS", bad), null))
          .hasMessage("analysis.max_calls: " + bad + " (expected: auto, or a number of calls > 0)");
    }
  }

  @Test
  void perTenantLimitsDefaultToNoneAndTheFileOverridesThemAndTheBudgets() throws Exception {
    ServerConfig defaults = ServerConfig.resolve(Map.of(), Map.of(), null);
    assertThat(defaults.tenantLimits().limits().limitsAnything()).as("nothing limited by default").isFalse();
    assertThat(defaults.security().dropAttributes()).isEmpty();
    assertThat(defaults.tls().enabled()).isFalse();

    Path file = dir.resolve("per-tenant.yaml");
    Files.writeString(file, """
        payments:
          ingest_spans_per_second: 2000
          max_concurrent_queries: 4
          budgets:
            team: {checkout: 500}
        bulk:
          ingest_bytes_per_second: 0
        """);
    ServerConfig config = ServerConfig.resolve(Map.of("--limits-ingest-bytes-per-second", "1000000"),
        Map.of("TOKENTRAIL_LIMITS_PER_TENANT_FILE", file.toString(), "TOKENTRAIL_INGEST_DROP_ATTRIBUTES", "user.email, enduser.*"), null);

    var limits = config.tenantLimits().limits();
    assertThat(limits.forTenant("payments")).isEqualTo(new dev.tokentrail.security.TenantLimits(2000, 1_000_000, 4));
    assertThat(limits.forTenant("bulk")).isEqualTo(new dev.tokentrail.security.TenantLimits(0, 0, 0));
    assertThat(limits.forTenant("anyone")).isEqualTo(new dev.tokentrail.security.TenantLimits(0, 1_000_000, 0));
    assertThat(config.tenantLimits().budgets().get("payments"))
        .extracting(b -> b.scope() + "/" + b.name() + "=" + b.monthlyUsd()).containsExactly("team/checkout=500.0");
    assertThat(config.security().dropAttributes()).containsExactly("user.email", "enduser.*");
  }

  @Test
  void badPerTenantEntriesAreRefusedNamingTheFileTenantAndKey() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "payments:\n  ingest_spans_per_sec: 10\n");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("--limits-per-tenant-file", file.toString()), Map.of(), null))
        .hasMessageContaining("limits.per_tenant_file " + file + ": payments: unknown key ingest_spans_per_sec");
    Files.writeString(file, "payments:\n  max_concurrent_queries: -1\n");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("--limits-per-tenant-file", file.toString()), Map.of(), null))
        .hasMessageContaining("payments: max_concurrent_queries: -1 (expected: an integer >= 0; 0 for no limit)");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("--limits-ingest-spans-per-second", "fast"), Map.of(), null))
        .hasMessage("limits.ingest_spans_per_second: fast (expected: a number >= 0; 0 for no limit)");
  }

  @Test
  void aPerTenantFileThatIsNotAMappingOfMappingsIsRefusedNamingTheFile() throws Exception {
    Path file = dir.resolve("malformed.yaml");
    Files.writeString(file, "payments: [10\n");
    assertThatThrownBy(() -> perTenantFile(file)).hasMessageContaining("limits.per_tenant_file " + file + ": ");
    Files.writeString(file, "- payments\n- search\n");
    assertThatThrownBy(() -> perTenantFile(file))
        .hasMessageContaining("limits.per_tenant_file " + file + ": expected a mapping of tenant ids");
    Files.writeString(file, "payments: 10\n");
    assertThatThrownBy(() -> perTenantFile(file))
        .hasMessageContaining("limits.per_tenant_file " + file + ": payments: expected a mapping of");
    Files.writeString(file, "\"a/b\":\n  max_concurrent_queries: 1\n");
    assertThatThrownBy(() -> perTenantFile(file)).hasMessageContaining("limits.per_tenant_file " + file + ": a/b: ");
    Path missing = dir.resolve("missing.yaml");
    assertThatThrownBy(() -> perTenantFile(missing)).hasMessageContaining("limits.per_tenant_file " + missing + ": ");
  }

  private static ServerConfig perTenantFile(Path file) {
    return ServerConfig.resolve(Map.of("--limits-per-tenant-file", file.toString()), Map.of(), null);
  }

  @Test
  void tlsNeedsBothCertificateAndKeyAndAClientCaNeedsThem() {
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("--tls-cert-file", "/x.crt"), Map.of(), null))
        .hasMessage("tls.cert_file: set without tls.key_file (expected: both or neither)");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of("--tls-client-ca-file", "/ca.crt"), Map.of(), null))
        .hasMessageContaining("tls.client_ca_file: set without tls.cert_file and tls.key_file");
    assertThatThrownBy(() -> ServerConfig.resolve(Map.of(), Map.of("TOKENTRAIL_INGEST_DROP_ATTRIBUTES", "*"), null))
        .hasMessageContaining("ingest.drop_attributes: * would drop every attribute");
  }
}
