package dev.tokentrail.security;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses requests whose {@code Host} (or {@code :authority}) names a host the server does not
 * serve, with 421 Misdirected Request: a page that rebinds its own DNS name to this server's
 * address then reaches it under that name and is refused, so it cannot read an open query port.
 * IP literals are always accepted (rebinding needs a name), as are the names given.
 */
public final class HostCheck implements DecoratingHttpServiceFunction {
  private final Set<String> names;

  private HostCheck(Set<String> names) {
    this.names = names;
  }

  /** Accepts IP literals and {@code names} (case-insensitive, without port). */
  public static HostCheck allowing(Set<String> names) {
    requireNonNull(names, "names");
    Set<String> lower = new LinkedHashSet<>();
    names.forEach(n -> lower.add(n.toLowerCase(Locale.ROOT)));
    return new HostCheck(Set.copyOf(lower));
  }

  @Override
  public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
    String authority = req.headers().authority();
    if (authority == null || allowed(hostOf(authority))) {
      return delegate.serve(ctx, req);
    }
    req.abort();
    return HttpResponse.of(HttpStatus.MISDIRECTED_REQUEST, MediaType.PLAIN_TEXT_UTF_8,
        "host not served here (setting allowed_hosts)");
  }

  boolean allowed(String host) {
    return isIpLiteral(host) || names.contains(host.toLowerCase(Locale.ROOT));
  }

  /** The host of an authority: without the port, an IPv6 literal without its brackets. */
  static String hostOf(String authority) {
    if (authority.startsWith("[")) {
      int end = authority.indexOf(']');
      return end < 0 ? authority : authority.substring(1, end);
    }
    int colon = authority.lastIndexOf(':');
    return colon >= 0 && authority.indexOf(':') == colon ? authority.substring(0, colon) : authority;
  }

  static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return host.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
    }
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }
}
