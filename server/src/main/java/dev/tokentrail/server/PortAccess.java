package dev.tokentrail.server;

import com.linecorp.armeria.server.ServerBuilder;
import dev.tokentrail.ingest.OtlpReceivers;
import dev.tokentrail.query.QueryApi;
import dev.tokentrail.security.Access;
import dev.tokentrail.security.AccessDecorator;
import dev.tokentrail.security.HostCheck;
import dev.tokentrail.security.Role;
import dev.tokentrail.security.TenantLimits;
import dev.tokentrail.security.TenantQueryConcurrency;
import dev.tokentrail.security.TokensFile;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access checks of the three ports, built from {@link SecurityConfig}: one {@link
 * AccessDecorator} per port (ingest ports need the ingest role, the query port what {@link
 * QueryApi#roles} says) and the query port's {@link HostCheck}. Owns the tokens file's poller.
 */
final class PortAccess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PortAccess.class);

  private final SecurityConfig config;
  private final TokensFile tokensFile;
  private final Access access;
  private final TenantLimits.PerTenant limits;

  private PortAccess(SecurityConfig config, TokensFile tokensFile, Access access, TenantLimits.PerTenant limits) {
    this.config = config;
    this.tokensFile = tokensFile;
    this.access = access;
    this.limits = limits;
  }

  static PortAccess open(SecurityConfig config) {
    return open(config, TenantLimits.PerTenant.of(TenantLimits.UNLIMITED));
  }

  /** The checks of {@code config}, with each tenant's query concurrency limited by {@code limits}. */
  static PortAccess open(SecurityConfig config, TenantLimits.PerTenant limits) {
    if (config.tokensFile() != null) {
      TokensFile tokens = TokensFile.open(config.tokensFile(), config.reloadInterval());
      LOG.info("auth: {} tokens for {} tenants from {} (checked for changes every {})", tokens.tokens().size(),
          tokens.tokens().tenants().size(), config.tokensFile(), config.reloadInterval());
      return new PortAccess(config, tokens, Access.tokens(tokens), limits);
    }
    if (config.multitenancy()) {
      LOG.warn("auth: no tokens file; tenants are taken from X-Scope-OrgID unchecked: "
          + "run behind a proxy that authenticates callers and sets it (auth.multitenancy)");
      return new PortAccess(config, null, Access.orgIdHeader(), limits);
    }
    LOG.warn("auth: no tokens file (auth.tokens_file): every port is open to anyone who reaches it, "
        + "for writing spans and reading every trace, prompt attribute and cost");
    return new PortAccess(config, null, Access.open(), limits);
  }

  /**
   * The tenants whose waste and budget metrics are kept: those of the tokens file, those {@code
   * seen} at ingest, and on an open server the one tenant of everything.
   */
  java.util.Set<String> knownTenants(java.util.Set<String> seen) {
    java.util.Set<String> tenants = new java.util.TreeSet<>(seen);
    if (tokensFile != null) {
      tenants.addAll(tokensFile.tokens().tenants());
    }
    if (!access.enforced()) {
      tenants.add(dev.tokentrail.store.Tenants.DEFAULT);
    }
    return tenants;
  }

  /** The tokens file, or null. */
  TokensFile tokensFile() {
    return tokensFile;
  }

  void installIngest(ServerBuilder server) {
    server.decorator(AccessDecorator.of(access, ctx -> Role.INGEST, OtlpReceivers.rejection()));
  }

  void installQuery(ServerBuilder server, String bindAddress) {
    AccessDecorator check = AccessDecorator.of(access, QueryApi.roles(config.protectMetrics()), AccessDecorator.plainOrGrpc());
    if (limits.limitsAnything()) {
      // The access check runs first: it sets the tenant whose share the concurrency limit counts.
      TenantQueryConcurrency concurrency = TenantQueryConcurrency.of(limits, QueryApi::isQuery);
      server.decorator(service -> service.decorate(concurrency).decorate(check));
    } else {
      server.decorator(check);
    }
    if (config.allowedHosts() == null || (config.autoHosts() && access.enforced())) {
      return;
    }
    Set<String> names = new LinkedHashSet<>(config.allowedHosts());
    if (config.autoHosts()) {
      names.add("localhost");
      names.add("host.docker.internal");
      names.add(bindAddress);
      try {
        InetAddress local = InetAddress.getLocalHost();
        names.add(local.getHostName());
        names.add(local.getCanonicalHostName());
      } catch (UnknownHostException e) {
        LOG.debug("the machine's host name is unknown ({}); not among the allowed hosts", e.toString());
      }
    }
    LOG.info("query port answers to IP addresses and the host names {} (allowed_hosts)", names);
    server.decorator(HostCheck.allowing(names));
  }

  @Override
  public void close() {
    if (tokensFile != null) {
      tokensFile.close();
    }
  }
}
