package dev.tokentrail.security;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.RequestHeaders;
import dev.tokentrail.store.Tenants;
import io.netty.util.AsciiString;

/**
 * Who a request speaks for, decided from its headers in one of three modes. Open (no tokens file,
 * multitenancy off): everyone is {@link Tenants#DEFAULT} and {@code X-Scope-OrgID} is ignored, as
 * Tempo ignores it without multitenancy. Header (multitenancy on, no tokens file; an authenticating
 * proxy in front): {@code X-Scope-OrgID} names the tenant and is required. Tokens: {@code
 * Authorization: Bearer} must hold a token of the file, whose tenant applies; an {@code
 * X-Scope-OrgID} sent beside it must name the same tenant.
 */
public final class Access {
  /** Tempo's (and Cortex's) tenant header. */
  public static final AsciiString ORG_ID = AsciiString.cached("x-scope-orgid");

  private final TokensFile tokens;
  private final boolean multitenancy;

  private Access(TokensFile tokens, boolean multitenancy) {
    this.tokens = tokens;
    this.multitenancy = multitenancy;
  }

  /** Everyone may do everything, as {@link Tenants#DEFAULT}. */
  public static Access open() {
    return new Access(null, false);
  }

  /** Tenants named by {@code X-Scope-OrgID}, which a proxy in front has authenticated. */
  public static Access orgIdHeader() {
    return new Access(null, true);
  }

  /** Bearer tokens of {@code tokens}; each token's tenant applies. */
  public static Access tokens(TokensFile tokens) {
    return new Access(requireNonNull(tokens, "tokens"), true);
  }

  /** Whether requests are authenticated at all (a tokens file, or a proxy's org id). */
  public boolean enforced() {
    return multitenancy;
  }

  /** The tokens file, or null without one. */
  public TokensFile tokensFile() {
    return tokens;
  }

  /** What a request with {@code headers} may do when it needs {@code role}. */
  public Decision decide(RequestHeaders headers, Role role) {
    requireNonNull(headers, "headers");
    requireNonNull(role, "role");
    if (!multitenancy) {
      return Decision.allowed(Tenants.DEFAULT, true);
    }
    String orgId = headers.get(ORG_ID);
    if (tokens == null) {
      if (orgId == null || !validTenant(orgId)) {
        return Decision.NO_ORG_ID;
      }
      return Decision.allowed(orgId, false);
    }
    String token = bearer(headers.get(HttpHeaderNames.AUTHORIZATION));
    Identity identity = token == null ? null : tokens.tokens().find(token);
    if (identity == null) {
      return Decision.UNAUTHENTICATED;
    }
    if (!identity.may(role) || (orgId != null && !orgId.equals(identity.tenant()))) {
      return Decision.FORBIDDEN;
    }
    return Decision.allowed(identity.tenant(), identity.may(Role.ADMIN));
  }

  private static boolean validTenant(String orgId) {
    try {
      Tenants.check(orgId);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The token of an {@code Authorization: Bearer <token>} header, or null. */
  static String bearer(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = authorization.substring(7).strip();
    return token.isEmpty() ? null : token;
  }

  /**
   * The outcome for one request: allowed for a tenant, or refused as unauthenticated (401) or
   * forbidden (403). {@code allTenants} is true for admin tokens and the open mode, which may read
   * every tenant's series on {@code /metrics}. {@code message} is what a refusal tells the caller:
   * nothing about which part of a token failed, and {@code no org id}, as Tempo says it, for a
   * request without a valid {@code X-Scope-OrgID} behind a proxy.
   */
  public record Decision(Outcome outcome, String tenant, boolean allTenants, String message) {
    static final Decision UNAUTHENTICATED = new Decision(Outcome.UNAUTHENTICATED, null, false, "unauthenticated");
    static final Decision NO_ORG_ID = new Decision(Outcome.UNAUTHENTICATED, null, false, "no org id");
    static final Decision FORBIDDEN = new Decision(Outcome.FORBIDDEN, null, false, "permission denied");

    static Decision allowed(String tenant, boolean allTenants) {
      return new Decision(Outcome.ALLOWED, tenant, allTenants, null);
    }
  }

  /** Whether a request may proceed. */
  public enum Outcome {
    ALLOWED,
    UNAUTHENTICATED,
    FORBIDDEN
  }
}
