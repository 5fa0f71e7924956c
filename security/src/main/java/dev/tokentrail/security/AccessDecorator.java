package dev.tokentrail.security;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.util.AttributeKey;

/**
 * The one access check of a port: decides each request with {@link Access}, records the tenant
 * for the services ({@link RequestTenant}), and answers refusals in the port's own error shape
 * ({@link Rejection}) without saying which part failed. Paths a {@link RoleOf} maps to null are
 * open: they are served to anyone, for the caller's tenant when the credentials are good and as
 * anonymous otherwise.
 */
public final class AccessDecorator implements DecoratingHttpServiceFunction {
  /** The decision of an open path's request, for services that show less to anonymous callers. */
  static final AttributeKey<Access.Decision> DECISION = AttributeKey.valueOf(AccessDecorator.class, "DECISION");

  private static final MediaType GRPC = MediaType.create("application", "grpc");

  private final Access access;
  private final RoleOf roleOf;
  private final Rejection rejection;

  private AccessDecorator(Access access, RoleOf roleOf, Rejection rejection) {
    this.access = access;
    this.roleOf = roleOf;
    this.rejection = rejection;
  }

  /** A check of {@code access} for the role {@code roleOf} names, refusing through {@code rejection}. */
  public static AccessDecorator of(Access access, RoleOf roleOf, Rejection rejection) {
    return new AccessDecorator(
        requireNonNull(access, "access"), requireNonNull(roleOf, "roleOf"), requireNonNull(rejection, "rejection"));
  }

  /** The role a request needs, or null for an open path. */
  @FunctionalInterface
  public interface RoleOf {
    Role roleOf(ServiceRequestContext ctx);
  }

  /** How a port answers a refused request (401 or 403) with {@code message}, in its protocol's error shape. */
  @FunctionalInterface
  public interface Rejection {
    HttpResponse reject(ServiceRequestContext ctx, HttpRequest req, HttpStatus status, String message);
  }

  @Override
  public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
    Role role = roleOf.roleOf(ctx);
    Access.Decision decision = access.decide(req.headers(), role == null ? Role.QUERY : role);
    if (decision.outcome() == Access.Outcome.ALLOWED) {
      ctx.setAttr(RequestTenant.KEY, decision.tenant());
      ctx.setAttr(DECISION, decision);
    } else if (role != null) {
      HttpStatus status = decision.outcome() == Access.Outcome.FORBIDDEN ? HttpStatus.FORBIDDEN : HttpStatus.UNAUTHORIZED;
      req.abort();
      return rejection.reject(ctx, req, status, decision.message());
    } else {
      ctx.setAttr(RequestTenant.ANONYMOUS, Boolean.TRUE);
    }
    return delegate.serve(ctx, req);
  }

  /**
   * Refusals for plain HTTP and gRPC services on one port: gRPC calls get a trailers-only
   * UNAUTHENTICATED or PERMISSION_DENIED, others a short plain-text 401 (with {@code
   * WWW-Authenticate: Bearer}) or 403.
   */
  public static Rejection plainOrGrpc() {
    return (ctx, req, status, message) -> {
      if (req.contentType() != null && req.contentType().is(GRPC)) {
        return grpcRejection(status, message);
      }
      return HttpResponse.of(withChallenge(ResponseHeaders.builder(status).contentType(MediaType.PLAIN_TEXT_UTF_8), status)
          .build(), com.linecorp.armeria.common.HttpData.ofUtf8(message));
    };
  }

  /** A trailers-only gRPC UNAUTHENTICATED (for 401) or PERMISSION_DENIED (for 403) saying {@code message} (plain ASCII). */
  public static HttpResponse grpcRejection(HttpStatus status, String message) {
    boolean forbidden = status == HttpStatus.FORBIDDEN;
    return HttpResponse.of(
        ResponseHeaders.builder(HttpStatus.OK)
            .contentType(GRPC)
            .add("grpc-status", forbidden ? "7" : "16")
            .add("grpc-message", message.replace("%", "%25"))
            .endOfStream(true)
            .build());
  }

  /** Adds {@code WWW-Authenticate: Bearer} to a 401 (RFC 6750). */
  public static com.linecorp.armeria.common.ResponseHeadersBuilder withChallenge(
      com.linecorp.armeria.common.ResponseHeadersBuilder headers, HttpStatus status) {
    return status == HttpStatus.UNAUTHORIZED ? headers.set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer") : headers;
  }
}
