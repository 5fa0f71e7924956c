package dev.tokentrail.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokensTest {
  private static final String HASHED = "sha256:" + HexFormat.of().formatHex(Tokens.sha256("beta-secret"));

  private static final Tokens TOKENS = Tokens.parse(List.of(
      "# comment", "", "alpha-secret alpha ingest,query", HASHED + "  beta  query", "root-secret ops admin"), "tokens");

  @Test
  void plainAndHashedTokensFindTheirTenantAndRoles() {
    assertThat(TOKENS.find("alpha-secret")).isEqualTo(new Identity("alpha", java.util.Set.of(Role.INGEST, Role.QUERY)));
    assertThat(TOKENS.find("beta-secret").tenant()).isEqualTo("beta");
    assertThat(TOKENS.find("beta-secret").may(Role.INGEST)).isFalse();
    assertThat(TOKENS.find("root-secret").may(Role.INGEST)).as("admin may do everything").isTrue();
    assertThat(TOKENS.find("sha256:" + HASHED.substring(7))).as("the digest itself is no token").isNull();
    assertThat(TOKENS.find("alpha-secreT")).isNull();
    assertThat(TOKENS.tenants()).containsExactlyInAnyOrder("alpha", "beta", "ops");
  }

  @Test
  void badLinesAreRefusedNamingTheLine() {
    assertThatThrownBy(() -> Tokens.parse(List.of("a b"), "f")).hasMessageContaining("f line 1: 2 fields");
    assertThatThrownBy(() -> Tokens.parse(List.of("#", "t x reader"), "f")).hasMessageContaining("f line 2: role: 'reader'");
    assertThatThrownBy(() -> Tokens.parse(List.of("t a/b query"), "f")).hasMessageContaining("f line 1: tenant");
    assertThatThrownBy(() -> Tokens.parse(List.of("sha256:abc t query"), "f")).hasMessageContaining("3 hex digits");
    assertThatThrownBy(() -> Tokens.parse(List.of("t a query", "t b ingest"), "f")).hasMessageContaining("line 2: the same token");
  }

  @Test
  void accessDecidesByTokenRoleAndOrgId() {
    Access open = Access.open();
    assertThat(open.decide(headers(null, "x"), Role.ADMIN).tenant()).isEqualTo("single-tenant");
    Access proxy = Access.orgIdHeader();
    assertThat(proxy.decide(headers(null, null), Role.QUERY).outcome()).isEqualTo(Access.Outcome.UNAUTHENTICATED);
    assertThat(proxy.decide(headers(null, "team-a"), Role.QUERY).tenant()).isEqualTo("team-a");
    assertThat(proxy.decide(headers(null, "../x"), Role.QUERY).outcome()).isEqualTo(Access.Outcome.UNAUTHENTICATED);
    assertThat(proxy.decide(headers(null, null), Role.QUERY).message()).as("Tempo's answer").isEqualTo("no org id");
    assertThat(proxy.decide(headers(null, "../x"), Role.QUERY).message()).isEqualTo("no org id");
  }

  @Test
  void aChangedFileIsReloadedAndABadOneKeepsTheLastGoodTokens(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("tokens"), "one-secret alpha query\n");
    try (TokensFile tokens = TokensFile.open(file, Duration.ofHours(1))) {
      Access access = Access.tokens(tokens);
      assertThat(access.decide(bearer("one-secret", null), Role.QUERY).tenant()).isEqualTo("alpha");
      assertThat(access.decide(bearer("one-secret", "beta"), Role.QUERY).outcome()).isEqualTo(Access.Outcome.FORBIDDEN);
      assertThat(access.decide(bearer("one-secret", null), Role.INGEST).outcome()).isEqualTo(Access.Outcome.FORBIDDEN);
      assertThat(access.decide(headers(null, "alpha"), Role.QUERY).outcome()).isEqualTo(Access.Outcome.UNAUTHENTICATED);
      assertThat(access.decide(headers(null, "alpha"), Role.QUERY).message()).as("nothing about which part failed")
          .isEqualTo("unauthenticated");

      Files.writeString(file, "two-secret beta query\n");
      tokens.reloadIfChanged();
      assertThat(access.decide(bearer("two-secret", null), Role.QUERY).tenant()).isEqualTo("beta");
      assertThat(access.decide(bearer("one-secret", null), Role.QUERY).outcome()).isEqualTo(Access.Outcome.UNAUTHENTICATED);

      Files.writeString(file, "broken\n");
      tokens.reloadIfChanged();
      assertThat(access.decide(bearer("two-secret", null), Role.QUERY).tenant()).isEqualTo("beta");
    }
  }

  @Test
  void aMissingOrBadFileStopsTheStartNamingTheFile(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing");
    assertThatThrownBy(() -> TokensFile.open(missing, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("auth.tokens_file: " + missing + " unreadable");

    Path bad = Files.writeString(dir.resolve("tokens"), "one-secret alpha query\nno-role beta\n");
    assertThatThrownBy(() -> TokensFile.open(bad, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(bad + " line 2: 2 fields");
  }

  @Test
  void hostCheckAcceptsIpLiteralsAndListedNamesOnly() {
    HostCheck check = HostCheck.allowing(java.util.Set.of("LocalHost", "tokentrail.internal"));
    assertThat(check.allowed(HostCheck.hostOf("127.0.0.1:3200"))).isTrue();
    assertThat(check.allowed(HostCheck.hostOf("[::1]:3200"))).isTrue();
    assertThat(check.allowed(HostCheck.hostOf("localhost:3200"))).isTrue();
    assertThat(check.allowed(HostCheck.hostOf("tokentrail.internal"))).isTrue();
    assertThat(check.allowed(HostCheck.hostOf("evil.example:3200"))).isFalse();
    assertThat(check.allowed(HostCheck.hostOf("1.2.3.4.evil.example"))).isFalse();
  }

  private static RequestHeaders headers(String authorization, String orgId) {
    RequestHeaders headers = RequestHeaders.of(HttpMethod.GET, "/api/search");
    if (authorization != null) {
      headers = headers.toBuilder().set("authorization", authorization).build();
    }
    if (orgId != null) {
      headers = headers.toBuilder().set(Access.ORG_ID, orgId).build();
    }
    return headers;
  }

  private static RequestHeaders bearer(String token, String orgId) {
    return headers("Bearer " + token, orgId);
  }
}
