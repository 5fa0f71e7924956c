package dev.tokentrail.security;

import com.linecorp.armeria.common.RequestContext;
import dev.tokentrail.store.Tenants;
import io.netty.util.AttributeKey;

/**
 * The tenant a request acts for, as the port's {@link AccessDecorator} decided it; services read
 * it here for every store write and read. Armeria propagates the request context to the blocking
 * executor and to gRPC service methods, so {@link #current()} answers wherever a request is served.
 */
public final class RequestTenant {
  static final AttributeKey<String> KEY = AttributeKey.valueOf(RequestTenant.class, "TENANT");

  private RequestTenant() {}

  /**
   * The current request's tenant; {@link Tenants#DEFAULT} when the port has no access decorator
   * (a service tested on its own).
   *
   * @throws IllegalStateException outside a request, where no tenant can be known
   */
  public static String current() {
    RequestContext ctx = RequestContext.currentOrNull();
    if (ctx == null) {
      throw new IllegalStateException("no request context: the tenant of a store access is unknown");
    }
    return of(ctx);
  }

  /** {@code ctx}'s tenant; {@link Tenants#DEFAULT} when no access decorator set one. */
  public static String of(RequestContext ctx) {
    String tenant = ctx.attr(KEY);
    return tenant == null ? Tenants.DEFAULT : tenant;
  }

  /**
   * Which tenants' series {@code /metrics} may show the caller of {@code ctx}: null for every
   * tenant (the open mode, admin tokens), the caller's tenant, or "" for an anonymous caller of an
   * authenticated server, who sees only series without a tenant.
   */
  public static String metricsScope(RequestContext ctx) {
    Access.Decision decision = ctx.attr(AccessDecorator.DECISION);
    if (decision == null) {
      return ctx.attr(KEY) == null && ctx.attr(ANONYMOUS) == null ? null : "";
    }
    return decision.allTenants() ? null : decision.tenant();
  }

  /** Set on open paths' requests without good credentials on an authenticated server. */
  static final AttributeKey<Boolean> ANONYMOUS = AttributeKey.valueOf(RequestTenant.class, "ANONYMOUS");
}
